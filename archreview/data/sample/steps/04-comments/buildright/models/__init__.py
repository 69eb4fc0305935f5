from buildright.models.comment import Comment
from buildright.models.project import Project
from buildright.models.task import Task, TaskStatus
from buildright.models.user import User

__all__ = ["Comment", "Project", "Task", "TaskStatus", "User"]
