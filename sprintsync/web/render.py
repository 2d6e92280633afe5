"""Rendering HTML: whole pages, or one named block of the same template for HTMX requests.

Pages are complete documents; an HTMX request that targets part of a page gets that part's
named block (jinja2-fragments), never a separate copy of the markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments import render_block
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup

from sprintsync.timeutil import HasTimeZone, today_for
from sprintsync.web import csrf
from sprintsync.web.assets import static_url
from sprintsync.web.dates import local_time
from sprintsync.web.markdown import plain_text

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"

# htmx settings, read from a meta tag: no inline <style> (CSP), no eval, no history snapshots
# in localStorage (they would hold CSRF tokens), and 422 responses swap in to show field errors.
HTMX_CONFIG: dict[str, Any] = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "historyRestoreAsHxRequest": False,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}

MACROS = (
    "icon",
    "input",
    "field_error",
    "form_error",
    "priority_badge",
    "status_badge",
    "avatar",
    "progress",
)

templates = Jinja2Blocks(directory=TEMPLATES_DIR)  # autoescape is on for every template
env = templates.env


def duration(minutes: int | None) -> str:
    """90 -> '1h 30m'; 45 -> '45m'; 0 -> '0m'."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h {rest}m"
    return f"{hours}h" if hours else f"{rest}m"


@pass_context
def due_label(context: Context, day: date | None) -> str:
    """'Due today', 'Overdue 2d'... counted from the viewer's own today (see `render`)."""
    if day is None:
        return ""
    today: date = context.get("today") or today_for(None)
    delta = (day - today).days
    if delta == 0:
        return "Due today"
    if delta == 1:
        return "Due tomorrow"
    if delta < 0:
        return f"Overdue {-delta}d"
    fmt = "%b %-d" if day.year == today.year else "%b %-d, %Y"
    return f"Due {day.strftime(fmt)}"


@pass_context
def is_overdue(context: Context, day: date | None) -> bool:
    today: date = context.get("today") or today_for(None)
    return day is not None and day < today


def initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    letters = "".join(p[0] for p in parts[:2]) if parts else "?"
    return letters.upper()


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden field that carries the CSRF token in forms posted without JavaScript."""
    # Markup.format escapes its arguments.
    field = Markup('<input type="hidden" name="{}" value="{}">')
    return field.format(csrf.FORM_FIELD, context.get("csrf_token", ""))


env.globals.update(
    static_url=static_url,
    csrf_field=csrf_field,
    HTMX_CONFIG=HTMX_CONFIG,
)
env.filters.update(duration=duration, due_label=due_label, initials=initials)
env.tests["overdue"] = is_overdue
env.filters["preview"] = plain_text  # list previews: Markdown as one line of plain text
env.filters["local_time"] = local_time


def _install_macros() -> None:
    # The macros are globals too, so a block rendered on its own (no top-level imports) sees
    # them. A macro module keeps the globals it was built with: rebuild it when they change.
    macros = env.get_template("macros.html").make_module()
    env.globals.update({name: getattr(macros, name) for name in MACROS})


_install_macros()


def is_htmx(request: Request) -> bool:
    """An HTMX request that wants a fragment (history restores want the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def hx_target(request: Request) -> str | None:
    return request.headers.get("hx-target") if is_htmx(request) else None


def csrf_for(request: Request) -> str:
    """The token forms and HTMX requests echo back: per session, or pre-login for anonymous."""
    token = getattr(request.state, "token", None)
    if token:
        secret = request.app.state.settings.secret_key.get_secret_value()
        return csrf.csrf_token_for(token, secret=secret)
    return csrf.anonymous_token(request)


def hx_trigger(events: dict[str, Any]) -> str:
    # ASCII-only JSON: header values are latin-1, titles in messages may not be.
    return json.dumps(events, ensure_ascii=True)


def toast(message: str, level: str = "success", *, events: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers that make the page show a toast and fire the named events (refreshes etc.)."""
    fired: dict[str, Any] = {"toast": {"message": message, "level": level}}
    fired.update(dict.fromkeys(events, True))
    return {"HX-Trigger": hx_trigger(fired)}


def render_text(name: str, context: dict[str, Any], block: str | None = None) -> str:
    if block is None:
        return env.get_template(name).render(context)
    return render_block(env, name, block, context)


async def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    user: object | None = None,
    layout: Mapping[str, Any] | None = None,
    block: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page, or one block of it. Runs no query: whole pages pass `layout`, the
    variables the base layout shows (see `web.layout.load_layout`)."""
    ctx: dict[str, Any] = {
        "request": request,
        "user": user,
        "csrf_token": csrf_for(request),
        # Due labels and "today" are the viewer's own calendar day, not the server's.
        "today": today_for(user if isinstance(user, HasTimeZone) else None),
    }
    ctx.update(layout or {})
    ctx.update(context or {})
    response = HTMLResponse(render_text(name, ctx, block), status_code=status, headers=headers)
    finish(request, response)
    return response


def finish(request: Request, response: HTMLResponse) -> None:
    """Headers every HTML response needs: fragments and pages differ, and hold private data."""
    response.headers["Vary"] = "HX-Request, HX-Target"
    response.headers["Cache-Control"] = "no-store"
    csrf.remember_anonymous_token(request, response)


def add_template_globals(**values: Any) -> None:
    """Names every template may use, supplied by the domains at assembly time."""
    env.globals.update(values)
    _install_macros()
