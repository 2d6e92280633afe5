"""The log-in, sign-up and profile pages over real HTTP: redirects, CSRF, form errors."""

from __future__ import annotations

from sprintsync.web.csrf import ANON_COOKIE
from tests.factories import PASSWORD, make_user
from tests.pages import HTMX, csrf_from


async def test_anonymous_page_visit_redirects_to_log_in_with_next(client) -> None:
    r = await client.get("/tasks?status=todo")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/tasks%3Fstatus%3Dtodo"


async def test_htmx_request_without_session_is_sent_to_log_in(client) -> None:
    headers = {**HTMX, "HX-Current-URL": "http://test/tasks?q=x"}
    r = await client.get("/tasks/new", headers=headers)
    assert r.status_code == 401
    assert r.headers["hx-redirect"] == "/login?next=/tasks%3Fq%3Dx"


async def test_log_in_form_sets_the_session_and_returns_to_next(client, session) -> None:
    user = await make_user(session)
    page = await client.get("/login?next=/tasks")
    token = csrf_from(page.text)
    form = {"email": user.email, "password": PASSWORD, "next": "/tasks", "csrf_token": token}
    r = await client.post("/login", data=form)
    assert r.status_code == 303
    assert r.headers["location"] == "/tasks"
    assert "httponly" in r.headers["set-cookie"].lower()
    board = await client.get("/tasks")
    assert board.status_code == 200
    assert user.display_name in board.text


async def test_log_in_never_redirects_off_site(client, session) -> None:
    user = await make_user(session)
    token = csrf_from((await client.get("/login")).text)
    form = {"email": user.email, "password": PASSWORD, "next": "//evil.example/x"}
    r = await client.post("/login", data={**form, "csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/"


async def test_wrong_password_shows_the_form_again(client, session) -> None:
    user = await make_user(session)
    token = csrf_from((await client.get("/login")).text)
    r = await client.post(
        "/login", data={"email": user.email, "password": "nope-nope", "csrf_token": token}
    )
    assert r.status_code == 401
    assert "Incorrect email or password." in r.text
    assert f'value="{user.email}"' in r.text


async def test_log_in_without_the_form_token_is_refused(client, session) -> None:
    user = await make_user(session)
    await client.get("/login")  # sets the anonymous CSRF cookie
    assert ANON_COOKIE in client.cookies
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 403
    assert "form has expired" in r.text


async def test_sign_up_shows_field_errors(client) -> None:
    token = csrf_from((await client.get("/signup")).text)
    form = {"email": "not-an-email", "display_name": "", "password": "short"}
    r = await client.post("/signup", data={**form, "csrf_token": token})
    assert r.status_code == 422
    for field in ("email", "display_name", "password"):
        assert f'data-field-error="{field}"' in r.text


async def test_a_planted_anonymous_cookie_cannot_be_echoed_as_the_form_token(
    client, session
) -> None:
    """A sibling subdomain can set a cookie, but not sign it: the form token is an HMAC of
    the browser's cookie under the app's secret, never the cookie itself."""
    user = await make_user(session)
    token = csrf_from((await client.get("/login")).text)
    assert token != client.cookies[ANON_COOKIE]
    client.cookies.set(ANON_COOKIE, "planted-by-a-sibling-subdomain")
    form = {"email": user.email, "password": PASSWORD}
    for forged in ("planted-by-a-sibling-subdomain", token):
        r = await client.post("/login", data={**form, "csrf_token": forged})
        assert r.status_code == 403, forged
    token = csrf_from((await client.get("/login")).text)
    r = await client.post("/login", data={**form, "csrf_token": token})
    assert r.status_code == 303
