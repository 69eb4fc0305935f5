from __future__ import annotations

from buildright.errors import ConflictError, NotFoundError, ValidationError
from buildright.models import User
from buildright.repositories.user_repository import UserRepository


class UserService:
    def __init__(self, user_repo: UserRepository) -> None:
        self._users = user_repo

    def register(self, email: str, name: str) -> User:
        if "@" not in email:
            raise ValidationError(f"not an e-mail address: {email!r}")
        if self._users.find_by_email(email) is not None:
            raise ConflictError(f"{email} is already registered")
        return self._users.add(User(email=email.lower(), name=name))

    def get(self, user_id: int) -> User:
        user = self._users.find_by_id(user_id)
        if user is None:
            raise NotFoundError("User", user_id)
        return user
