"""Comment rules: who may comment, edit and delete; mentions and who is told.

Anyone who may see a task (the tasks service decides) may comment on it. Only the author
edits a comment; the author or an admin deletes it. Mentions are resolved when a comment is
written (and again when it is edited): each `@handle` naming someone who may see the task
is stored, notified once, and linked when the comment is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.comments.models import Comment, CommentMention
from sprintsync.db import utcnow
from sprintsync.errors import Forbidden, NotFound
from sprintsync.notifications import service as notifications
from sprintsync.notifications.kinds import Kind
from sprintsync.tasks import references
from sprintsync.tasks import service as tasks
from sprintsync.tasks.models import Task
from sprintsync.users.models import User
from sprintsync.users.schemas import MAX_ROW_ID
from sprintsync.users.service import display_names
from sprintsync.web.markdown import Links, find_references, render_markdown

# A task page shows at most this many comments (the newest); older ones stay in the API.
MAX_COMMENTS = 200


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment as a reader sees it: rendered, with its author and what they may do."""

    id: int
    task_id: int
    author_id: int | None
    author_name: str | None
    body: str
    body_html: Markup
    mentions: list[int]
    created_at: datetime
    edited_at: datetime | None
    can_edit: bool
    can_delete: bool


# --- reading -------------------------------------------------------------------------------


async def _views(
    session: AsyncSession, *, user: User, comments: Sequence[Comment]
) -> list[CommentView]:
    """Views of `comments` in at most three queries whatever their number: authors, mentions,
    and the tasks their keys name that `user` may see (only if some comment has a key)."""
    if not comments:
        return []
    ids = [c.id for c in comments]
    names = await display_names(session, {c.author_id for c in comments if c.author_id})
    mentioned: dict[int, list[User]] = defaultdict(list)
    mention_rows = await session.execute(
        select(CommentMention.comment_id, User)
        .join(User, User.id == CommentMention.user_id)
        .where(CommentMention.comment_id.in_(ids))
    )
    for comment_id, person in mention_rows.all():
        mentioned[comment_id].append(person)
    keys: set[str] = set()
    for c in comments:
        keys |= find_references(c.body)[0]
    task_urls = await references.task_links(session, user=user, keys=keys)
    return [
        CommentView(
            id=c.id,
            task_id=c.task_id,
            author_id=c.author_id,
            author_name=names.get(c.author_id) if c.author_id is not None else None,
            body=c.body,
            body_html=render_markdown(c.body, _links(mentioned[c.id], task_urls)),
            mentions=sorted(p.id for p in mentioned[c.id]),
            created_at=c.created_at,
            edited_at=c.edited_at,
            can_edit=c.author_id == user.id,
            can_delete=c.author_id == user.id or user.is_admin,
        )
        for c in comments
    ]


def _links(people: Sequence[User], task_urls: dict[str, str]) -> Links:
    return Links(
        tasks=task_urls,
        people={references.handle_of(p): references.person_url(p.id) for p in people},
    )


async def list_comments(
    session: AsyncSession, *, user: User, task_id: int | str
) -> list[CommentView]:
    """The task's comments, oldest first (the newest `MAX_COMMENTS`); 404 if not visible."""
    task = await tasks.get_task(session, user=user, ref=task_id)
    return await comments_of_visible_task(session, user=user, task_id=task.id)


async def comments_of_visible_task(
    session: AsyncSession, *, user: User, task_id: int
) -> list[CommentView]:
    """The comments of a task the caller has already found `user` may see."""
    newest = (
        select(Comment)
        .where(Comment.task_id == task_id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(MAX_COMMENTS)
    )
    comments = list((await session.execute(newest)).scalars())
    comments.reverse()
    return await _views(session, user=user, comments=comments)


async def _get_comment(session: AsyncSession, *, user: User, comment_id: int) -> Comment:
    """A comment on a task the user may see; 404 otherwise (never 403: ids reveal nothing)."""
    comment = None
    if 0 < comment_id <= MAX_ROW_ID:
        comment = await session.get(Comment, comment_id)
    if comment is not None and not await references.can_see(
        session, user=user, task_id=comment.task_id
    ):
        comment = None
    if comment is None:
        raise NotFound("Comment not found.", code="comment_not_found")
    return comment


async def get_comment(session: AsyncSession, *, user: User, comment_id: int) -> CommentView:
    comment = await _get_comment(session, user=user, comment_id=comment_id)
    return (await _views(session, user=user, comments=[comment]))[0]


# --- writing -------------------------------------------------------------------------------


async def _record_mentions(session: AsyncSession, *, comment: Comment) -> set[int]:
    """Store whom the comment mentions now; the ids of those it did not mention before."""
    handles = find_references(comment.body)[1]
    people = await references.people_by_handle(session, task_id=comment.task_id, handles=handles)
    now_ids = {p.id for p in people.values()}
    before = set(
        (
            await session.execute(
                select(CommentMention.user_id).where(CommentMention.comment_id == comment.id)
            )
        ).scalars()
    )
    if before - now_ids:
        await session.execute(
            delete(CommentMention).where(
                CommentMention.comment_id == comment.id,
                CommentMention.user_id.in_(before - now_ids),
            )
        )
    session.add_all(
        CommentMention(comment_id=comment.id, user_id=uid) for uid in sorted(now_ids - before)
    )
    await session.flush()
    return now_ids - before


async def add_comment(
    session: AsyncSession, *, user: User, task_id: int | str, body: str
) -> CommentView:
    """Comment on a visible task; tell the mentioned, then the task's owner and assignee."""
    task: Task = await tasks.get_task(session, user=user, ref=task_id)
    comment = Comment(task_id=task.id, author_id=user.id, body=body, created_at=utcnow())
    session.add(comment)
    await session.flush()
    mentioned = await _record_mentions(session, comment=comment)
    await notifications.notify(
        session,
        recipients=mentioned,
        kind=Kind.mentioned,
        task_id=task.id,
        actor=user,
        comment_id=comment.id,
    )
    await notifications.notify(
        session,
        recipients={i for i in (task.owner_id, task.assignee_id) if i is not None} - mentioned,
        kind=Kind.commented,
        task_id=task.id,
        actor=user,
        comment_id=comment.id,
    )
    return (await _views(session, user=user, comments=[comment]))[0]


async def edit_comment(
    session: AsyncSession, *, user: User, comment_id: int, body: str
) -> CommentView:
    """The author rewrites their comment; it is marked edited and new mentions are told."""
    comment = await _get_comment(session, user=user, comment_id=comment_id)
    if comment.author_id != user.id:
        raise Forbidden("Only its author can edit a comment.", code="comment_edit_forbidden")
    if body != comment.body:
        comment.body = body
        comment.edited_at = utcnow()
        await session.flush()
        newly = await _record_mentions(session, comment=comment)
        await notifications.notify(
            session,
            recipients=newly,
            kind=Kind.mentioned,
            task_id=comment.task_id,
            actor=user,
            comment_id=comment.id,
        )
    return (await _views(session, user=user, comments=[comment]))[0]


async def delete_comment(session: AsyncSession, *, user: User, comment_id: int) -> None:
    """The author or an admin deletes a comment (its notifications go with it)."""
    comment = await _get_comment(session, user=user, comment_id=comment_id)
    if comment.author_id != user.id and not user.is_admin:
        raise Forbidden(
            "Only its author or an admin can delete a comment.", code="comment_delete_forbidden"
        )
    await session.delete(comment)
    await session.flush()
