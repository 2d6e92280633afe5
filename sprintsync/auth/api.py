"""JSON routes for sign-up, log-in, log-out and one's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from sprintsync.auth import service
from sprintsync.auth.cookies import clear_session_cookies, set_session_cookies
from sprintsync.auth.schemas import LoginRequest, ProfileUpdate, SignupRequest, TokenResponse
from sprintsync.db import SessionDep
from sprintsync.openapi import AUTHED, errors
from sprintsync.security.deps import CurrentUser
from sprintsync.users.schemas import UserRead

router = APIRouter(prefix="/auth", tags=["auth"])


def _token_response(
    response: Response, request: Request, sess: service.TokenGrant
) -> TokenResponse:
    set_session_cookies(response, request, sess)
    return TokenResponse(
        access_token=sess.token,
        expires_in=sess.expires_in,
        csrf_token=sess.csrf_token,
        user=UserRead.model_validate(sess.user),
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/signup",
    response_model=TokenResponse,
    status_code=status.HTTP_201_CREATED,
    summary="Create an account and log in (as the sign-up policy allows)",
    description=(
        "With `SPRINTSYNC_SIGNUP_POLICY=invite` an `invitation` token is required (403 "
        "`invitation_required` without one); with `closed` every sign-up gets 403 "
        "`signup_closed`. An invitation joins its project; a used or expired one is 409, an "
        "unknown or revoked one 404."
    ),
    responses=errors(403, 404, 409, 422, 429),
)
async def signup(
    body: SignupRequest, request: Request, response: Response, session: SessionDep
) -> TokenResponse:
    await request.app.state.signup_throttle.take(_client(request))
    sess = await service.signup(
        session,
        request.app.state.settings,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        invitation=body.invitation,
        time_zone=body.time_zone,
    )
    return _token_response(response, request, sess)


@router.post(
    "/login",
    response_model=TokenResponse,
    summary="Log in with email and password (sets the session cookie)",
    description=(
        "401 `invalid_credentials` for a wrong email or password; 403 `account_deactivated` "
        "only when the password is right but the account is switched off. A user whose "
        "password an admin reset gets a session, but every request except changing the "
        "password (`PATCH /api/v1/auth/me`) answers 403 `password_change_required`."
    ),
    responses=errors(401, 403, 422, 429),
)
async def login(
    body: LoginRequest, request: Request, response: Response, session: SessionDep
) -> TokenResponse:
    sess = await service.login(
        session,
        request.app.state.settings,
        request.app.state.login_throttle,
        email=body.email,
        password=body.password,
        client=_client(request),
    )
    return _token_response(response, request, sess)


@router.post(
    "/token",
    response_model=TokenResponse,
    summary="OAuth2 password flow for API clients and /docs (bearer token only, no cookie)",
    responses=errors(401, 422, 429),
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
) -> TokenResponse:
    # No cookie here: a plain form post from another site must not be able to sign the
    # browser into someone else's account (login CSRF). Cookie sessions come from /login.
    sess = await service.login(
        session,
        request.app.state.settings,
        request.app.state.login_throttle,
        email=form.username,
        password=form.password,
        client=_client(request),
    )
    return TokenResponse(
        access_token=sess.token,
        expires_in=sess.expires_in,
        csrf_token=sess.csrf_token,
        user=UserRead.model_validate(sess.user),
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out (clears the cookie); everywhere=true invalidates every token",
    responses=errors(*AUTHED),
)
async def logout(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    everywhere: Annotated[bool, Query(description="Invalidate all existing tokens")] = False,
) -> Response:
    if everywhere:
        await service.logout_everywhere(session, user=user)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, request)
    return response


@router.get("/me", response_model=UserRead, summary="The signed-in user", responses=errors(401))
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch(
    "/me",
    response_model=UserRead,
    summary="Update display name or password (a new password ends other sessions)",
    responses=errors(*AUTHED),
)
async def update_me(
    body: ProfileUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
) -> UserRead:
    settings = request.app.state.settings
    new_session = await service.update_profile(
        session, settings, user=user, changes=body, throttle=request.app.state.login_throttle
    )
    if new_session is not None:
        set_session_cookies(response, request, new_session)
        response.headers["X-Access-Token"] = new_session.token
    return UserRead.model_validate(user)
