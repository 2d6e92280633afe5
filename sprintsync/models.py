"""Every table, imported in one place so Alembic and the metadata see them all."""

from sprintsync.ai.models import TaskEmbedding
from sprintsync.comments.models import Comment, CommentMention
from sprintsync.db import Base
from sprintsync.invitations.models import Invitation
from sprintsync.notifications.models import Notification, NotificationSetting
from sprintsync.projects.models import Project, ProjectMember
from sprintsync.tasks.models import Task, TaskFieldChange, TaskStatusChange
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User

__all__ = [
    "Base",
    "Comment",
    "CommentMention",
    "Invitation",
    "Notification",
    "NotificationSetting",
    "Project",
    "ProjectMember",
    "Task",
    "TaskEmbedding",
    "TaskFieldChange",
    "TaskStatusChange",
    "TimeEntry",
    "User",
]
