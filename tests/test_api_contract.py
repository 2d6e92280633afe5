"""The published OpenAPI schema checked against the app by schemathesis, as anonymous, member
and admin: no server errors, and every answer is one the schema promises (a documented status
code, a body matching its schema, the documented content type and headers).

Runs in-process (schemathesis's ASGI transport) on the run's PostgreSQL database. Examples are
derandomized, so a failure fails the same way on every machine and every run, and few per
operation, so this stays a small part of `make test` (SPRINTSYNC_CONTRACT_DEEP=1 looks
further).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.app import create_app
from sprintsync.config import Settings
from sprintsync.db import Base
from sprintsync.security.tokens import create_access_token
from tests.conftest import TEST_SECRET
from tests.factories import home_key, make_entry, make_task, make_user

pytestmark = pytest.mark.postgres_only
T = TypeVar("T")


def _published_schema() -> dict[str, Any]:
    """The schema as /openapi.json serves it (it does not depend on the database)."""
    settings = Settings(
        _env_file=None,
        env="test",
        database_url="sqlite+aiosqlite:///:memory:",
        secret_key=TEST_SECRET,
        log_level="WARNING",
    )
    return create_app(settings).openapi()


# Loaded at import rather than from a fixture: schemathesis's lazy fixture loader renames the
# test item through an attribute pytest 9 no longer has.
schema = schemathesis.openapi.from_dict(_published_schema())
# SPRINTSYNC_CONTRACT_DEEP=1 adds the coverage phase (every boundary and invalid value of
# every parameter: about 2,000 cases, ~10 minutes here) and more fuzzing. Without it: the
# schema's examples and 3 generated cases per operation, each sent as anonymous, member and
# admin, and again aimed at existing rows: about 770 requests, the same on every run.
DEEP = os.environ.get("SPRINTSYNC_CONTRACT_DEEP", "") not in ("", "0")
schema.config.phases.update(
    phases=["examples", "fuzzing", "stateful", *(["coverage"] if DEEP else [])]
)

CONTRACT_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# In sequences of linked calls also: a created row can be read at once, a deleted one is gone.
STATEFUL_CHECKS = [*CONTRACT_CHECKS, use_after_free, ensure_resource_availability]


@pytest.fixture(scope="module")
def contract_app(base_settings: Settings) -> FastAPI:
    """One app for the module with an engine of its own: schemathesis serves it on an event
    loop of its own, where the run's shared engine cannot go."""
    unlimited = "10000/minute"
    return create_app(
        base_settings.model_copy(
            update={
                "db_pool_size": 2,
                # Every generated request comes from one address: with the real limits most
                # log-ins and sign-ups would only ever meet the (documented) 429.
                "login_rate_limit": unlimited,
                "login_ip_rate_limit": unlimited,
                "signup_rate_limit": unlimited,
                "signup_global_rate_limit": unlimited,
            }
        )
    )


@dataclass(frozen=True)
class Actors:
    database_url: str
    member_id: int
    admin_id: int
    # Path parameters naming rows that exist (the member's task, project, entry, the member).
    existing: dict[str, str | int]

    def headers(self) -> dict[str, dict[str, str]]:
        """Each role's Authorization header at the users' current token version, so an example
        that logs out everywhere or changes a password leaves the next one a working token."""
        versions = _read_token_versions(self.database_url, [self.member_id, self.admin_id])
        roles = {"member": self.member_id, "admin": self.admin_id}
        return {"anonymous": {}} | {
            # A user deleted by an earlier example gets a token for nobody (a 401).
            role: {"Authorization": f"Bearer {_token(user_id, versions.get(user_id, 0))}"}
            for role, user_id in roles.items()
        }


def _token(user_id: int, version: int) -> str:
    return create_access_token(
        user_id=user_id, version=version, secret=TEST_SECRET, expires_minutes=60
    )


def _on_database(database_url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `work` on a connection of its own, on a loop of its own: the tests here are
    synchronous and the run's loop is not running while they are."""
    url = make_url(database_url)

    async def connected() -> T:
        conn = await asyncpg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        try:
            return await work(conn)
        finally:
            await conn.close()

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(connected())
    finally:
        loop.close()


def _read_token_versions(database_url: str, ids: list[int]) -> dict[int, int]:
    async def read(conn: asyncpg.Connection) -> dict[int, int]:
        rows = await conn.fetch("SELECT id, token_version FROM users WHERE id = ANY($1)", ids)
        return {row["id"]: row["token_version"] for row in rows}

    return _on_database(database_url, read)


Snapshot = list[tuple[str, list[asyncpg.Record]]]


def _snapshot(database_url: str) -> Snapshot:
    """Every row of every table, parents first."""

    async def read(conn: asyncpg.Connection) -> Snapshot:
        return [
            (table.name, await conn.fetch(f"SELECT * FROM {table.name}"))
            for table in Base.metadata.sorted_tables
        ]

    return _on_database(database_url, read)


def _restore(database_url: str, snapshot: Snapshot) -> None:
    """Put the database back as `snapshot` found it: what a scenario created, changed or
    deleted (the member's task, an admin's password reset) is undone."""

    async def write(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            await conn.execute(f"TRUNCATE {', '.join(name for name, _ in snapshot)}")
            for name, rows in snapshot:
                if rows:
                    await conn.copy_records_to_table(
                        name, records=[tuple(r) for r in rows], columns=list(rows[0].keys())
                    )

    _on_database(database_url, write)


@pytest.fixture
async def actors(session: AsyncSession, database_url: str) -> Actors:
    """A member with a task in their project and time logged on it, and an admin."""
    admin = await make_user(session, is_admin=True)
    member = await make_user(session)
    task = await make_task(session, owner=member)
    entry = await make_entry(session, task, member)
    existing: dict[str, str | int] = {
        "task_ref": task.key,
        "task_id": task.id,
        "project_ref": home_key(member),
        "user_id": member.id,
        "entry_id": entry.id,
    }
    return Actors(database_url, member.id, admin.id, existing)


@schema.parametrize()
@settings(
    max_examples=25 if DEEP else 3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(
    case: Any, contract_app: FastAPI, actors: Actors
) -> None:
    # Generated ids name rows that exist only by chance, so each example is also sent aimed at
    # existing ones: the bodies of successful answers are checked too, not only 404s.
    aimed = {k: actors.existing[k] for k in case.path_parameters or {} if k in actors.existing}
    variants = [case.path_parameters, {**case.path_parameters, **aimed}] if aimed else [None]
    for path_parameters in variants:
        if path_parameters is not None:
            case.path_parameters = path_parameters
        # The admin goes last: what it changes (users, projects) cannot spoil the others' calls.
        for headers in actors.headers().values():
            case.call_and_validate(app=contract_app, headers=headers, checks=CONTRACT_CHECKS)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_linked_operations_answer_as_documented(
    role: str, contract_app: FastAPI, actors: Actors
) -> None:
    """Schemathesis's state machine follows the schema's links (sprintsync/openapi.py `LINKS`):
    it creates a task, project, entry, comment or user and goes on with what the answer names
    (edit it, time it, comment on it, delete it), checking every answer as above."""
    snapshot = _snapshot(actors.database_url)

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Every scenario starts from the same rows, so Hypothesis can replay one exactly
            # (a user created twice would meet a 409 the second time and end the chain).
            _restore(actors.database_url, snapshot)
            for user_id in (actors.member_id, actors.admin_id):
                contract_app.state.user_cache.evict(user_id)
            self.headers = actors.headers()[role]

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"app": contract_app, "headers": self.headers}

        def validate_response(
            self,
            response: Response,
            case: Case,
            additional_checks: list[Any] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs)

    Machine.run(
        settings=settings(
            max_examples=200 if DEEP else 25,
            stateful_step_count=8,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
