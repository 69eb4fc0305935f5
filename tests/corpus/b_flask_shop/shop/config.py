import os


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///shop.db")
    SECRET_KEY = os.environ["SECRET_KEY"]
    STRIPE_API_KEY = os.getenv("STRIPE_API_KEY")
    PASSWORD_RESET_TEMPLATE = "emails/password_reset.html"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


class ProductionConfig(Config):
    MAIL_PASSWORD = "pX9!rTq2-mail-Lk7"
    SENTRY_DSN = os.getenv("SENTRY_DSN")
    REDIS_URL = "redis://cache:Zq81kfPw0s@redis.internal:6379/0"


class DevelopmentConfig(Config):
    DEBUG = True
