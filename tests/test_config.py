"""Settings: the production secret-key rule, cookie security, and where values come from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from sprintsync.app import create_app
from sprintsync.config import DEV_SECRET_KEY, REPO_ROOT, Settings, get_settings

LONG_KEY = "k" * 32


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


@pytest.fixture(autouse=True)
def _no_sprintsync_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets counts, whatever the shell running the tests exports."""
    for name in list(os.environ):
        if name.startswith("SPRINTSYNC_") and name not in (
            "SPRINTSYNC_TEST_DATABASE_URL",
            "SPRINTSYNC_REQUIRE_POSTGRES",
        ):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "", "too-short", "k" * 31])
def test_production_refuses_the_development_key_and_short_keys(key: str) -> None:
    with pytest.raises(ValidationError, match="SPRINTSYNC_SECRET_KEY"):
        settings(env="production", secret_key=key)


def test_production_refuses_the_default_key_when_none_is_set() -> None:
    with pytest.raises(ValidationError, match="SPRINTSYNC_SECRET_KEY"):
        settings(env="production")


def test_production_accepts_a_long_random_key() -> None:
    s = settings(env="production", secret_key=LONG_KEY)
    assert s.secret_key.get_secret_value() == LONG_KEY


def test_development_runs_with_the_development_key() -> None:
    s = settings()
    assert s.env == "development"
    assert s.secret_key.get_secret_value() == DEV_SECRET_KEY


def test_production_start_up_fails_loudly_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SPRINTSYNC_ENV", "production")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="SPRINTSYNC_SECRET_KEY"):
            create_app()
    finally:
        get_settings.cache_clear()


def test_secret_key_is_not_shown_in_repr() -> None:
    s = settings(env="production", secret_key=LONG_KEY)
    assert LONG_KEY not in repr(s)
    assert LONG_KEY not in str(s.model_dump())


@pytest.mark.parametrize(
    ("env", "secure"), [("development", False), ("test", True), ("production", True)]
)
def test_cookies_are_secure_outside_development(env: str, secure: bool) -> None:
    assert settings(env=env, secret_key=LONG_KEY).secure_cookies is secure


@pytest.mark.parametrize(("env", "override"), [("development", True), ("production", False)])
def test_cookie_secure_setting_overrides_the_default(env: str, override: bool) -> None:
    s = settings(env=env, secret_key=LONG_KEY, cookie_secure=override)
    assert s.secure_cookies is override


def test_values_come_from_prefixed_and_nested_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPRINTSYNC_DB_POOL_SIZE", "7")
    monkeypatch.setenv("SPRINTSYNC_AI__PROVIDER", "gemini")
    monkeypatch.setenv("SPRINTSYNC_AI__TIMEOUT_SECONDS", "2.5")
    s = settings()
    assert s.db_pool_size == 7
    assert s.ai.provider == "gemini"
    assert s.ai.timeout_seconds == 2.5


def test_values_come_from_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("SPRINTSYNC_LOG_LEVEL=DEBUG\nSPRINTSYNC_AI__MODEL=tiny\n")
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.log_level == "DEBUG"
    assert s.ai.model == "tiny"


def test_environment_wins_over_the_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("SPRINTSYNC_LOG_LEVEL=DEBUG\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPRINTSYNC_LOG_LEVEL", "ERROR")
    assert Settings().log_level == "ERROR"


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPRINTSYNC_AI__PROVIDER", "skynet")
    with pytest.raises(ValidationError):
        settings()


def test_defaults_serve_sqlite_in_the_repo_and_the_offline_ai() -> None:
    s = settings()
    assert s.database_url.startswith("sqlite")
    assert s.database_url.endswith(str(REPO_ROOT / "var" / "sprintsync.db"))
    assert s.ai.provider == "offline"


@pytest.mark.parametrize(
    "given",
    ["postgres://u:p@db:5432/app", "postgresql://u:p@db:5432/app"],
)
def test_platform_postgres_urls_get_the_async_driver(given: str) -> None:
    # Render's and Railway's database URLs, used as they are handed out.
    assert settings(database_url=given).database_url == "postgresql+asyncpg://u:p@db:5432/app"


def test_json_logs_by_default_everywhere_but_development() -> None:
    assert settings(env="development").json_logs is False
    assert settings(env="test").json_logs is True
    assert settings(env="development", log_json=True).json_logs is True


def test_trusted_proxies_are_a_trimmed_list_and_none_by_default() -> None:
    assert settings().trusted_proxies == []
    assert settings(forwarded_allow_ips=" 10.0.0.1, 10.1.0.0/16 ,").trusted_proxies == [
        "10.0.0.1",
        "10.1.0.0/16",
    ]
