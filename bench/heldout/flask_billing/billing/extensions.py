import os

import redis
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()
login_manager = LoginManager()

events = redis.Redis.from_url(
    os.environ.get("EVENTS_REDIS_URL", "redis://localhost:6379/2"),
    socket_timeout=2,
    socket_connect_timeout=2,
)
