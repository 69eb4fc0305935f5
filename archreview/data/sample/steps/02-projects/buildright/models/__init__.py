from buildright.models.project import Project
from buildright.models.task import Task, TaskStatus
from buildright.models.user import User

__all__ = ["Project", "Task", "TaskStatus", "User"]
