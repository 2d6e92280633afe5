"""Every table, imported in one place so Alembic and the metadata see them all."""

from sprintsync.db import Base
from sprintsync.invitations.models import Invitation
from sprintsync.tasks.models import Task, TaskStatusChange
from sprintsync.timesheet.models import TimeEntry
from sprintsync.users.models import User

__all__ = ["Base", "Invitation", "Task", "TaskStatusChange", "TimeEntry", "User"]
