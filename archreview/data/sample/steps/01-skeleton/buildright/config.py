"""Settings read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    debug: bool = False


def load_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("DATABASE_URL", "sqlite:///buildright.db"),
        secret_key=os.environ.get("SECRET_KEY", "dev-secret-change-me"),
        debug=os.environ.get("FLASK_DEBUG") == "1",
    )


settings = load_settings()
