"""Signing in to the marketing pages with a key, and the check every page makes.

Without a keys file the pages are open, like the API. With one, each /ui page needs a
session cookie from a marketing (or admin) key (see :mod:`serving.ui.session`): a browser
without one is sent to the sign-in form, and every form that posts must carry the
session's CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serving.keys import KeyRing
from serving.settings import ServeSettings
from serving.ui.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    UI_ROLES,
    Session,
    csrf_matches,
    open_session,
    read_session,
)
from serving.ui.templating import message_page, templates

router = APIRouter(prefix="/ui", include_in_schema=False)


class SignInRequired(Exception):
    def __init__(self, then: str) -> None:
        self.then = then


class FormRefused(Exception):
    """A posted form without the right CSRF token, or a key that may not use the pages."""

    def __init__(self, message: str) -> None:
        self.message = message


async def ui_session(request: Request) -> Session | None:
    """The signed-in session (None while the service is open); sign-in or 403 otherwise."""
    ring: KeyRing | None = request.app.state.keys
    if ring is None:
        return None
    session = read_session(ring, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired(request.url.path)
    if not session.caller.has_any(UI_ROLES):
        raise FormRefused(f"The key of {session.caller.client} may not use these pages.")
    request.state.csrf = session.csrf
    request.state.client = session.caller.client
    if request.method == "POST":
        form = await request.form()
        if not csrf_matches(session.csrf, _text(form.get("csrf"))):
            raise FormRefused("The form has expired. Go back, reload the page and send it again.")
    return session


UiSession = Depends(ui_session)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, then: str = "/ui", failed: bool = False) -> Response:
    """The sign-in form: a marketing key, pasted once per session."""
    token = secrets.token_urlsafe(24)
    context = {"page": None, "model": None, "then": _safe(then), "token": token, "failed": failed}
    response = templates().TemplateResponse(
        request, "sign_in.html", context, status_code=401 if failed else 200
    )
    _cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=600)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    key: Annotated[str, Form(max_length=512)],
    csrf: Annotated[str, Form(max_length=128)] = "",
    then: Annotated[str, Form(max_length=512)] = "/ui",
) -> Response:
    """Check the key; set the session cookie and go on, or show the form again."""
    ring: KeyRing | None = request.app.state.keys
    if ring is None:
        return RedirectResponse(_safe(then), status_code=303)
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        raise FormRefused("The sign-in form has expired. Reload it and sign in again.")
    settings: ServeSettings = request.app.state.settings
    lifetime = settings.ui_session_minutes * 60
    cookie = open_session(ring, key.strip(), lifetime)
    if cookie is None:
        return RedirectResponse(f"/ui/sign-in?failed=true&then={quote(_safe(then))}", 303)
    response = RedirectResponse(_safe(then), status_code=303)
    _cookie(response, request, SESSION_COOKIE, cookie, max_age=lifetime)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui")
    return response


@router.post("/sign-out", dependencies=[UiSession])
def sign_out() -> Response:
    """End the session (its CSRF token was checked) and show the sign-in form."""
    response = RedirectResponse("/ui/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/ui")
    return response


def install_sign_in(app: FastAPI) -> None:
    """Turn the page check's refusals into a redirect to the form, or a readable 403 page."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/ui/sign-in?then={quote(_safe(exc.then))}", status_code=303)

    @app.exception_handler(FormRefused)
    async def _refused(request: Request, exc: FormRefused) -> Response:
        return message_page(request, "Not allowed", exc.message, 403)


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _safe(then: str) -> str:
    """Only a page of this site: never an open redirect to another one."""
    return then if then.startswith("/ui") and "//" not in then and "\\" not in then else "/ui"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
