from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from buildright.models import Task


class TaskRepository:
    def __init__(self, session: Session | scoped_session) -> None:
        self._session = session

    def find_by_id(self, task_id: int) -> Task | None:
        return self._session.get(Task, task_id)

    def find_by_assignee(self, user_id: int) -> list[Task]:
        query = select(Task).where(Task.assignee_id == user_id).order_by(Task.id)
        return list(self._session.scalars(query))

    def add(self, task: Task) -> Task:
        self._session.add(task)
        self._session.commit()
        return task

    def save(self, task: Task) -> Task:
        self._session.commit()
        return task
