"""Demo data for a first look: one admin, four engineers in three projects with overlapping
members, forty tasks shared out among each project's members, two weeks of time.

The data is generated from a fixed random seed relative to "now", so every run looks alike.
Seeding is idempotent: users are keyed by email, projects by key, memberships by (project,
user) and tasks by (owner, title), and only what is missing is added. Every task's status
history follows the workflow in `tasks.transitions` and ends at its status, and every total
equals the sum of its time entries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.comments.models import Comment, CommentMention
from sprintsync.db import utcnow
from sprintsync.notifications.models import Notification
from sprintsync.projects import service as projects
from sprintsync.projects.models import Project, Role
from sprintsync.tasks.models import Task, TaskFieldChange, TaskStatus, TaskStatusChange
from sprintsync.tasks.priority import Priority
from sprintsync.tasks.transitions import can_move
from sprintsync.timesheet.models import EntrySource, TimeEntry
from sprintsync.users import service as users
from sprintsync.users.models import User

DEMO_PASSWORD = "sprintsync-demo"
RANDOM_SEED = 20261126
HISTORY_DAYS = 14


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    display_name: str
    is_admin: bool = False
    time_zone: str = "UTC"


# A team spread over time zones, so reports and timesheets show days in each one's zone.
DEMO_USERS = (
    DemoUser("admin@sprintsync.dev", "Ada Admin", is_admin=True, time_zone="Europe/London"),
    DemoUser("grace@sprintsync.dev", "Grace Hopper", time_zone="America/New_York"),
    DemoUser("linus@sprintsync.dev", "Linus Torvalds", time_zone="Europe/Berlin"),
    DemoUser("margaret@sprintsync.dev", "Margaret Hamilton", time_zone="America/Los_Angeles"),
    DemoUser("ken@sprintsync.dev", "Ken Thompson", time_zone="Asia/Kolkata"),
)


@dataclass(frozen=True, slots=True)
class DemoProject:
    key: str
    name: str
    description: str
    lead: str  # email
    members: tuple[str, ...]


# Every engineer is in at least two projects, so boards show colleagues' work side by side.
DEMO_PROJECTS = (
    DemoProject(
        "API",
        "API Platform",
        "The JSON API, its database and its performance.",
        lead="grace@sprintsync.dev",
        members=("linus@sprintsync.dev", "ken@sprintsync.dev"),
    ),
    DemoProject(
        "WEB",
        "Web App",
        "Pages, the board and everything people click.",
        lead="margaret@sprintsync.dev",
        members=("grace@sprintsync.dev", "linus@sprintsync.dev"),
    ),
    DemoProject(
        "OPS",
        "Operations",
        "Deployments, monitoring and the on-call runbooks.",
        lead="ken@sprintsync.dev",
        members=("margaret@sprintsync.dev", "linus@sprintsync.dev"),
    ),
)

TASK_TITLES = (
    "Set up CI pipeline for the API",
    "Add pagination to the task list",
    "Fix flaky login throttling test",
    "Write onboarding guide for new engineers",
    "Migrate session storage to Redis",
    "Add index on time entries by user",
    "Upgrade SQLAlchemy to the latest 2.x",
    "Design the sprint burndown chart",
    "Profile the slow dashboard query",
    "Add CSV export of timesheets",
    "Harden cookie settings for production",
    "Document the JSON API error envelope",
    "Add Prometheus alerts for 5xx rate",
    "Investigate memory growth in workers",
    "Implement task search by description",
    "Add due-date reminders",
    "Review access rules for admin endpoints",
    "Write load test for the task API",
    "Clean up unused feature flags",
    "Add dark mode to the web UI",
    "Support keyboard shortcuts on the board",
    "Backfill status history for old tasks",
    "Tune PostgreSQL connection pool",
    "Add health checks to the compose file",
    "Rotate the JWT signing key",
    "Improve empty states on the dashboard",
    "Add audit log for user changes",
    "Cache AI suggestions per user",
    "Refactor timer stop logic",
    "Add weekly time summary email",
    "Fix timezone bug in manual entries",
    "Add priority filter to the board",
    "Write runbook for database restore",
    "Reduce Docker image size",
    "Add OpenAPI examples for task routes",
    "Evaluate offline planner suggestions",
    "Split the settings page into tabs",
    "Add retry to outgoing webhooks",
    "Track cycle time per engineer",
    "Polish the login page",
)

# The paths a task took through the workflow; each ends at the task's current status.
_PATHS: tuple[tuple[TaskStatus, ...], ...] = (
    (TaskStatus.todo,),
    (TaskStatus.todo, TaskStatus.in_progress),
    (TaskStatus.todo, TaskStatus.in_progress, TaskStatus.todo, TaskStatus.in_progress),
    (TaskStatus.todo, TaskStatus.in_progress, TaskStatus.done),
    (
        TaskStatus.todo,
        TaskStatus.in_progress,
        TaskStatus.done,
        TaskStatus.in_progress,
        TaskStatus.done,
    ),
)
# Index into _PATHS for each of the 40 tasks: 12 to do, 12 in progress, 16 done.
_PLAN = (0,) * 12 + (1,) * 10 + (2,) * 2 + (3,) * 13 + (4,) * 3
_ENTRY_MINUTES = (15, 25, 30, 45, 60, 90, 120, 150, 180)
_ESTIMATES = (None, 60, 120, 240, 360, 480, 960)


@dataclass(slots=True)
class SeedResult:
    users_created: int = 0
    projects_created: int = 0
    tasks_created: int = 0
    entries_created: int = 0
    comments_created: int = 0
    skipped: bool = False


async def has_users(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(User))).scalar_one() > 0


async def demo_users_present(session: AsyncSession) -> list[DemoUser]:
    """The demo accounts that exist in this database (to print their logins)."""
    emails = [u.email for u in DEMO_USERS]
    rows = await session.execute(select(func.lower(User.email)).where(User.email.in_(emails)))
    present = set(rows.scalars())
    return [u for u in DEMO_USERS if u.email in present]


async def seed_demo(
    session: AsyncSession,
    *,
    password_hash_fast: bool = False,
    if_empty: bool = False,
    now: datetime | None = None,
) -> SeedResult:
    """Add whatever demo data is missing; with `if_empty`, only into a database with no users."""
    if if_empty and await has_users(session):
        return SeedResult(skipped=True)
    now = now or utcnow()
    result = SeedResult()
    accounts: list[User] = []
    for demo in DEMO_USERS:
        user = await users.get_by_email(session, demo.email)
        if user is None:
            user = await users.create_user(
                session,
                email=demo.email,
                display_name=demo.display_name,
                password=DEMO_PASSWORD,
                is_admin=demo.is_admin,
                password_hash_fast=password_hash_fast,
                time_zone=demo.time_zone,
            )
            result.users_created += 1
        accounts.append(user)
    admin = accounts[0]
    by_email = {u.email: u for u in accounts}
    teams: list[tuple[Project, list[User]]] = []
    for demo_project in DEMO_PROJECTS:
        project, created = await _demo_project(session, demo_project, by_email, now)
        result.projects_created += created
        teams.append(
            (project, [by_email[demo_project.lead]] + [by_email[e] for e in demo_project.members])
        )

    existing = await session.execute(
        select(Task.owner_id, Task.title).where(Task.owner_id.in_([u.id for u in accounts]))
    )
    seen = {(owner_id, title) for owner_id, title in existing}
    rng = random.Random(RANDOM_SEED)  # noqa: S311 - demo data, not secrets
    plan = list(_PLAN)
    rng.shuffle(plan)
    notes: list[Notification] = []
    planned_tasks: list[tuple[Project, _DemoTask, User, User]] = []
    for i, (title, path_index) in enumerate(zip(TASK_TITLES, plan, strict=True)):
        project, team = teams[i % len(teams)]
        # Draw every value even for tasks that exist, so the others come out the same.
        owner = rng.choice([admin, *team, *team])
        # Anyone in a project may hand work to anyone in it; each member gets a turn.
        assignee = team[(i // len(teams)) % len(team)]
        planned = _build_task(rng, now, title, _PATHS[path_index], owner, assignee)
        if (owner.id, title) not in seen:
            planned_tasks.append((project, planned, owner, assignee))
    # Numbered in the order they were created, as they would have been.
    for project, planned, owner, assignee in sorted(
        planned_tasks, key=lambda p: p[1].task.created_at
    ):
        number, key = await projects.next_task_key(session, project_id=project.id)
        planned.task.project_id, planned.task.number, planned.task.key = project.id, number, key
        session.add(planned.task)
        await session.flush()
        for change in planned.history:
            change.task_id = planned.task.id
        for entry in planned.entries:
            entry.task_id = planned.task.id
        session.add_all([*planned.history, *planned.entries])
        result.tasks_created += 1
        result.entries_created += len(planned.entries)
        if owner is admin:
            result.comments_created += await _add_teamwork(
                session, now, planned, admin, assignee, notes
            )
        elif planned.task.status == TaskStatus.in_progress.value:
            result.comments_created += await _add_check_in(
                session, now, planned, admin, assignee, notes
            )
    # In the order they happened, as the app would have written them (lists sort by id).
    notes.sort(key=lambda n: n.created_at)
    session.add_all(notes)
    await session.flush()
    return result


# What the admin and the assignee say on a handed-out task, in turn (the admin mentions).
_THREAD = (
    "@{assignee} this one is yours. Scope is in the description; ping me if it is unclear.",
    "On it. First look: the slow part is **not** where we thought, details below.\n\n"
    "- reproduced locally\n- next: a test that fails",
    "Thanks @{assignee}. Keep the change small, we ship on Friday.",
)
# Notifications older than this are shown as read, so a first look has a few unread.
_READ_AFTER = timedelta(days=2)


def _handle(user: User) -> str:
    return user.email.split("@", 1)[0]


async def _add_teamwork(
    session: AsyncSession,
    now: datetime,
    planned: _DemoTask,
    admin: User,
    assignee: User,
    notes: list[Notification],
) -> int:
    """The admin assigned this task: the assignment, a short thread and who was told what.

    Mirrors what the services record: the assignment in the activity feed, each mention,
    and the notifications the assignee and the admin would have had.
    """
    task = planned.task
    start = task.created_at
    span = max(now - start, timedelta(minutes=30))
    assigned_at = start + timedelta(minutes=2)
    session.add(
        TaskFieldChange(
            task_id=task.id,
            field="assignee_id",
            old_value=admin.id,
            new_value=assignee.id,
            changed_by_id=admin.id,
            changed_at=assigned_at,
        )
    )
    notes.append(_note(admin, task, assignee.id, "assigned", assigned_at, now))
    # A longer thread on tasks that have been worked on; one line on the others.
    lines = _THREAD if task.status != TaskStatus.todo.value else _THREAD[:1]
    for i, text in enumerate(lines):
        author = admin if i % 2 == 0 else assignee
        at = start + span * (0.1 + 0.3 * i)
        comment = Comment(
            task_id=task.id,
            author_id=author.id,
            body=text.format(assignee=_handle(assignee)),
            created_at=at,
        )
        session.add(comment)
        await session.flush()
        if author is admin:
            session.add(CommentMention(comment_id=comment.id, user_id=assignee.id))
            notes.append(_note(admin, task, assignee.id, "mentioned", at, now, comment.id))
        else:
            notes.append(_note(assignee, task, admin.id, "commented", at, now, comment.id))
    last_move = planned.history[-1]
    if last_move.from_status is not None:
        notes.append(
            _note(assignee, task, admin.id, "moved", last_move.changed_at, now, detail=task.status)
        )
    return len(lines)


async def _add_check_in(
    session: AsyncSession,
    now: datetime,
    planned: _DemoTask,
    admin: User,
    owner: User,
    notes: list[Notification],
) -> int:
    """The admin asks how an engineer's own task in progress is going, mentioning them."""
    task = planned.task
    at = planned.history[-1].changed_at + (now - planned.history[-1].changed_at) / 2
    comment = Comment(
        task_id=task.id,
        author_id=admin.id,
        body=f"@{_handle(owner)} how is this going? Anything blocking you?",
        created_at=at,
    )
    session.add(comment)
    await session.flush()
    session.add(CommentMention(comment_id=comment.id, user_id=owner.id))
    notes.append(_note(admin, task, owner.id, "mentioned", at, now, comment.id))
    return 1


def _note(
    actor: User,
    task: Task,
    user_id: int,
    kind: str,
    at: datetime,
    now: datetime,
    comment_id: int | None = None,
    detail: str | None = None,
) -> Notification:
    return Notification(
        user_id=user_id,
        kind=kind,
        task_id=task.id,
        actor_id=actor.id,
        comment_id=comment_id,
        detail=detail,
        created_at=at,
        read_at=at + timedelta(hours=1) if now - at > _READ_AFTER else None,
    )


async def _demo_project(
    session: AsyncSession, demo: DemoProject, by_email: dict[str, User], now: datetime
) -> tuple[Project, int]:
    """The demo project (made if missing) with its lead and members (added if missing)."""
    project = (
        await session.execute(select(Project).where(Project.key == demo.key))
    ).scalar_one_or_none()
    created = 0
    if project is None:
        project = Project(
            key=demo.key,
            name=demo.name,
            description=demo.description,
            archived=False,
            task_counter=0,
            created_at=now - timedelta(days=HISTORY_DAYS),
        )
        session.add(project)
        await session.flush()
        created = 1
    roles = [(demo.lead, Role.lead)] + [(email, Role.member) for email in demo.members]
    for email, role in roles:
        await projects.ensure_member(
            session, project_id=project.id, user_id=by_email[email].id, role=role
        )
    return project, created


@dataclass(slots=True)
class _DemoTask:
    task: Task
    history: list[TaskStatusChange]
    entries: list[TimeEntry]


def _build_task(
    rng: random.Random,
    now: datetime,
    title: str,
    path: tuple[TaskStatus, ...],
    owner: User,
    assignee: User,
) -> _DemoTask:
    """A task with its status history and time entries, all in the past."""
    created = now - timedelta(days=rng.uniform(1.0, HISTORY_DAYS - 1), minutes=rng.randint(0, 600))
    # The moves happen at random moments, in order, between creation and "now".
    span = (now - created).total_seconds()
    offsets = sorted(rng.uniform(0.05, 0.95) * span for _ in path[1:])
    moments = [created, *(created + timedelta(seconds=s) for s in offsets)]
    history: list[TaskStatusChange] = []
    previous: TaskStatus | None = None
    for status, at in zip(path, moments, strict=True):
        if previous is not None and not can_move(previous, status):
            raise AssertionError(f"demo path {path} breaks the workflow")
        history.append(
            TaskStatusChange(
                from_status=previous.value if previous else None,
                to_status=status.value,
                changed_by_id=owner.id if previous is None else assignee.id,
                changed_at=at,
            )
        )
        previous = status
    entries = _work_entries(rng, now, path, moments, assignee)
    status = path[-1]
    due: date | None = None
    if status is not TaskStatus.done and rng.random() < 0.7:
        due = (now + timedelta(days=rng.randint(-3, 12))).date()
    task = Task(
        title=title,
        description=f"{title}. Demo task created by `sprintsync seed`.",
        status=status.value,
        priority=rng.choice(list(Priority)),
        estimate_minutes=rng.choice(_ESTIMATES),
        due_date=due,
        owner_id=owner.id,
        assignee_id=assignee.id,
        total_minutes=sum(e.minutes for e in entries),
        created_at=created,
        updated_at=moments[-1],
        status_changed_at=moments[-1],
    )
    return _DemoTask(task, history, entries)


def _work_entries(
    rng: random.Random,
    now: datetime,
    path: tuple[TaskStatus, ...],
    moments: list[datetime],
    assignee: User,
) -> list[TimeEntry]:
    """Finished time entries inside the periods the task was in progress."""
    entries: list[TimeEntry] = []
    for i, status in enumerate(path):
        if status is not TaskStatus.in_progress:
            continue
        start = moments[i]
        end = moments[i + 1] if i + 1 < len(moments) else now
        for _ in range(rng.randint(1, 3)):
            minutes = rng.choice(_ENTRY_MINUTES)
            latest = end - timedelta(minutes=minutes)
            if latest <= start:
                continue
            began = start + (latest - start) * rng.random()
            # The API stores a manual entry at the start of its day (UTC).
            day_start = datetime.combine(began.date(), time(0, 0), tzinfo=UTC)
            manual = rng.random() < 0.35 and day_start + timedelta(minutes=minutes) <= now
            if manual:
                began = day_start
            entries.append(
                TimeEntry(
                    user_id=assignee.id,
                    started_at=began,
                    ended_at=began + timedelta(minutes=minutes),
                    minutes=minutes,
                    note="" if manual else "Focused work",
                    source=(EntrySource.manual if manual else EntrySource.timer).value,
                )
            )
    return entries
