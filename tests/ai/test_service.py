"""`ai.service.suggest` called directly, as the web pages do, and the facts it reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from limits.aio.storage import MemoryStorage

from sprintsync.ai.facts import task_input
from sprintsync.ai.schemas import (
    DailyPlanRequest,
    DailyPlanSuggestion,
    DescriptionRequest,
    DescriptionSuggestion,
)
from sprintsync.ai.service import Assistant, build_assistant, suggest
from sprintsync.errors import Invalid, NotFound
from tests.factories import make_task, make_user


@pytest.fixture
async def assistant(settings) -> AsyncIterator[Assistant]:
    assistant = build_assistant(settings, MemoryStorage())
    yield assistant
    await assistant.aclose()


async def test_draft_with_ai_and_plan_my_day(session, assistant) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Write the on-call runbook", estimate_minutes=90)
    request = DescriptionRequest(mode="description", title="Fix crash on empty save")
    draft = await suggest(session, user=user, assistant=assistant, request=request)
    assert isinstance(draft, DescriptionSuggestion)
    assert draft.kind == "bug"
    request = DailyPlanRequest(mode="daily_plan", capacity_minutes=120)
    plan = await suggest(session, user=user, assistant=assistant, request=request)
    assert isinstance(plan, DailyPlanSuggestion)
    assert [(i.task_id, i.minutes) for i in plan.items] == [(task.id, 90)]


async def test_the_session_is_usable_after_a_suggestion(session, assistant) -> None:
    # `suggest` hands its connection back before the provider call; a page that goes on to
    # render a form reads through the same session afterwards.
    user = await make_user(session)
    request = DescriptionRequest(mode="description", title="Add CSV export")
    await suggest(session, user=user, assistant=assistant, request=request)
    task = await make_task(session, user, title="Still works")
    assert task.id is not None
    assert user.email


async def test_a_task_with_neither_id_nor_title_is_invalid(session) -> None:
    # An explicit 422, not an AssertionError that `python -O` would skip.
    user = await make_user(session)
    with pytest.raises(Invalid) as info:
        await task_input(session, user=user, task_id=None, title=None, context="notes")
    assert info.value.details[0]["field"] == "title"


async def test_another_users_task_is_not_found(session, assistant) -> None:
    user, other = await make_user(session), await make_user(session)
    theirs = await make_task(session, other)
    request = DescriptionRequest(mode="description", task_id=theirs.id)
    with pytest.raises(NotFound):
        await suggest(session, user=user, assistant=assistant, request=request)
