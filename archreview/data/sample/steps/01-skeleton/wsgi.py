"""Entry point for the WSGI server (gunicorn wsgi:app)."""

from buildright.app import create_app

app = create_app()
