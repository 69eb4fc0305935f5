from __future__ import annotations

from buildright.errors import NotFoundError, ValidationError
from buildright.models import Project
from buildright.repositories.project_repository import ProjectRepository
from buildright.repositories.user_repository import UserRepository


class ProjectService:
    def __init__(self, project_repo: ProjectRepository, user_repo: UserRepository) -> None:
        self._projects = project_repo
        self._users = user_repo

    def create(self, name: str, owner_id: int) -> Project:
        if not name.strip():
            raise ValidationError("a project needs a name")
        if self._users.find_by_id(owner_id) is None:
            raise NotFoundError("User", owner_id)
        return self._projects.add(Project(name=name.strip(), owner_id=owner_id))

    def get(self, project_id: int) -> Project:
        project = self._projects.find_by_id(project_id)
        if project is None:
            raise NotFoundError("Project", project_id)
        return project

    def archive(self, project_id: int) -> Project:
        project = self.get(project_id)
        project.archived = True
        return self._projects.save(project)

    def overview(self) -> list[dict]:
        """Active projects with their task counts, for the dashboard."""
        return [
            {"id": p.id, "name": p.name, "tasks": self._projects.count_tasks(p.id)}
            for p in self._projects.find_active()
        ]
