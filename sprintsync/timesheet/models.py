"""The timesheet domain's table: time entries (a running timer is an entry with no end).

It is defined in `tasks.models`, because a task's own rules read it and tasks sits below
timesheet; timesheet code imports it from here.
"""

from sprintsync.tasks.models import EntrySource, TimeEntry

__all__ = ["EntrySource", "TimeEntry"]
