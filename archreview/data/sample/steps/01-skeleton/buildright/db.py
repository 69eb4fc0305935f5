"""The one database connection of BuildRight.

Every repository works on ``session``; nothing else creates an engine.
The session is scoped to the request and removed on teardown (see app.py).
"""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

from buildright.config import settings

engine = create_engine(settings.database_url, pool_pre_ping=True)
session = scoped_session(sessionmaker(bind=engine, autoflush=False))


class Base(DeclarativeBase):
    """Base class of every model."""


def remove_session(_exc: BaseException | None = None) -> None:
    session.remove()
