import os

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from flask_caching import Cache
from flask_cors import CORS
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300})


def create_app():
    app = Flask(__name__)
    app.config.from_object("shop.config.ProductionConfig")
    app.config["UPLOAD_FOLDER"] = os.path.join(app.root_path, "uploads")
    db.init_app(app)
    cache.init_app(app)
    CORS(app, origins="*", supports_credentials=True)

    from shop.views import orders, uploads, account

    app.register_blueprint(orders.bp)
    app.register_blueprint(uploads.bp)
    app.register_blueprint(account.bp)

    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(expire_carts, "interval", minutes=10, args=[app])
    scheduler.start()
    return app


def expire_carts(app):
    from shop.models import Cart

    with app.app_context():
        Cart.query.filter(Cart.expired.is_(True)).delete()
        db.session.commit()
