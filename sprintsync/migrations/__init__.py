"""Alembic migrations, driven from code so an installed package can migrate itself."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=True)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration; read from the files once (readiness probes ask often)."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def is_at_head(connection: Connection) -> bool:
    """True when the connected database carries the newest migration."""
    context = MigrationContext.configure(connection)
    return context.get_current_revision() == head_revision()
