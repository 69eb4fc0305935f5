from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from buildright.models import Comment


class CommentRepository:
    def __init__(self, session: Session | scoped_session) -> None:
        self._session = session

    def find_by_id(self, comment_id: int) -> Comment | None:
        return self._session.get(Comment, comment_id)

    def find_by_task(self, task_id: int, limit: int = 100) -> list[Comment]:
        query = select(Comment).where(Comment.task_id == task_id).order_by(Comment.id).limit(limit)
        return list(self._session.scalars(query))

    def add(self, comment: Comment) -> Comment:
        self._session.add(comment)
        self._session.commit()
        return comment

    def delete(self, comment: Comment) -> None:
        self._session.delete(comment)
        self._session.commit()
