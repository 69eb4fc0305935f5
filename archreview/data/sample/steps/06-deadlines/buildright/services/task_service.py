from __future__ import annotations

from datetime import date, datetime

from buildright.errors import NotFoundError, ValidationError
from buildright.integrations.slack import post_to_channel
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

    def create(
        self,
        title: str,
        description: str = "",
        project_id: int | None = None,
        due_date: date | None = None,
    ) -> Task:
        if not title.strip():
            raise ValidationError("a task needs a title")
        task = Task(title=title.strip(), description=description, project_id=project_id, due_date=due_date)
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
        task = self._tasks.save(task)
        post_to_channel(f"Task #{task.id} done: {task.title}")
        return task

    def for_user(self, user_id: int) -> list[Task]:
        return self._tasks.find_by_assignee(user_id)

    def send_deadline_reminders(self, today: date) -> int:
        """E-mail the assignee of every open task due by ``today``, once per task."""
        sent = 0
        for task in self._tasks.find_due_unreminded(today):
            user = self._users.find_by_id(task.assignee_id) if task.assignee_id else None
            if user is None:
                continue
            self._email.send(user.id, f"Due {task.due_date:%d %b}: {task.title}", task.description or task.title)
            task.reminded_at = datetime.now()
            self._tasks.save(task)
            sent += 1
        return sent
