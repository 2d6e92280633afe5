"""Unit tests of `timesheet.service`: totals equal the sum of entries; one running timer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from sprintsync.db import make_sessionmaker, utcnow
from sprintsync.errors import Conflict, Invalid, NotFound
from sprintsync.tasks.models import Task
from sprintsync.timesheet import service
from sprintsync.timesheet.models import TimeEntry
from sprintsync.timesheet.schemas import EntryUpdate, ManualEntryCreate
from tests.factories import make_entry, make_running_timer, make_task, make_user, today


async def _stored_total(session, task_id: int) -> int:
    await session.commit()
    return await session.scalar(select(Task.total_minutes).where(Task.id == task_id))


async def _sum_of_entries(session, task_id: int) -> int:
    await session.commit()
    stmt = select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(TimeEntry.task_id == task_id)
    return await session.scalar(stmt)


async def _running_count(session, user_id: int) -> int:
    await session.commit()
    stmt = select(func.count()).where(TimeEntry.user_id == user_id, TimeEntry.ended_at.is_(None))
    return await session.scalar(stmt)


async def test_total_equals_the_sum_of_entries_through_adds_edits_and_deletes(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entries = []
    for minutes in (30, 45, 5):
        entries.append(
            await service.add_manual_entry(
                session, user=user, ref=task.id, data=ManualEntryCreate(minutes=minutes)
            )
        )
        assert await _stored_total(session, task.id) == await _sum_of_entries(session, task.id)
    assert await _stored_total(session, task.id) == 80
    await service.update_entry(
        session, user=user, entry_id=entries[0].id, changes=EntryUpdate(minutes=60)
    )
    assert await _stored_total(session, task.id) == 110
    await service.delete_entry(session, user=user, entry_id=entries[1].id)
    assert await _stored_total(session, task.id) == 65 == await _sum_of_entries(session, task.id)


async def test_entries_on_one_task_do_not_touch_another_tasks_total(session) -> None:
    user = await make_user(session)
    one, two = await make_task(session, user), await make_task(session, user)
    await service.add_manual_entry(
        session, user=user, ref=one.id, data=ManualEntryCreate(minutes=20)
    )
    assert await _stored_total(session, one.id) == 20
    assert await _stored_total(session, two.id) == 0


async def test_a_manual_entry_lands_on_the_given_day(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    day = today() - timedelta(days=3)
    entry = await service.add_manual_entry(
        session, user=user, ref=task.id, data=ManualEntryCreate(minutes=90, date=day, note="n")
    )
    assert entry.started_at.date() == day
    assert entry.ended_at - entry.started_at == timedelta(minutes=90)
    assert (entry.source, entry.note) == ("manual", "n")


async def test_time_cannot_be_logged_for_a_future_day(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    with pytest.raises(Invalid) as caught:
        await service.add_manual_entry(
            session,
            user=user,
            ref=task.id,
            data=ManualEntryCreate(minutes=5, date=today() + timedelta(days=2)),
        )
    assert caught.value.code == "future_date"


async def test_starting_a_timer_creates_one_running_entry(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await service.start_timer(session, user=user, ref=task.id)
    await session.commit()
    assert entry.ended_at is None
    assert entry.source == "timer"
    assert (await service.running_timer(session, user=user)).id == entry.id


async def test_starting_a_timer_on_the_running_task_keeps_the_same_timer(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    first = await service.start_timer(session, user=user, ref=task.id)
    await session.commit()
    again = await service.start_timer(session, user=user, ref=task.id)
    assert again.id == first.id
    assert await _running_count(session, user.id) == 1


async def test_starting_a_second_timer_stops_the_first_and_books_its_minutes(session) -> None:
    user = await make_user(session)
    first_task, second_task = await make_task(session, user), await make_task(session, user)
    running = await make_running_timer(session, first_task, user, minutes_ago=42)
    new = await service.start_timer(session, user=user, ref=second_task.id)
    await session.commit()
    stopped = await session.get(TimeEntry, running.id)
    await session.refresh(stopped)
    assert stopped.ended_at is not None
    assert stopped.minutes == 42
    assert await _stored_total(session, first_task.id) == 42
    assert await _running_count(session, user.id) == 1
    assert (await service.running_timer(session, user=user)).id == new.id
    assert new.task_id == second_task.id


async def test_stopping_books_elapsed_minutes_onto_the_task(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user, minutes_ago=75)
    stopped = await service.stop_timer(session, user=user)
    assert stopped.minutes == 75
    assert await _stored_total(session, task.id) == 75
    assert await _running_count(session, user.id) == 0


async def test_a_running_timer_does_not_count_towards_the_total(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await service.add_manual_entry(
        session, user=user, ref=task.id, data=ManualEntryCreate(minutes=10)
    )
    await service.start_timer(session, user=user, ref=task.id)
    assert await _stored_total(session, task.id) == 10


async def test_stopping_without_a_running_timer_is_a_conflict(session) -> None:
    user = await make_user(session)
    with pytest.raises(Conflict) as caught:
        await service.stop_timer(session, user=user)
    assert caught.value.code == "no_running_timer"


async def test_a_running_timers_time_cannot_be_edited(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await service.start_timer(session, user=user, ref=task.id)
    await session.commit()
    with pytest.raises(Conflict) as caught:
        await service.update_entry(
            session, user=user, entry_id=entry.id, changes=EntryUpdate(minutes=5)
        )
    assert caught.value.code == "timer_running"


async def test_timers_are_per_user(session) -> None:
    alice, bob = await make_user(session), await make_user(session)
    task = await make_task(session, alice, assignee_id=bob.id)
    await service.start_timer(session, user=alice, ref=task.id)
    await service.start_timer(session, user=bob, ref=task.id)
    assert await _running_count(session, alice.id) == 1
    assert await _running_count(session, bob.id) == 1


async def test_nobody_else_reaches_a_users_entry_not_even_an_admin(session) -> None:
    owner, admin = await make_user(session), await make_user(session, is_admin=True)
    task = await make_task(session, owner)
    entry = await make_entry(session, task, owner)
    for actor in (admin, await make_user(session)):
        with pytest.raises(NotFound):
            await service.get_entry(session, user=actor, entry_id=entry.id)


async def test_the_database_refuses_a_second_running_timer_for_one_user(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user)
    user_id = user.id  # the rollback below expires the loaded objects
    session.add(
        TimeEntry(
            task_id=task.id,
            user_id=user_id,
            started_at=utcnow(),
            ended_at=None,
            minutes=0,
            note="",
            source="timer",
        )
    )
    with pytest.raises(IntegrityError):
        await session.commit()
    await session.rollback()
    assert await _running_count(session, user_id) == 1


async def test_the_database_allows_finished_entries_beside_a_running_timer(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_running_timer(session, task, user)
    await make_entry(session, task, user)
    await make_entry(session, task, user)
    assert await _running_count(session, user.id) == 1


async def test_entries_list_by_inclusive_date_range_newest_first(session) -> None:
    user, other = await make_user(session), await make_user(session)
    task = await make_task(session, user, assignee_id=user.id)
    base = today() - timedelta(days=10)
    ids = {}
    for offset in (0, 3, 5, 9):
        e = await service.add_manual_entry(
            session,
            user=user,
            ref=task.id,
            data=ManualEntryCreate(minutes=10 + offset, date=base + timedelta(days=offset)),
        )
        ids[offset] = e.id
    other_task = await make_task(session, other)
    await make_entry(session, other_task, other, started_at=utcnow() - timedelta(days=7))
    await session.commit()
    rows, total, next_offset = await service.list_entries(
        session, user=user, date_from=base + timedelta(days=3), date_to=base + timedelta(days=5)
    )
    assert [e.id for e in rows] == [ids[5], ids[3]]
    assert (total, next_offset) == (15 + 13, None)


async def test_a_timer_left_running_for_days_books_one_day_and_says_so(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await make_entry(
        session,
        task,
        user,
        started_at=utcnow() - timedelta(hours=60),
        ended_at=None,
        minutes=0,
        source="timer",
        note="deploy",
    )
    entry = await service.stop_timer(session, user=user)
    await session.commit()
    assert entry.minutes == 1440
    assert entry.note.startswith("deploy (Timer ran 60 h; booked 24 h")
    assert await _stored_total(session, task.id) == 1440


async def test_an_entry_whose_task_was_deleted_meanwhile_answers_task_not_found(
    session, engine
) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await make_entry(session, task, user)
    # This request has read the entry; another one deletes its task (and so the entry).
    assert await service.get_entry(session, user=user, entry_id=entry.id) is entry
    async with make_sessionmaker(engine)() as other:
        await other.execute(delete(Task).where(Task.id == task.id))
        await other.commit()
    with pytest.raises(NotFound) as caught:
        await service.update_entry(
            session, user=user, entry_id=entry.id, changes=EntryUpdate(note="late")
        )
    assert (caught.value.code, caught.value.message) == ("task_not_found", "Task not found.")


async def test_a_timer_stopped_meanwhile_is_not_stopped_twice(session, engine) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    entry = await make_running_timer(session, task, user, minutes_ago=30)
    # This request has read the running entry; another one stops it at 20 minutes.
    assert await service.get_entry(session, user=user, entry_id=entry.id) is entry
    async with make_sessionmaker(engine)() as other:
        await service.stop_entry_at(
            other, user=user, entry_id=entry.id, ended_at=entry.started_at + timedelta(minutes=20)
        )
        await other.commit()
    with pytest.raises(Conflict) as caught:
        await service.stop_entry_at(session, user=user, entry_id=entry.id)
    assert caught.value.code == "no_running_timer"
    entry_id, task_id = entry.id, task.id
    await session.rollback()
    assert (await session.get(TimeEntry, entry_id)).minutes == 20
    assert await _stored_total(session, task_id) == 20


async def test_a_task_this_session_holds_shows_its_new_total_at_once(session) -> None:
    user = await make_user(session)
    task = await make_task(session, user)
    await service.add_manual_entry(
        session, user=user, ref=task.id, data=ManualEntryCreate(minutes=25)
    )
    assert task.total_minutes == 25  # before any commit or refresh


async def test_a_stop_writes_its_note_and_the_task_in_this_session_shows_the_new_total(
    session,
) -> None:
    # On PostgreSQL the entry and the task's total are written by one statement: the note
    # (here with the 24-hour remark) must still be written, and the task this session
    # already holds must show the new total.
    user = await make_user(session)
    task = await make_task(session, user)
    await service.add_manual_entry(
        session, user=user, ref=task.id, data=ManualEntryCreate(minutes=10)
    )
    # Forgotten for 25 hours: booked 24 h, with a remark added to the note.
    await make_running_timer(session, task, user, minutes_ago=25 * 60 + 5, note="pairing")
    stopped = await service.stop_timer(session, user=user)
    assert task.total_minutes == 10 + 1440  # before any refresh
    stored = await session.execute(
        select(TimeEntry.note, TimeEntry.minutes).where(TimeEntry.id == stopped.id)
    )
    remark = "Timer ran 25 h; booked 24 h. Edit if that is wrong."
    assert tuple(stored.one()) == (f"pairing ({remark})", 1440)
    assert await _stored_total(session, task.id) == 1450
