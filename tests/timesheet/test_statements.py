"""SQL statements for starting and stopping a timer from a page, held to fixed budgets.

Writes always load the signed-in user afresh, so that read is one of the statements.
Each change runs in a savepoint so that a deadlock can redo it (SAVEPOINT and RELEASE: two
statements), and locks its tasks in id order before touching an entry (issue 12).
"""

from __future__ import annotations

from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_task, make_user
from tests.statements import count_statements

HTMX = {"HX-Request": "true"}
# The user, the task with the running timer, the retry savepoint (2), the task's lock and
# the new entry.
START_BUDGET = 6
# The user, the retry savepoint (2), the running entry locked with its task, then the entry
# and the task's total: one statement on PostgreSQL (service `_write_finished_entry`), two
# on SQLite.
STOP_BUDGET = {"postgres": 5, "sqlite": 6}
# Switching also stops the other timer: both tasks locked in one statement, the running
# entry re-read under its lock, the entry with the total (as for a stop), and the new entry.
SWITCH_BUDGET = {"postgres": 8, "sqlite": 9}


async def _count(client, engine, monkeypatch, url: str, headers: dict) -> int:
    with count_statements(engine, monkeypatch) as statements:
        r = await client.post(url, headers={**headers, **HTMX})
    assert r.status_code == 200, r.text
    return len(statements)


async def test_timer_start_switch_and_stop_stay_within_their_budgets(
    client, session, settings, engine, monkeypatch, backend
) -> None:
    user = await make_user(session)
    first = await make_task(session, user, title="First")
    second = await make_task(session, user, title="Second")
    headers = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    start = await _count(client, engine, monkeypatch, f"/tasks/{first.id}/timer/start", headers)
    switch = await _count(client, engine, monkeypatch, f"/tasks/{second.id}/timer/start", headers)
    stop = await _count(client, engine, monkeypatch, "/timer/stop", headers)
    assert start <= START_BUDGET
    assert switch <= SWITCH_BUDGET[backend]
    assert stop <= STOP_BUDGET[backend]
