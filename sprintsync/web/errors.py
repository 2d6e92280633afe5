"""How errors look on pages: a friendly page, a toast for HTMX, or a trip to the log-in page.

`app._render` hands every non-API error here, with a way to find the signed-in user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sprintsync.web.deps import login_url, safe_next
from sprintsync.web.render import csrf_for, finish, is_htmx, render_text, toast

_TITLES = {
    403: "You can't open this page",
    404: "We couldn't find that page",
    429: "Slow down a little",
    500: "Something went wrong",
    503: "We'll be right back",
}


def _return_path(request: Request) -> str:
    """Where the person was: this page for a GET, the page they were on for anything else."""
    if is_htmx(request):
        current = request.headers.get("hx-current-url", "")
        parts = urlsplit(current)
        if parts.netloc and parts.netloc != request.url.netloc:
            return "/"
        return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    if request.method == "GET":
        return safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return "/"


# The signed-in user for an error page's header, looked up only when a whole page is shown.
UserLoader = Callable[[], Awaitable[object | None]]


async def render_error_page(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None,
    *,
    load_user: UserLoader | None = None,
) -> Response:
    if status == 401:
        url = login_url(_return_path(request), expired=code == "invalid_token")
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)
    if code == "password_change_required":
        back = _return_path(request)
        if back.startswith("/password"):  # already there: stay, never loop
            return Response(status_code=403, headers={"HX-Reswap": "none"})
        url = "/password" + (f"?next={quote(back, safe='/')}" if back != "/" else "")
        if is_htmx(request):
            return Response(status_code=403, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)
    extra = {k: v for k, v in (headers or {}).items() if k.lower() != "www-authenticate"}
    if is_htmx(request):
        # Nothing is swapped; the page stays as it was and a toast says why.
        return Response(
            status_code=status,
            headers={**extra, **toast(message, "error"), "HX-Reswap": "none"},
        )
    title = _TITLES.get(status, "That didn't work")
    # The page keeps the navigation and the user's menu, so nobody is stranded on it.
    user = await load_user() if load_user is not None else None
    context = {
        "request": request,
        "user": user,
        "csrf_token": csrf_for(request) if user is not None else "",
        "status": status,
        "title": title,
        "message": message,
    }
    response = HTMLResponse(render_text("error.html", context), status_code=status, headers=extra)
    finish(request, response)
    return response
