"""The `sprintsync` command: serve the app, migrate the database, seed demo data, add users."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import tempfile
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from alembic.runtime.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sprintsync import migrations
from sprintsync.ai.cli import check_provider
from sprintsync.config import DEV_SECRET_KEY, Settings
from sprintsync.db import make_engine, make_sessionmaker, session_scope
from sprintsync.errors import AppError
from sprintsync.seed import DEMO_PASSWORD, DemoUser, SeedResult, demo_users_present, seed_demo
from sprintsync.users import service as user_service
from sprintsync.users.models import User
from sprintsync.users.schemas import PasswordReset, UserCreate
from sprintsync.web.messages import sentence

app = typer.Typer(
    help="SprintSync: tasks, time tracking and honest AI planning help.",
    no_args_is_help=True,
    add_completion=False,
    # Locals can hold the secret key or passwords; never print them in a traceback.
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
ai_app = typer.Typer(help="AI assist.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(ai_app, name="ai")

PACKAGE_DIR = Path(__file__).resolve().parent
WORKER_HEALTHCHECK_SECONDS = 60
T = TypeVar("T")


def load_settings() -> Settings:
    """Settings read afresh from the environment; a refused configuration stops the command."""
    try:
        return Settings()
    except ValidationError as exc:
        messages = "; ".join(_describe_setting_error(err) for err in exc.errors())
        typer.secho(f"Invalid configuration: {messages}", err=True, fg="red")
        raise typer.Exit(2) from exc


def _describe_setting_error(err: Any) -> str:
    """`SPRINTSYNC_DB_POOL_SIZE: Input should be a valid integer` (the variable, then why)."""
    loc = [str(part) for part in err.get("loc", ())]
    if not loc:  # a rule across several settings names them in its message
        return str(err["msg"])
    variable = Settings.model_config.get("env_prefix", "") + "__".join(loc).upper()
    return f"{variable}: {err['msg']}"


def ensure_sqlite_dir(database_url: str) -> None:
    """SQLite creates the file but not its folder (e.g. `var/` in a fresh clone)."""
    url = make_url(database_url)
    path = url.database or ""
    if url.get_backend_name() == "sqlite" and path not in ("", ":memory:"):
        Path(path.removeprefix("file:")).expanduser().parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def database_errors() -> Iterator[None]:
    """An unreachable or broken database ends the command with one readable line."""
    try:
        yield
    except (DBAPIError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        typer.secho(f"Database error: {reason}", err=True, fg="red")
        raise typer.Exit(1) from exc


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    with database_errors():
        return asyncio.run(coro)


async def _current_revision(settings: Settings) -> str | None:
    engine = make_engine(settings)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )
    finally:
        await engine.dispose()


def _describe_revision(settings: Settings) -> tuple[str | None, str]:
    current = run_async(_current_revision(settings))
    head = migrations.head_revision()
    if current is None:
        return None, "empty database (no migrations applied; run `sprintsync db upgrade`)"
    if current == head:
        return current, f"{current} (head)"
    return current, f"{current} (head is {head}; run `sprintsync db upgrade`)"


def _require_migrated(settings: Settings) -> None:
    ensure_sqlite_dir(settings.database_url)
    current, description = _describe_revision(settings)
    if current != migrations.head_revision():
        typer.secho(f"The database is not up to date: {description}", err=True, fg="red")
        raise typer.Exit(1)


# --- serve -------------------------------------------------------------------------------

MAX_HEADER_BYTES = 64 * 1024
# How long an idle keep-alive connection stays open. It must outlast any client's or proxy's
# own idle time (nginx's upstream keepalive_timeout in deploy/nginx.conf is 60 s; load
# balancers' are often 60 s), so that it is always the client that closes an idle
# connection. A server that closes it instead can do so just as the client sends its next
# request on it, and that request is lost ("Server disconnected without sending a
# response"; a 502 behind a proxy, which retries no POST). At 5 s, a loaded machine's client
# (`make soak`: load average 11-25 on 2 cores) could take that long between a response and
# its next request on the same connection.
KEEP_ALIVE_SECONDS = 75


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_public_development_secret(settings: Settings, host: str) -> None:
    """Stop before serving beyond this machine with the public development secret key:
    anyone could forge a session token with it."""
    if settings.secret_key.get_secret_value() == DEV_SECRET_KEY and not _is_loopback(host):
        typer.secho(
            f"Refusing to serve on {host} with the development secret key, which is public: "
            "anyone could forge log-in tokens. Set SPRINTSYNC_SECRET_KEY to a random value "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), or serve "
            "on 127.0.0.1.",
            err=True,
            fg="red",
        )
        raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            min=1, max=65535, envvar="PORT", help="TCP port (hosting platforms set PORT)."
        ),
    ] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default: SPRINTSYNC_WEB_WORKERS)."),
    ] = None,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = (
        False
    ),
) -> None:
    """Serve the web UI and the JSON API with uvicorn.

    Before it listens, the database must be reachable and migrated (or is migrated now, with
    SPRINTSYNC_MIGRATE_ON_START=true); otherwise it stops at once with one line saying why.
    """
    import uvicorn

    settings = load_settings()
    refuse_public_development_secret(settings, host)
    workers = workers or settings.web_workers
    _prepare_database(settings)
    metrics_dir = None
    if workers > 1 and not reload and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker writes its metrics to files here, and /metrics adds them all up. It
        # must be set before the workers start, and be empty: old files would count again.
        metrics_dir = tempfile.mkdtemp(prefix="sprintsync-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    typer.echo(
        f"SprintSync on http://{host}:{port} with {workers} worker(s)  "
        f"(API docs: http://{host}:{port}/docs)"
    )
    try:
        # loop="auto" and http="auto" pick uvloop and httptools when they are installed.
        uvicorn.run(
            "sprintsync.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            reload_dirs=[str(PACKAGE_DIR)] if reload else None,
            loop="auto",
            http="auto",
            # The app logs one line per request itself.
            access_log=False,
            log_level=settings.log_level.lower(),
            server_header=False,
            # The app trusts forwarded headers only from SPRINTSYNC_FORWARDED_ALLOW_IPS;
            # uvicorn's own default would trust 127.0.0.1 without being asked.
            proxy_headers=False,
            # On SIGTERM: stop accepting, let requests in flight finish within the grace
            # period, then close what is left (uvicorn waits forever when this is None).
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            # The supervisor restarts a worker that does not answer its ping in time; a
            # worker still importing on a busy or CPU-limited host (a container with a
            # quarter of a core) needs far longer than uvicorn's default 5 s, or it is
            # killed and restarted for ever.
            # Bounds on what one connection may make the server hold. Production runs behind
            # a reverse proxy that enforces tighter ones; these keep a directly exposed
            # server from buffering a 200 MB header (h11) or idling forever.
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    finally:
        if metrics_dir is not None:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _prepare_database(settings: Settings) -> None:
    """Migrate now (when configured to) or refuse to serve a database behind the code."""
    ensure_sqlite_dir(settings.database_url)
    if settings.migrate_on_start:
        with database_errors():
            migrations.upgrade(settings.database_url, "head")
        typer.echo(f"Database revision: {_describe_revision(settings)[1]}")
        return
    _require_migrated(settings)


# --- db ----------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = load_settings()
    ensure_sqlite_dir(settings.database_url)
    with database_errors():
        migrations.upgrade(settings.database_url, revision)
    typer.echo(f"Database revision: {_describe_revision(settings)[1]}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision: an id, `-1` for one step, `base` for none.")
    ] = "-1",
) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    settings = load_settings()
    ensure_sqlite_dir(settings.database_url)
    with database_errors():
        migrations.downgrade(settings.database_url, revision)
    typer.echo(f"Database revision: {_describe_revision(settings)[1]}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    settings = load_settings()
    ensure_sqlite_dir(settings.database_url)
    typer.echo(f"Database revision: {_describe_revision(settings)[1]}")


# --- seed --------------------------------------------------------------------------------


@app.command()
def seed(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed a database that has no users yet.")
    ] = False,
) -> None:
    """Add demo users, tasks and time entries (idempotent), then print the demo logins."""
    settings = load_settings()
    _require_migrated(settings)
    result, present = run_async(_seed(settings, if_empty=if_empty))
    if result.skipped:
        typer.echo("The database already has users: no demo data added.")
    else:
        typer.echo(
            f"Demo data: {result.users_created} users, {result.tasks_created} tasks, "
            f"{result.entries_created} time entries and {result.comments_created} comments added "
            f"({result.projects_created} new projects)."
        )
    if present:
        typer.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in present:
            role = "admin" if user.is_admin else "engineer"
            typer.echo(f"  {user.email:<28} {role}")


async def _seed(settings: Settings, *, if_empty: bool) -> tuple[SeedResult, list[DemoUser]]:
    engine = make_engine(settings)
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            result = await seed_demo(
                session, password_hash_fast=settings.password_hash_fast, if_empty=if_empty
            )
            present = await demo_users_present(session)
        return result, present
    finally:
        await engine.dispose()


# --- users -------------------------------------------------------------------------------


def _say_invalid(exc: ValidationError) -> None:
    """Each refused value as the sentence the web forms show (the same catalogue)."""
    for err in exc.errors():
        typer.secho(sentence(err)[1], err=True, fg="red")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="Login email.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 8 characters; asked for (hidden) when not given.",
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Display name (default: from the email).")
    ] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = (
        False
    ),
) -> None:
    """Create an account."""
    settings = load_settings()
    _require_migrated(settings)
    try:
        data = UserCreate(
            email=email,
            display_name=name or email.split("@", 1)[0],
            password=password,
            is_admin=admin,
        )
    except ValidationError as exc:
        _say_invalid(exc)
        raise typer.Exit(2) from exc
    user_id = run_async(_create_user(settings, data))
    role = "administrator" if admin else "user"
    typer.echo(f"Created {role} {data.email} (id {user_id}).")


async def _create_user(settings: Settings, data: UserCreate) -> int:
    engine = make_engine(settings)
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            user = await user_service.create_user(
                session,
                email=data.email,
                display_name=data.display_name,
                password=data.password,
                is_admin=data.is_admin,
                password_hash_fast=settings.password_hash_fast,
                time_zone=data.time_zone or settings.default_time_zone,
            )
            return user.id
    except AppError as exc:
        typer.secho(exc.message, err=True, fg="red")
        raise typer.Exit(1) from exc
    finally:
        await engine.dispose()


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    password: Annotated[
        str,
        typer.Option(
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            help="At least 8 characters; asked for (hidden) when not given.",
        ),
    ],
    temporary: Annotated[
        bool,
        typer.Option(
            "--temporary", help="Make the user choose a new password at their next log-in."
        ),
    ] = False,
) -> None:
    """Set an account's password (ends its sessions); for a locked-out admin too."""
    settings = load_settings()
    _require_migrated(settings)
    try:
        body = PasswordReset(password=password)
    except ValidationError as exc:
        _say_invalid(exc)
        raise typer.Exit(2) from exc
    found = run_async(_set_password(settings, email, body.password, temporary=temporary))
    if not found:
        typer.secho(f"No account with the email {email}.", err=True, fg="red")
        raise typer.Exit(1)
    note = " They must choose a new one at their next log-in." if temporary else ""
    typer.echo(f"Password set for {email.strip().lower()}; their sessions have ended.{note}")


async def _set_password(settings: Settings, email: str, password: str, *, temporary: bool) -> bool:
    engine = make_engine(settings)
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            user = await user_service.get_by_email(session, email)
            if user is None:
                return False
            await user_service.set_password(
                session,
                user,
                password,
                temporary=temporary,
                password_hash_fast=settings.password_hash_fast,
            )
            return True
    finally:
        await engine.dispose()


@users_app.command("list")
def users_list(
    search: Annotated[
        str | None, typer.Option("--search", "-q", help="Only emails or names containing this.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 100,
) -> None:
    """List accounts: id, email, name, role and state."""
    settings = load_settings()
    _require_migrated(settings)
    people, total = run_async(_list_users(settings, search, limit))
    if not people:
        typer.echo("No accounts." if not search else f"No account matches {search!r}.")
        return
    typer.echo(f"{'ID':>5}  {'EMAIL':<32} {'NAME':<24} {'ROLE':<6} STATE")
    for person in people:
        role = "admin" if person.is_admin else "user"
        state = "active" if person.is_active else "deactivated"
        if person.must_change_password:
            state += ", must change password"
        typer.echo(
            f"{person.id:>5}  {person.email:<32} {person.display_name[:24]:<24} {role:<6} {state}"
        )
    if total > len(people):
        typer.echo(f"... and {total - len(people)} more (use --limit or --search).")


async def _list_users(settings: Settings, search: str | None, limit: int) -> tuple[list[User], int]:
    engine = make_engine(settings)
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            return await user_service.list_users(session, q=search, limit=limit, offset=0)
    finally:
        await engine.dispose()


# --- ai ----------------------------------------------------------------------------------


@ai_app.command("check")
def ai_check() -> None:
    """Say which provider is configured and make one round trip to it; exit 1 if it fails."""
    check_provider(load_settings())
