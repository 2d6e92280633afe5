"""The stand-up as Markdown, and the check that a rephrased version kept every link.

The offline text is deterministic: built line by line from the summary, each claim a
Markdown link to its task, comment or time entries. A network provider may only rephrase
it; `check_rephrase` accepts its text only if every link of the offline text is still
there, no link was added and no task key appears that the offline text does not have.
"""

from __future__ import annotations

import re
from datetime import date

from sprintsync.ai.estimator import fmt
from sprintsync.ai.standup.schemas import BlockerLine, StandupSummary
from sprintsync.web.markdown import KEY_PATTERN

# Markdown link targets, and bare web addresses.
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE = re.compile(r"https?://[^\s)\]>]+")
_KEY = re.compile(rf"(?<![\w/#-]){KEY_PATTERN}(?![\w-])")
_ESCAPE = re.compile(r"([\\`*_\[\]<>#|])")
_STATUS = {"todo": "To do", "in_progress": "In progress", "done": "Done"}


def escape(text: str) -> str:
    """User text as literal Markdown: no links, emphasis or headings of its own."""
    return _ESCAPE.sub(r"\\\1", " ".join(text.split()))


def _task(key: str, title: str, url: str) -> str:
    return f"[{key}]({url}) {escape(title)}"


def _day(day: date) -> str:
    return day.strftime("%a %Y-%m-%d")


def _who(name: str | None, summary: StandupSummary) -> str:
    return f"{escape(name)}: " if summary.scope == "project" and name else ""


def _yesterday(s: StandupSummary) -> list[str]:
    lines = [f"### Yesterday ({_day(s.yesterday)})"]
    for t in s.time:
        who = _who(t.person or "Team", s)
        task = _task(t.task_key, t.task_title, f"/tasks/{t.task_key}")
        lines.append(f"- {who}logged [{fmt(t.minutes)}]({t.url}) on {task}")
    for c in s.status_changes:
        before, after = _STATUS.get(c.from_status, c.from_status), _STATUS.get(c.to_status)
        lines.append(
            f"- {_who(c.person, s)}moved {_task(c.task_key, c.task_title, c.url)}"
            f" from {before} to {after or c.to_status}"
        )
    for m in s.comments:
        lines.append(
            f"- {_who(m.person, s)}[commented]({m.url}) on"
            f" {_task(m.task_key, m.task_title, f'/tasks/{m.task_key}')}: “{escape(m.excerpt)}”"
        )
    if len(lines) == 1:
        lines.append("- Nothing logged, moved or commented.")
    if s.figures_hidden and s.scope == "project":
        lines.append("- Other people's time is shown as team totals only.")
    elif s.figures_hidden:
        lines.append("- Time in projects you do not lead is not shown.")
    return lines


def _today(s: StandupSummary) -> list[str]:
    lines = ["### Today"]
    for p in s.plan:
        lines.append(
            f"- {_who(p.person, s)}{_task(p.task_key, p.task_title, p.url)}"
            f" ({fmt(p.minutes)}): {escape(p.reason)}"
        )
    if len(lines) == 1 and s.deferred:
        lines.append(
            f"- Nothing more fits today: its hours are already logged, and {s.deferred}"
            f" open {'task waits' if s.deferred == 1 else 'tasks wait'} for another day."
        )
    elif len(lines) == 1:
        lines.append("- Nothing open is assigned.")
    return lines


def _blocker(b: BlockerLine, s: StandupSummary) -> str:
    who = f" ({escape(b.person)})" if s.scope == "project" and b.person else ""
    return f"- {_task(b.task_key, b.task_title, b.url)}{who}: {escape(b.detail)}"


def render(s: StandupSummary) -> str:
    """The whole stand-up as Markdown."""
    heading = f"## Stand-up: {escape(s.subject)}, {_day(s.today)}"
    blockers = ["### Blockers", *(_blocker(b, s) for b in s.blockers)]
    if not s.blockers:
        blockers.append("- None: nothing overdue or stuck in progress.")
    parts = [heading, "\n".join(_yesterday(s)), "\n".join(_today(s)), "\n".join(blockers)]
    return "\n\n".join(parts) + "\n"


def required_links(s: StandupSummary) -> list[str]:
    """Every link the stand-up's claims rest on, in order of first appearance."""
    urls: list[str] = []
    for t in s.time:
        urls += [f"/tasks/{t.task_key}", t.url]
    urls += [c.url for c in s.status_changes]
    for m in s.comments:
        urls += [m.url, f"/tasks/{m.task_key}"]
    urls += [p.url for p in s.plan]
    urls += [b.url for b in s.blockers]
    return list(dict.fromkeys(urls))


def links_in(text: str) -> set[str]:
    """Link targets in Markdown text, and any bare web address."""
    return set(_LINK.findall(text)) | set(_BARE.findall(text))


def keys_in(text: str) -> set[str]:
    return set(_KEY.findall(text))


def check_rephrase(offline: str, required: list[str], rephrased: str) -> str | None:
    """None if `rephrased` may replace `offline`, else the reason code it may not."""
    found = set(_LINK.findall(rephrased))
    if any(url not in found for url in required):
        return "link_dropped"
    if not links_in(rephrased) <= links_in(offline):
        return "link_added"
    if not keys_in(rephrased) <= keys_in(offline):
        return "unknown_key"
    return None
