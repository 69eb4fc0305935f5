"""Billing service: the Flask application factory."""
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from .config import Config
from .extensions import db, login_manager, migrate

log = logging.getLogger(__name__)


def create_app(config_object: type[Config] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(config_object or Config)
    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)

    from .admin import bp as admin_bp
    from .views import bp as billing_bp

    app.register_blueprint(billing_bp, url_prefix="/api")
    app.register_blueprint(admin_bp, url_prefix="/admin")

    if app.config.get("ENABLE_DUNNING", True):
        _start_dunning(app)
    return app


def _start_dunning(app: Flask) -> None:
    from .dunning import send_overdue_reminders

    def run() -> None:
        with app.app_context():
            send_overdue_reminders()

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(run, "cron", hour=6, minute=30, id="dunning")
    scheduler.start()
    log.info("dunning scheduler started")
