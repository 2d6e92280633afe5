"""Timestamps in templates follow the viewer's time zone, across the date line and DST."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sprintsync.web.render import env


@dataclass
class Viewer:
    time_zone: str


def _shown(moment: datetime, user: object) -> str:
    return env.from_string("{{ at|local_time }}").render(at=moment, user=user)


def test_a_viewer_sees_their_own_day_and_zone() -> None:
    # 03:55 UTC on Nov 30 is still the evening of Nov 29 in Los Angeles.
    moment = datetime(2026, 11, 30, 3, 55, tzinfo=UTC)
    assert _shown(moment, Viewer("America/Los_Angeles")) == "Nov 29, 19:55 PST"
    assert _shown(moment, Viewer("Asia/Kolkata")) == "Nov 30, 09:25 IST"


def test_daylight_saving_time_changes_the_offset() -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert _shown(summer, Viewer("Europe/Berlin")) == "Jul 1, 14:00 CEST"
    assert _shown(winter, Viewer("Europe/Berlin")) == "Dec 1, 13:00 CET"


def test_no_zone_or_an_unknown_one_shows_utc() -> None:
    moment = datetime(2026, 11, 30, 3, 55, tzinfo=UTC)
    assert _shown(moment, None) == "Nov 30, 03:55 UTC"
    assert _shown(moment, Viewer("Mars/Olympus_Mons")) == "Nov 30, 03:55 UTC"
