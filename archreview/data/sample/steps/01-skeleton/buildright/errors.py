"""Exceptions raised by services; controllers never catch them one by one.

The app factory maps each to an HTTP status in one place.
"""

from __future__ import annotations


class BuildRightError(Exception):
    status_code = 400


class NotFoundError(BuildRightError):
    status_code = 404

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class ValidationError(BuildRightError):
    status_code = 422


class ConflictError(BuildRightError):
    status_code = 409
