from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session

from buildright.models import Project, Task


class ProjectRepository:
    def __init__(self, session: Session | scoped_session) -> None:
        self._session = session

    def find_by_id(self, project_id: int) -> Project | None:
        return self._session.get(Project, project_id)

    def find_active(self) -> list[Project]:
        query = select(Project).where(Project.archived.is_(False)).order_by(Project.name)
        return list(self._session.scalars(query))

    def count_tasks(self, project_id: int) -> int:
        query = select(func.count(Task.id)).where(Task.project_id == project_id)
        return self._session.scalar(query) or 0

    def add(self, project: Project) -> Project:
        self._session.add(project)
        self._session.commit()
        return project

    def save(self, project: Project) -> Project:
        self._session.commit()
        return project
