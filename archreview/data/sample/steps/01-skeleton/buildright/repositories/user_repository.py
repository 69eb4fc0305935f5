from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from buildright.models import User


class UserRepository:
    def __init__(self, session: Session | scoped_session) -> None:
        self._session = session

    def find_by_id(self, user_id: int) -> User | None:
        return self._session.get(User, user_id)

    def find_by_email(self, email: str) -> User | None:
        return self._session.scalars(select(User).where(User.email == email)).first()

    def add(self, user: User) -> User:
        self._session.add(user)
        self._session.commit()
        return user
