"""The service functions the web pages call directly ("Draft with AI", "Plan my day")."""

from __future__ import annotations

import pytest
from limits.aio.storage import MemoryStorage

from sprintsync.ai.schemas import DailyPlanSuggestion, DescriptionSuggestion
from sprintsync.ai.service import build_assistant, draft_description, plan_my_day
from sprintsync.errors import Invalid, NotFound
from tests.factories import make_task, make_user


@pytest.fixture
async def assistant(settings):
    assistant = build_assistant(settings, MemoryStorage())
    yield assistant
    await assistant.aclose()


async def test_draft_with_ai_and_plan_my_day(session, assistant) -> None:
    user = await make_user(session)
    task = await make_task(session, user, title="Write the on-call runbook", estimate_minutes=90)
    draft = await draft_description(
        session, user=user, assistant=assistant, title="Fix crash on empty save"
    )
    assert isinstance(draft, DescriptionSuggestion) and draft.kind == "bug"
    plan = await plan_my_day(session, user=user, assistant=assistant, capacity_minutes=120)
    assert isinstance(plan, DailyPlanSuggestion)
    assert [(i.task_id, i.minutes) for i in plan.items] == [(task.id, 90)]


async def test_bad_form_input_is_a_field_level_422(session, assistant) -> None:
    user = await make_user(session)
    with pytest.raises(Invalid) as info:
        await draft_description(session, user=user, assistant=assistant, title="x" * 201)
    assert info.value.details[0]["field"] == "title"
    with pytest.raises(Invalid):
        await draft_description(session, user=user, assistant=assistant)
    with pytest.raises(Invalid) as info:
        await plan_my_day(session, user=user, assistant=assistant, capacity_minutes=5)
    assert info.value.details[0]["field"] == "capacity_minutes"


async def test_another_users_task_is_not_found(session, assistant) -> None:
    user, other = await make_user(session), await make_user(session)
    theirs = await make_task(session, other)
    with pytest.raises(NotFound):
        await draft_description(session, user=user, assistant=assistant, task_id=theirs.id)
