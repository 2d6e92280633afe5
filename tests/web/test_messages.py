"""The catalogue of form error sentences (`sprintsync.web.messages`), over every form field.

Each form's schema is fed bad values for every field; every error must come out as a
sentence that names the field as the form does, in the form's unit, with no pydantic text.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from sprintsync.ai.schemas import DescriptionRequest
from sprintsync.auth.schemas import LoginRequest, ProfileUpdate, SignupRequest
from sprintsync.comments.schemas import CommentCreate
from sprintsync.invitations.schemas import InvitationCreate
from sprintsync.tasks.schemas import TaskCreate, TaskUpdate
from sprintsync.timesheet.schemas import EntryUpdate, ManualEntryCreate
from sprintsync.users.schemas import PasswordReset, UserCreate, UserUpdate
from sprintsync.web.messages import CUSTOM_ERRORS, FIELDS, sentence
from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth, make_user

# Every schema a page form is validated with.
FORMS: list[type[BaseModel]] = [
    TaskCreate, TaskUpdate, ManualEntryCreate, EntryUpdate, SignupRequest, LoginRequest,
    ProfileUpdate, UserCreate, UserUpdate, PasswordReset, InvitationCreate, CommentCreate,
]  # fmt: skip
# The task form's AI draft fills these two from the form; the rest it sets itself.
DRAFT_FIELDS = ("title", "context")
BAD_VALUES: list[Any] = [
    "", "   ", "x" * 20_001, -1, 0, 10**9, 1.5, "not-a-number", "2026-13-45", "nope", None,
    {"a": 1}, [1],
]  # fmt: skip
RAW = re.compile(
    r"Input should|String should|Value error|value is not|less than or equal|greater than or"
    r" equal|Field required|_|\bctx\b|\{|\}"
)


def _errors(model: type[BaseModel], payload: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        return list(exc.errors())
    return []


def _field_errors(model: type[BaseModel], name: str) -> list[dict[str, Any]]:
    found = []
    for value in BAD_VALUES:
        found += [e for e in _errors(model, {name: value}) if e["loc"][:1] == (name,)]
    return found + [e for e in _errors(model, {}) if e["loc"][:1] == (name,)]


CASES = [(model, name) for model in FORMS for name in model.model_fields] + [
    (DescriptionRequest, name) for name in DRAFT_FIELDS
]


@pytest.mark.parametrize(("model", "name"), CASES, ids=[f"{m.__name__}.{n}" for m, n in CASES])
def test_every_form_field_error_is_a_sentence_in_the_fields_unit(model, name) -> None:
    assert name in FIELDS, f"add {name!r} to sprintsync.web.messages.FIELDS"
    field = FIELDS[name]
    errors = _field_errors(model, name)
    assert errors, f"no bad value tested {model.__name__}.{name}"
    for error in errors:
        where, message = sentence(error)
        assert where == name
        assert field.label.lower() in message.lower(), message
        assert message.endswith("."), (error, message)
        assert not RAW.search(message), (error, message)
        if error["type"] in ("less_than_equal", "greater_than_equal") and field.unit:
            assert field.unit in message or "negative" in message, message


@pytest.mark.parametrize(
    ("model", "payload", "expected"),
    [
        (TaskCreate, {"title": "t", "estimate_minutes": 100_001},
         ("estimate_minutes", "Estimate must be at most 1,666.67 hours.")),
        (TaskCreate, {"title": "t", "estimate_minutes": -5},
         ("estimate_minutes", "Estimate can't be negative.")),
        (TaskCreate, {"title": "  "}, ("title", "Title can't be empty.")),
        (TaskCreate, {"title": "x" * 201}, ("title", "Title must be at most 200 characters.")),
        (TaskCreate, {"title": "t", "priority": "meh"},
         ("priority", "Priority must be low, medium, high or urgent.")),
        (TaskCreate, {"title": "t", "due_date": "tomorrow"},
         ("due_date", "Due date must be a date, like 2026-12-31.")),
        (TaskCreate, {"title": "t", "description": "d" * 10_001},
         ("description", "Description must be at most 10,000 characters.")),
        (ManualEntryCreate, {"minutes": 0}, ("minutes", "Time spent must be at least 1 minute.")),
        (ManualEntryCreate, {"minutes": 1441},
         ("minutes", "Time spent must be at most 1,440 minutes.")),
        (ManualEntryCreate, {"minutes": "lots"},
         ("minutes", "Time spent must be a whole number of minutes.")),
        (SignupRequest, {"email": "a@example.com", "display_name": "A", "password": "short"},
         ("password", "Password must be at least 8 characters.")),
        (UserCreate, {"email": "nope", "display_name": "A", "password": "long-enough"},
         ("email", "Email must be an email address, like name@example.com.")),
        (ProfileUpdate, {"new_password": "long-enough"},
         ("current_password", "Enter your current password to set a new one.")),
        (InvitationCreate, {"expires_in_days": 91},
         ("expires_in_days", "Expiry must be at most 90 days.")),
        (TaskUpdate, {"title": None}, ("title", "Title can't be empty.")),
    ],
)  # fmt: skip
def test_known_errors_read_as_written(model, payload, expected) -> None:
    (error,) = _errors(model, payload)
    assert sentence(error) == expected


def test_a_field_the_catalogue_lacks_still_gets_a_sentence() -> None:
    assert sentence({"type": "something_new", "loc": ("time_zone",), "msg": "raw"}) == (
        "time_zone",
        "Time zone is not valid.",
    )
    assert all(field in FIELDS for field, _message in CUSTOM_ERRORS.values())


async def test_pages_show_sentences_and_the_api_keeps_pydantic_details(
    client, session, settings
) -> None:
    user = await make_user(session)
    csrf = cookie_auth(client, user, TEST_SECRET, settings.cookie_name)
    form = {"title": "Big", "estimate_hours": "2000", "priority": "medium"}
    page = await client.post("/tasks", data=form, headers=csrf)
    assert page.status_code == 422
    assert "Estimate must be at most 1,666.67 hours." in page.text
    assert "Input should" not in page.text
    api = await client.post(
        "/api/v1/tasks", json={"title": "Big", "estimate_minutes": 120_000}, headers=csrf
    )
    assert api.status_code == 422
    (detail,) = api.json()["error"]["details"]
    assert detail["field"] == "estimate_minutes"
    assert detail["type"] == "less_than_equal"
    assert detail["message"] == "Input should be less than or equal to 100000"
