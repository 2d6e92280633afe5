"""The README documents every setting, every command and the demo logins, up front."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
import typer
from pydantic import BaseModel

from sprintsync.cli import app as cli_app
from sprintsync.config import REPO_ROOT, Settings
from sprintsync.seed import DEMO_PASSWORD, DEMO_USERS

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
PREFIX = Settings.model_config["env_prefix"]
DELIMITER = Settings.model_config["env_nested_delimiter"]


def env_names(model: type[BaseModel], prefix: str) -> Iterator[str]:
    """`SPRINTSYNC_X` for each field, `SPRINTSYNC_GROUP__X` for fields of nested groups."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from env_names(annotation, f"{prefix}{name.upper()}{DELIMITER}")
        else:
            yield f"{prefix}{name.upper()}"


def cli_commands(group: click.Group, path: str = "sprintsync") -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from cli_commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}"


SETTINGS = sorted(env_names(Settings, PREFIX))
COMMANDS = sorted(cli_commands(typer.main.get_command(cli_app)))


def test_nested_settings_are_seen() -> None:
    assert "SPRINTSYNC_AI__PROVIDER" in SETTINGS
    assert "SPRINTSYNC_SECRET_KEY" in SETTINGS


@pytest.mark.parametrize("variable", SETTINGS)
def test_every_setting_is_documented(variable: str) -> None:
    assert f"`{variable}`" in README, f"document {variable} in README.md"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_cli_command_is_documented(command: str) -> None:
    assert command in README, f"document `{command}` in README.md"


def test_the_two_commands_come_first() -> None:
    first_section = README.index("\n## ", README.index("## Two commands") + 1)
    head = README[:first_section]
    assert "make run" in head
    assert "make test" in head


def test_the_demo_logins_are_documented() -> None:
    assert DEMO_PASSWORD in README
    for user in DEMO_USERS:
        assert user.email in README


@pytest.mark.parametrize(
    "section", ["## AI providers", "## Web UI", "## Deploy", "## For contributors"]
)
def test_sections_exist(section: str) -> None:
    assert f"\n{section}\n" in README


def test_the_readme_opens_with_the_screenshots_the_browser_tests_take() -> None:
    from tests.web.test_readme_screenshots import README_SHOTS, SHOTS

    opening = README[: README.index("## Two commands")]
    shown = re.findall(r"\]\(docs/screenshots/([a-z0-9-]+)\.png\)\]", opening)
    assert shown == [shot.name for shot in SHOTS]
    for name in shown:
        assert (README_SHOTS / f"{name}.png").is_file(), f"run `make screenshots` for {name}"


@pytest.mark.parametrize("platform", ["### Railway", "### Render", "### Kubernetes"])
def test_the_deploy_section_covers_each_platform_and_backups(platform: str) -> None:
    deploy = README[README.index("\n## Deploy\n") : README.index("\n## For contributors\n")]
    assert f"\n{platform}\n" in deploy
    assert "pg_dump" in deploy
    assert "pg_restore" in deploy
