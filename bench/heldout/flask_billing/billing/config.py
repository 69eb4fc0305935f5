import os

BASE_DIR = os.path.abspath(os.path.dirname(__file__))


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://billing@localhost:5432/billing")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10}

    SECRET_KEY = "c41f7a0e9b2d4e8fa3566d10be72c9f4"
    STRIPE_API_KEY = os.environ["STRIPE_API_KEY"]
    STRIPE_BASE_URL = os.environ.get("STRIPE_BASE_URL", "https://api.stripe.com/v1")
    EVENTS_REDIS_URL = os.environ.get("EVENTS_REDIS_URL", "redis://localhost:6379/2")

    UPLOAD_FOLDER = os.path.join(BASE_DIR, "..", "var", "attachments")
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    DEBUG = os.environ.get("FLASK_DEBUG", "0") == "1"
    DEFAULT_PAGE_SIZE = 25
    MAX_PAGE_SIZE = 100


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ENABLE_DUNNING = False
