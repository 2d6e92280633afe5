"""HTML pages for projects: the header's project switcher, the project list, and each
project's members and settings (its board is a tasks page: /projects/{key}).

The same `projects.service` functions as the JSON API enforce who may do what.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from sprintsync.db import SessionDep
from sprintsync.errors import AppError
from sprintsync.projects import service
from sprintsync.projects.models import Role
from sprintsync.projects.schemas import LAST_PROJECT_COOKIE, ProjectCreate, ProjectUpdate
from sprintsync.security.deps import PageUser
from sprintsync.users.models import User
from sprintsync.web.deps import field_errors, form_text, form_values
from sprintsync.web.layout import load_layout
from sprintsync.web.render import is_htmx, render, toast

router = APIRouter(include_in_schema=False)


@router.get("/projects/switcher")
async def switcher(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The header's project menu (loaded after the page), the last board visited first."""
    views = await service.list_projects(session, user=user)
    last = request.cookies.get(LAST_PROJECT_COOKIE, "")
    current = next((v for v in views if v.project.key == last), views[0] if views else None)
    context = {"views": views, "current": current}
    return await render(request, "projects/switcher.html", context, user=user)


async def _projects_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    archived = request.query_params.get("archived") == "1"
    views = await service.list_projects(session, user=user, include_archived=archived)
    context = {
        "nav": "projects",
        "views": views,
        "archived": archived,
        "values": values or {},
        "errors": errors or {},
    }
    layout = await load_layout(request, session, user)
    return await render(
        request, "projects/index.html", context, user=user, layout=layout, status=status
    )


@router.get("/projects")
async def projects_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    return await _projects_page(request, session, user)


@router.post("/projects")
async def create_project(request: Request, session: SessionDep, user: PageUser) -> Response:
    values = form_values(await request.form(), "key", "name", "description")
    try:
        data = ProjectCreate.model_validate(values)
        view = await service.create_project(session, actor=user, data=data)
    except (ValidationError, AppError) as exc:
        return await _projects_page(
            request, session, user, values=values, errors=field_errors(exc), status=422
        )
    return RedirectResponse(f"/projects/{view.project.key}/settings", status_code=303)


async def _settings_page(
    request: Request,
    session: SessionDep,
    user: User,
    key: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    view = await service.get_project(session, user=user, ref=key)
    members = await service.list_members(session, user=user, ref=view.project.id)
    context = {
        "nav": "projects",
        "view": view,
        "project": view.project,
        "members": members,
        "roles": [r.value for r in Role],
        "errors": errors or {},
    }
    layout = await load_layout(request, session, user)
    return await render(
        request,
        "projects/settings.html",
        context,
        user=user,
        layout=layout,
        status=status,
        headers=headers,
    )


@router.get("/projects/{key}/settings")
async def settings_page(
    key: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    return await _settings_page(request, session, user, key)


def _back(key: str, message: str) -> Response:
    response = RedirectResponse(f"/projects/{key}/settings", status_code=303)
    response.headers.update(toast(message))
    return response


@router.post("/projects/{key}/settings")
async def update_project(
    key: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    form = await request.form()
    changes: dict[str, object] = {}
    for name in ("name", "description"):
        if name in form:
            changes[name] = form_text(form, name)
    if "archived" in form:
        changes["archived"] = form_text(form, "archived") == "1"
    try:
        data = ProjectUpdate.model_validate(changes)
        view = await service.update_project(session, actor=user, ref=key, changes=data)
    except (ValidationError, AppError) as exc:
        if isinstance(exc, AppError) and exc.status_code in (403, 404):
            raise
        return await _settings_page(
            request, session, user, key, errors=field_errors(exc), status=422
        )
    project = view.project
    message = "Archived: the project is read-only now." if project.archived else "Saved."
    return _back(project.key, message)


@router.post("/projects/{key}/members")
async def add_member(key: str, request: Request, session: SessionDep, user: PageUser) -> Response:
    form = await request.form()
    role = Role.lead if form_text(form, "role") == Role.lead.value else Role.member
    try:
        member = await service.add_member_by_email(
            session, actor=user, project_id=key, email=form_text(form, "email"), role=role
        )
    except AppError as exc:
        if exc.status_code in (403, 404) and exc.code != "invalid_user":
            raise
        errors = {"email": exc.message}
        return await _settings_page(request, session, user, key, errors=errors, status=422)
    return _back(key.upper(), f"Added {member.display_name}.")


@router.post("/projects/{key}/members/{user_id:int}/role")
async def change_role(
    key: str, user_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    form = await request.form()
    role = Role.lead if form_text(form, "role") == Role.lead.value else Role.member
    member = await service.change_role(
        session, actor=user, project_id=key, user_id=user_id, role=role
    )
    return _back(key.upper(), f"{member.display_name} is now a {member.role.value}.")


@router.post("/projects/{key}/members/{user_id:int}/remove")
async def remove_member(
    key: str, user_id: int, request: Request, session: SessionDep, user: PageUser
) -> Response:
    unassigned = await service.remove_member(session, actor=user, project_id=key, user_id=user_id)
    tasks = "task is" if unassigned == 1 else "tasks are"
    message = f"Removed. Their time entries stay; {unassigned} open {tasks} now unassigned."
    if is_htmx(request):
        return Response(status_code=200, headers={**toast(message), "HX-Refresh": "true"})
    return _back(key.upper(), message)
