from __future__ import annotations

from buildright.errors import NotFoundError, ValidationError
from buildright.models import Task, TaskStatus
from buildright.repositories.task_repository import TaskRepository
from buildright.repositories.user_repository import UserRepository
from buildright.services.email_service import EmailService


class TaskService:
    def __init__(
        self, task_repo: TaskRepository, user_repo: UserRepository, email_service: EmailService
    ) -> None:
        self._tasks = task_repo
        self._users = user_repo
        self._email = email_service

    def create(self, title: str, description: str = "", project_id: int | None = None) -> Task:
        if not title.strip():
            raise ValidationError("a task needs a title")
        task = Task(title=title.strip(), description=description, project_id=project_id)
        return self._tasks.add(task)

    def get(self, task_id: int) -> Task:
        task = self._tasks.find_by_id(task_id)
        if task is None:
            raise NotFoundError("Task", task_id)
        return task

    def assign(self, task_id: int, user_id: int) -> Task:
        task = self.get(task_id)
        if self._users.find_by_id(user_id) is None:
            raise NotFoundError("User", user_id)
        task.assignee_id = user_id
        task = self._tasks.save(task)
        self._email.send(user_id, f"Task assigned: {task.title}", task.description or task.title)
        return task

    def complete(self, task_id: int) -> Task:
        task = self.get(task_id)
        task.status = TaskStatus.DONE
        return self._tasks.save(task)

    def for_user(self, user_id: int) -> list[Task]:
        return self._tasks.find_by_assignee(user_id)
