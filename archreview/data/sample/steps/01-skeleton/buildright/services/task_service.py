from __future__ import annotations

from buildright.errors import NotFoundError, ValidationError
from buildright.models import Task, TaskStatus
from buildright.repositories.task_repository import TaskRepository
from buildright.repositories.user_repository import UserRepository


class TaskService:
    def __init__(self, task_repo: TaskRepository, user_repo: UserRepository) -> None:
        self._tasks = task_repo
        self._users = user_repo

    def create(self, title: str, description: str = "") -> Task:
        if not title.strip():
            raise ValidationError("a task needs a title")
        return self._tasks.add(Task(title=title.strip(), description=description))

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
        return self._tasks.save(task)

    def complete(self, task_id: int) -> Task:
        task = self.get(task_id)
        task.status = TaskStatus.DONE
        return self._tasks.save(task)

    def for_user(self, user_id: int) -> list[Task]:
        return self._tasks.find_by_assignee(user_id)
