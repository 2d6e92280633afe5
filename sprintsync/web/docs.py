"""/docs (Swagger UI) and /redoc served from the package's own static files: no CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from sprintsync.web.render import static_url

router = APIRouter(include_in_schema=False)

OAUTH2_REDIRECT = "/docs/oauth2-redirect"


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=static_url("vendor/swagger-ui-bundle.js"),
        swagger_css_url=static_url("vendor/swagger-ui.css"),
        swagger_favicon_url=static_url("favicon.svg"),
        oauth2_redirect_url=OAUTH2_REDIRECT,
        # The default validator badge is an image from swagger.io: no outside requests.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API reference",
        redoc_js_url=static_url("vendor/redoc.standalone.js"),
        redoc_favicon_url=static_url("favicon.svg"),
        with_google_fonts=False,
    )
