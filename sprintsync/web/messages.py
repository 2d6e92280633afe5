"""The one catalogue of what a person reads when a form field is not valid.

Pydantic describes the schema ("Input should be less than or equal to 100000"); a form needs
a sentence about the field it shows, in the unit it shows ("Estimate must be at most
1,666.67 hours"). `FIELDS` names each form field and its unit; `sentence` turns one pydantic
error into one sentence from the patterns below. The JSON API keeps pydantic's structured
details; only pages read these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldText:
    """How a form shows a field: its label and the unit its numbers are in."""

    label: str
    unit: str = ""  # singular: "hour"
    per_unit: int = 1  # schema units in one shown unit: 60 minutes in an hour
    integer: bool = True  # whether the form takes whole numbers of `unit` only


# Keyed by the schema field's name (the error's location), not by the form input's name.
FIELDS: dict[str, FieldText] = {
    # tasks
    "title": FieldText("Title"),
    "description": FieldText("Description"),
    "context": FieldText("Description"),  # the AI draft reads the description as context
    "priority": FieldText("Priority"),
    "estimate_minutes": FieldText("Estimate", unit="hour", per_unit=60, integer=False),
    "due_date": FieldText("Due date"),
    "assignee_id": FieldText("Assignee"),
    "parent_id": FieldText("Parent task"),
    "status": FieldText("Status"),
    # time entries
    "minutes": FieldText("Time spent", unit="minute"),
    "date": FieldText("Date"),
    "note": FieldText("Note"),
    # accounts
    "email": FieldText("Email"),
    "display_name": FieldText("Name"),
    "password": FieldText("Password"),
    "current_password": FieldText("Current password"),
    "new_password": FieldText("New password"),
    "is_admin": FieldText("Administrator"),
    "is_active": FieldText("Active"),
    # projects, members, comments, profile
    "name": FieldText("Name"),
    "key": FieldText("Key"),
    "user_id": FieldText("Person"),
    "body": FieldText("Comment"),
    "time_zone": FieldText("Time zone"),
    # invitations
    "project_id": FieldText("Project"),
    "role": FieldText("Role"),
    "expires_in_days": FieldText("Expiry", unit="day"),
    "invitation": FieldText("Invitation"),
    # the stand-up's switcher
    "user": FieldText("Person"),
    "project": FieldText("Project"),
    # AI help on the task page, and a forgotten timer's fixes
    "subtasks": FieldText("Subtasks"),
    "keep": FieldText("Keep"),
    "action": FieldText("Fix"),
}

# Sentences for one field's own kind of error, where the pattern would say less.
FIELD_SENTENCES: dict[tuple[str, str], str] = {
    ("value_error", "email"): "Email must be an email address, like name@example.com.",
    ("string_too_short", "password"): "Password must be at least {min_length} characters.",
    ("string_too_short", "new_password"): "New password must be at least {min_length} characters.",
    ("not_null", "body"): "Write something first: a comment can't be empty.",
}

# Errors that belong to no single field in the schema, placed on the field the form shows.
CUSTOM_ERRORS: dict[str, tuple[str, str]] = {
    "current_password_required": (
        "current_password",
        "Enter your current password to set a new one.",
    ),
}

_NUMBER_BOUNDS = {
    "less_than_equal": ("le", "{label} must be at most {amount}."),
    "less_than": ("lt", "{label} must be less than {amount}."),
    "greater_than_equal": ("ge", "{label} must be at least {amount}."),
    "greater_than": ("gt", "{label} must be more than {amount}."),
}

PATTERNS: dict[str, str] = {
    "missing": "{label} is required.",
    "not_null": "{label} can't be empty.",
    "string_too_short": "{label} must be at least {min_length} characters.",
    "string_too_long": "{label} must be at most {max_length} characters.",
    "too_long": "{label} must be at most {max_length} characters.",
    "string_type": "{label} must be text.",
    "string_pattern_mismatch": "{label} is not in the expected format.",
    "int_parsing": "{label} must be a whole number{of_units}.",
    "int_type": "{label} must be a whole number{of_units}.",
    "int_from_float": "{label} must be a whole number{of_units}.",
    "float_parsing": "{label} must be a number{of_units}.",
    "float_type": "{label} must be a number{of_units}.",
    "finite_number": "{label} must be a number{of_units}.",
    "bool_parsing": "{label} must be yes or no.",
    "bool_type": "{label} must be yes or no.",
    "date_parsing": "{label} must be a date, like 2026-12-31.",
    "date_from_datetime_parsing": "{label} must be a date, like 2026-12-31.",
    "date_from_datetime_inexact": "{label} must be a date without a time.",
    "date_type": "{label} must be a date, like 2026-12-31.",
    "enum": "{label} must be {expected}.",
    "literal_error": "{label} must be {expected}.",
    "extra_forbidden": "{label} is not a field of this form.",
    "value_error": "{label} is not valid.",
}
FALLBACK = "{label} is not valid."


def field_text(name: str) -> FieldText:
    """The catalogue's entry, or a label made from the name for a field it lacks."""
    return FIELDS.get(name) or FieldText(name.replace("_", " ").strip().capitalize() or "This")


def _amount(value: float, field: FieldText) -> str:
    shown = value / field.per_unit
    text = f"{shown:,.0f}" if shown == int(shown) else f"{shown:,.2f}".rstrip("0").rstrip(".")
    if not field.unit:
        return text
    return f"{text} {field.unit}" + ("" if shown == 1 else "s")


def _expected(ctx: dict[str, Any]) -> str:
    """pydantic's "'low', 'medium' or 'high'" without the quotes."""
    return re.sub(r"'([^']*)'", r"\1", str(ctx.get("expected", "one of the choices")))


def _field_name(loc: tuple[int | str, ...]) -> str:
    """The field's own name; a request error's location starts with where it was (body...)."""
    names = [part for part in loc if isinstance(part, str)]
    if len(names) > 1 and names[0] in ("body", "query", "path", "header", "cookie"):
        names = names[1:]
    return names[-1] if names else ""


def sentence(error: Any) -> tuple[str, str]:
    """(field name, sentence) for one pydantic error (`ValidationError.errors()` item)."""
    kind = str(error.get("type", ""))
    if kind in CUSTOM_ERRORS:
        return CUSTOM_ERRORS[kind]
    name = _field_name(tuple(error.get("loc", ())))
    field = field_text(name)
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error" and str(ctx.get("error", "")) == "may not be null":
        kind = "not_null"
    if kind in _NUMBER_BOUNDS:
        key, pattern = _NUMBER_BOUNDS[kind]
        if key == "ge" and ctx.get(key) == 0:
            return name, f"{field.label} can't be negative."
        return name, pattern.format(label=field.label, amount=_amount(ctx[key], field))
    values = {
        "label": field.label,
        "min_length": f"{ctx.get('min_length', 0):,}",
        "max_length": f"{ctx.get('max_length', 0):,}",
        "expected": _expected(ctx),
        "of_units": f" of {field.unit}s" if field.unit else "",
    }
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        kind = "not_null"
    if field.unit and not field.integer and kind.startswith("int"):
        kind = "float_parsing"
    pattern = FIELD_SENTENCES.get((kind, name)) or PATTERNS.get(kind, FALLBACK)
    return name, pattern.format(**values)
