"""The stand-up: built offline from the data, then (optionally) rephrased by a network
provider, whose text is used only if it kept every link.

`standup` is the one entry point for the JSON API and the page. The summary is read first
(`standup.facts`), the offline Markdown rendered from it (`standup.text`); with a network
provider configured, the request's connection is released and the provider is sent the
summary and the offline text under the assist's usual time budget, retries and circuit
breaker (`ai.service`). Its answer replaces the offline text only if every link of the
offline text is in it and it adds no link and no task key; otherwise the offline text is
answered with `fallback: true` and a reason code (`link_dropped`, `link_added`,
`unknown_key`, or the provider's own error code).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.ai import metrics, prompts
from sprintsync.ai.providers import OfflineProvider
from sprintsync.ai.providers.base import Prompt
from sprintsync.ai.service import Assistant, _generate, _release_connection
from sprintsync.ai.standup import facts, text
from sprintsync.ai.standup.schemas import StandupRead, StandupRephrase, StandupSummary
from sprintsync.config import Settings
from sprintsync.db import utcnow
from sprintsync.errors import Invalid
from sprintsync.projects.service import (
    ProjectView,
    colleagues_statement,
    get_project,
    list_projects,
)
from sprintsync.timeutil import user_zone
from sprintsync.users.models import User

MODE = "standup"
INSTRUCTIONS = """Rephrase the stand-up in OFFLINE_TEXT as a short, natural stand-up update.
- Answer with {"text": "..."}: Markdown, keeping the headings Yesterday, Today and Blockers.
- Keep EVERY Markdown link of OFFLINE_TEXT exactly as written, target unchanged, each claim
  next to its link. Never add a link, a web address or a task key that OFFLINE_TEXT lacks.
- Do not invent work, people, numbers or reasons; SUMMARY is the same content as data."""


class StandupPromptFacts(BaseModel):
    """What the offline provider "rephrases": its own text, unchanged."""

    text: str


def prompt_for(summary: StandupSummary, offline_text: str) -> Prompt:
    user = "\n\n".join(
        [
            f"Mode: {MODE}.",
            prompts.data_section("SUMMARY", summary),
            prompts.data_section("OFFLINE_TEXT", offline_text),
        ]
    )
    return Prompt(
        mode=MODE,
        system=f"{prompts.SYSTEM}\n\nYour job:\n{INSTRUCTIONS}",
        user=user,
        facts=StandupPromptFacts(text=offline_text),
    )


async def summary(
    session: AsyncSession,
    *,
    viewer: User,
    settings: Settings,
    person: str | None = None,
    project: str | None = None,
    now: datetime | None = None,
) -> StandupSummary:
    """The stand-up's data for `person` (an id or "me") or `project` (a key or id); the
    viewer's own when neither is given. 404 for a person or project the viewer may not see."""
    if person is not None and project is not None:
        message = "Ask for a person or a project, not both."
        raise Invalid(message, details=[{"field": "project", "message": message}])
    frame = facts.Frame.of(viewer, settings, user_zone(viewer), now or utcnow())
    if project is not None:
        view = await get_project(session, user=viewer, ref=project)
        return await facts.project_summary(session, frame, view)
    person_id = viewer.id if person in (None, "me") else _person_id(person)
    who = await facts.person(session, viewer=viewer, ref=person_id)
    return await facts.person_summary(session, frame, who)


def _person_id(ref: str | None) -> int:
    if ref is not None and ref.isascii() and ref.isdigit() and len(ref) <= 10:
        return int(ref)
    message = "A user is an id or `me`."
    raise Invalid(message, details=[{"field": "user", "message": message}])


async def standup(
    session: AsyncSession,
    *,
    viewer: User,
    settings: Settings,
    assistant: Assistant,
    person: str | None = None,
    project: str | None = None,
    now: datetime | None = None,
) -> StandupRead:
    """The stand-up for a person (an id or "me") or a project (a key or id), as
    `summary` reads it, in the offline text or a provider's checked rephrasing."""
    provider = assistant.provider
    network = not isinstance(provider, OfflineProvider)
    if network:
        await assistant.limiter.consume(
            str(viewer.id), "Too many AI requests; wait a moment and try again."
        )
    start = time.perf_counter()
    data = await summary(
        session, viewer=viewer, settings=settings, person=person, project=project, now=now
    )
    offline = text.render(data)
    links = text.required_links(data)
    read = StandupRead(
        **data.model_dump(),
        text=offline,
        links=links,
        provider=OfflineProvider.name,
        model=OfflineProvider.model,
        fallback=False,
    )
    if not network:
        return read
    call = metrics.CallRecord(
        provider=provider.name, model=provider.model, mode=MODE, user_id=viewer.id
    )
    await _release_connection(session)
    generation, failure = await _generate(assistant, prompt_for(data, offline), call)
    reason = failure.code if failure is not None else None
    if failure is None:
        rephrased = StandupRephrase.model_validate(generation.output.model_dump()).text
        reason = text.check_rephrase(offline, links, rephrased)
        if reason is None:
            read.text = rephrased
            read.provider, read.model = generation.provider, generation.model
        else:
            metrics.provider_failed(provider.name, reason)
    read.fallback = reason is not None
    read.reason = reason
    call.outcome = "fallback" if read.fallback else "ok"
    call.reason = reason
    call.answered_by = read.provider
    metrics.record(call, time.perf_counter() - start)
    return read


@dataclass(frozen=True, slots=True)
class StandupPage:
    """Everything the stand-up page shows: the stand-up and whom else it can be for."""

    standup: StandupRead
    people: list[User]
    projects: list[ProjectView]


async def standup_page(
    session: AsyncSession,
    *,
    viewer: User,
    settings: Settings,
    assistant: Assistant,
    person: str | None = None,
    project: str | None = None,
) -> StandupPage:
    """The page's one call: the switcher's people and projects, then the stand-up (read
    first, as the stand-up may give the connection back while a provider answers)."""
    people = list((await session.execute(colleagues_statement(viewer))).scalars())
    projects = await list_projects(session, user=viewer)
    read = await standup(
        session,
        viewer=viewer,
        settings=settings,
        assistant=assistant,
        person=person,
        project=project,
    )
    return StandupPage(standup=read, people=people, projects=projects)
