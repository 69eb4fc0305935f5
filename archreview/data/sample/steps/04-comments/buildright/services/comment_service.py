from __future__ import annotations

from buildright.errors import NotFoundError, ValidationError
from buildright.models import Comment
from buildright.repositories.comment_repository import CommentRepository
from buildright.repositories.task_repository import TaskRepository


class CommentService:
    def __init__(self, comment_repo: CommentRepository, task_repo: TaskRepository) -> None:
        self._comments = comment_repo
        self._tasks = task_repo

    def add(self, task_id: int, author_id: int, body: str) -> Comment:
        if not body.strip():
            raise ValidationError("a comment cannot be empty")
        if self._tasks.find_by_id(task_id) is None:
            raise NotFoundError("Task", task_id)
        return self._comments.add(Comment(task_id=task_id, author_id=author_id, body=body))

    def for_task(self, task_id: int) -> list[Comment]:
        return self._comments.find_by_task(task_id)

    def delete(self, comment_id: int, user_id: int) -> None:
        comment = self._comments.find_by_id(comment_id)
        if comment is None or comment.author_id != user_id:
            raise NotFoundError("Comment", comment_id)
        self._comments.delete(comment)
