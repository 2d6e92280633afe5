"""Settings from the environment (prefix SPRINTSYNC_) and `.env`, in one cached object."""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sprintsync.timeutil import valid_zone_name

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'sprintsync.db'}"


class LogLevel(enum.StrEnum):
    """The levels the app and uvicorn both know (uvicorn has no TRACE from the env)."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class AISettings(BaseModel):
    """Which AI provider answers `/api/v1/ai/suggest`, and how it is bounded."""

    provider: Literal["offline", "gemini", "openai"] = "offline"
    model: str = ""
    api_key: SecretStr = SecretStr("")
    base_url: str = ""
    timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    # The most a user waits for a suggestion, all attempts and back-offs together.
    total_budget_seconds: float = Field(default=20.0, gt=0, le=600)
    breaker_failures: int = Field(default=5, ge=1, le=100)
    breaker_cooldown_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Thinking tokens a Gemini 2.5+ model may spend, on top of the answer's own tokens
    # (-1: the model decides; 0: no thinking where the model allows it).
    gemini_thinking_budget: int = Field(default=1024, ge=-1, le=32768)
    # Record a network provider's answers to files, or replay them (tests, prompt reviews).
    record_mode: Literal["off", "record", "replay"] = "off"
    record_dir: str = "tests/ai/recordings"
    max_retries: int = Field(default=1, ge=0, le=5)
    retry_backoff_seconds: float = Field(default=0.5, ge=0, le=30)
    rate_limit: str = "30/minute"
    cache_ttl_seconds: int = Field(default=600, ge=0)
    # Embeddings for best-fit assignee suggestions: empty is the provider's default model,
    # "off" keeps them lexical (the offline provider is always lexical).
    embedding_model: str = Field(default="", max_length=100)


class Settings(BaseSettings):
    """Every setting is documented in README.md (a test checks this)."""

    model_config = SettingsConfigDict(
        env_prefix="SPRINTSYNC_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    env: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_SQLITE_URL
    db_pool_size: int = Field(default=10, ge=1)
    db_echo: bool = False
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    db_statement_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    access_token_expire_minutes: int = Field(default=24 * 60, ge=1)
    auth_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    cookie_name: str = "sprintsync_session"
    cookie_secure: bool | None = None
    redis_url: str = ""
    login_rate_limit: str = "5/minute"
    login_ip_rate_limit: str = "20/minute"
    signup_rate_limit: str = "10/hour"
    signup_global_rate_limit: str = "60/minute"
    api_docs: bool = True
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    compress_min_bytes: int = Field(default=1024, ge=0)
    forwarded_allow_ips: str = ""
    web_workers: int = Field(default=1, ge=1, le=64)
    shutdown_grace_seconds: int = Field(default=10, ge=0, le=300)
    migrate_on_start: bool = False
    log_level: LogLevel = LogLevel.INFO
    log_json: bool | None = None
    password_hash_fast: bool = False
    signup_policy: Literal["open", "invite", "closed"] | None = None
    invitation_days: int = Field(default=7, ge=1, le=90)
    # The zone of users created by admins, the CLI or the seed (sign-up takes the browser's).
    default_time_zone: Annotated[str, AfterValidator(valid_zone_name)] = "UTC"
    # Reports: the weekday weeks start on, who sees other people's figures, and when a
    # running timer is flagged on the timesheet as probably forgotten.
    week_start: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    person_figures: Literal["members", "leads"] = "members"
    long_timer_hours: float = Field(default=10.0, gt=0, le=24)
    ai: AISettings = AISettings()
    # The project that existing tasks move into when projects are introduced (the migration).
    default_project_key: str = Field(default="GEN", pattern=r"^[A-Z]{2,10}$")
    # Projects (by name, comma-separated) every new sign-up joins as a member.
    signup_projects: Annotated[list[str], NoDecode] = ["General"]

    @field_validator("signup_projects", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Platforms hand out `postgres://` or `postgresql://` URLs; the app speaks asyncpg."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url.removeprefix(prefix)
        return url

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Settings:
        if self.env == "production":
            # Cheap password hashes are for tests and benchmarks; production never gets them.
            self.password_hash_fast = False
            key = self.secret_key.get_secret_value()
            if key == DEV_SECRET_KEY or len(key) < 32:
                raise ValueError(
                    "SPRINTSYNC_SECRET_KEY must be set to a random value of at least 32 "
                    "characters in production (e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`)"
                )
        return self

    @property
    def week_start_iso(self) -> int:
        """The first day of the week as ISO numbers it: 1 = Monday ... 7 = Sunday."""
        return WEEKDAYS.index(self.week_start) + 1

    @property
    def effective_signup_policy(self) -> Literal["open", "invite", "closed"]:
        """Who may create an account: `open` by default, `invite` by default in production."""
        if self.signup_policy is not None:
            return self.signup_policy
        return "invite" if self.env == "production" else "open"

    @property
    def trusted_proxies(self) -> list[str]:
        """Addresses or networks whose X-Forwarded-For/-Proto headers are believed."""
        return [part.strip() for part in self.forwarded_allow_ips.split(",") if part.strip()]

    @property
    def json_logs(self) -> bool:
        """JSON lines unless set otherwise; readable console lines by default in development."""
        if self.log_json is not None:
            return self.log_json
        return self.env != "development"

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env != "development"

    def cookie_secure_for(self, scheme: str) -> bool:
        """`Secure` for a request's cookies: always outside development, and for HTTPS there
        (behind a trusted proxy the scheme is the one the client used)."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.secure_cookies or scheme == "https"

    def cookie_name_for(self, name: str, scheme: str) -> str:
        """A cookie's name on a request: with `__Host-` in front when the cookie is `Secure`.

        Browsers keep a `__Host-` cookie only when this host sets it over HTTPS with `Path=/`
        and no `Domain`, so a sibling subdomain or a plain-HTTP page cannot plant or overwrite
        it (a session fixation or a chosen CSRF value). Without `Secure` the prefix would
        make browsers drop the cookie, so plain-HTTP development keeps the bare name.
        """
        if name.startswith(HOST_PREFIX) or not self.cookie_secure_for(scheme):
            return name
        return HOST_PREFIX + name


HOST_PREFIX = "__Host-"


@lru_cache
def get_settings() -> Settings:
    return Settings()
