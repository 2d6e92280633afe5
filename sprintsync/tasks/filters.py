"""Which tasks a list shows, and in what order: one model from the query string to the service.

The JSON list, the list page and a project's board each parse their query string into a
`TaskFilter` once and pass it to `tasks.service` unchanged. The pages' bookmarkable URLs
name two fields differently (`project`, `assignee`), treat an empty value as "any", and offer
due-date windows ("overdue", "this week") rather than dates: `from_page` reads that form and
`page_query` writes it back, so both spellings describe the same model.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import SkipJsonSchema

from sprintsync.tasks.models import TaskStatus
from sprintsync.tasks.priority import Priority
from sprintsync.tasks.schemas import SortKey
from sprintsync.timeutil import DayFilter
from sprintsync.users.schemas import RowId

DueWindow = Literal["overdue", "today", "week", "later"]
DEFAULT_SORT: SortKey = "-created_at"
# A page's URL name for each field it offers, in the order the URL lists them.
PAGE_NAMES = {
    "q": "q",
    "project": "project_id",
    "status": "status",
    "assignee": "assignee_id",
    "priority": "priority",
    "due": "due",
    "sort": "sort",
    "cursor": "cursor",
}
LIST_PAGE_FIELDS = frozenset(PAGE_NAMES)
BOARD_FIELDS = frozenset({"q", "assignee", "priority"})
# Fields only the pages offer; the JSON list ignores them, as it ignores any unknown name.
PAGE_ONLY = frozenset({"due"})
_FIELD_NAMES = {field: name for name, field in PAGE_NAMES.items()}


class TaskFilter(BaseModel):
    """One list request: its filters, its order and where its page starts."""

    model_config = ConfigDict(frozen=True)

    project_id: RowId | None = Field(
        default=None, description="Only this project's tasks (shown even if archived)"
    )
    include_archived: bool = Field(
        default=False, description="Also list tasks of archived projects"
    )
    status: TaskStatus | None = None
    assignee_id: RowId | None = None
    priority: Priority | None = None
    q: str | None = Field(
        default=None, max_length=200, description="A task key (API-42), or search title/description"
    )
    due_before: DayFilter | None = None
    due_after: DayFilter | None = None
    # The pages' due-date window, counted from the reader's own today (see `due_range`).
    due: SkipJsonSchema[DueWindow | None] = None
    sort: SortKey = DEFAULT_SORT
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=500)

    @classmethod
    def from_page(
        cls, params: Mapping[str, str], *, fields: Collection[str], limit: int | None = None
    ) -> TaskFilter:
        """A page's query string (its URL names, `fields` of them) as a filter; an empty
        value (a <select> left at "any") is no filter. 422 like any other query error."""
        data: dict[str, Any] = {
            PAGE_NAMES[name]: value
            for name, value in params.items()
            if name in fields and value != ""
        }
        try:
            return cls.model_validate(data if limit is None else {**data, "limit": limit})
        except ValidationError as exc:
            raise RequestValidationError(
                [
                    {**e, "loc": ("query", *(_FIELD_NAMES.get(str(p), p) for p in e["loc"]))}
                    for e in exc.errors(include_url=False)
                ]
            ) from exc

    def due_range(self, today: date) -> tuple[date | None, date | None]:
        """(due on or before, due on or after); the pages' window counts from `today`."""
        if self.due == "overdue":
            return today - timedelta(days=1), None
        if self.due == "today":
            return today, today
        if self.due == "week":
            return today + timedelta(days=6), today
        if self.due == "later":
            return None, today + timedelta(days=7)
        return self.due_before, self.due_after

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the list (the pages say "no tasks match" then)."""
        return any(
            (
                self.q,
                self.project_id,
                self.status,
                self.assignee_id,
                self.priority,
                self.due,
                self.due_before,
                self.due_after,
            )
        )

    def page_query(self, **overrides: Any) -> str:
        """The list page's URL query for this filter (only what is set), e.g. for a link."""
        values = self.model_dump(mode="json")
        params = {name: values[field] for name, field in PAGE_NAMES.items() if name != "cursor"}
        params = {**params, **overrides}
        if params.get("sort") == DEFAULT_SORT:
            params.pop("sort")
        return urlencode({k: v for k, v in params.items() if v not in ("", None)})
