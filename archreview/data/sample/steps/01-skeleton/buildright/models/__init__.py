from buildright.models.task import Task, TaskStatus
from buildright.models.user import User

__all__ = ["Task", "TaskStatus", "User"]
