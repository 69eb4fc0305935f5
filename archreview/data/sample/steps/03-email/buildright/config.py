"""Settings read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    smtp_host: str
    smtp_port: int
    mail_from: str
    debug: bool = False


def load_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("DATABASE_URL", "sqlite:///buildright.db"),
        secret_key=os.environ.get("SECRET_KEY", "dev-secret-change-me"),
        smtp_host=os.environ.get("SMTP_HOST", "localhost"),
        smtp_port=int(os.environ.get("SMTP_PORT", "25")),
        mail_from=os.environ.get("MAIL_FROM", "noreply@buildright.example"),
        debug=os.environ.get("FLASK_DEBUG") == "1",
    )


settings = load_settings()
