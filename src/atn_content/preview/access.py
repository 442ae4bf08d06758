"""Who may open the studio: a login with a `studio` key, a session cookie, CSRF on forms.

`POST /studio/login` takes the key as the form field `key` and answers a signed,
HttpOnly, SameSite=Strict cookie. Any studio page without a valid session answers the
login page itself (401), so a bookmarked URL works again right after logging in. Locally,
`atn-content serve` prints a one-time login link (login_link.py): the first visit
logs in and spends it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromQuery
from litestar.response import Redirect

from atn_content.api.pages import form_fields, form_value
from atn_content.preview.login_link import spend_login_link
from atn_content.preview.pages import STUDIO_HEADERS, render_page
from atn_content.preview.session import (
    SESSION_TTL_S,
    Session,
    Sessions,
    find_studio_key,
    key_fingerprint,
)
from atn_content.redact import redact

__all__ = [
    "ACCESS_ROUTES",
    "COOKIE",
    "LoginRequired",
    "check_csrf",
    "login_required_page",
    "require_studio",
    "sessions_of",
    "store_unavailable_page",
]

log = logging.getLogger(__name__)

COOKIE = "atn_studio"
#: The login form's own double-submit token (there is no session to bind it to yet).
_LOGIN_COOKIE = "atn_studio_login"


class LoginRequired(Exception):
    """Raised by the guard; answered with the login page (login_required_page)."""


def sessions_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Sessions:
    state = connection.app.state
    sessions: Sessions | None = state.get("studio_sessions")
    if sessions is None:
        settings = state.settings
        sessions = state.studio_sessions = Sessions(settings.secret, settings.previous_secrets)
    return sessions


def current_session(connection: ASGIConnection[Any, Any, Any, Any]) -> Session | None:
    return sessions_of(connection).read(
        connection.cookies.get(COOKIE), connection.app.state.api_keys
    )


def require_studio(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of every studio route but the login's: a session, else the login page."""
    session = current_session(connection)
    if session is None:
        raise LoginRequired
    connection.state.studio_session = session
    connection.state.studio_csrf = sessions_of(connection).csrf_token(session)


def check_csrf(request: Request[Any, Any, Any], token: str | None) -> None:
    """A form's `csrf` field (or the X-CSRF-Token header of a script's request) must match."""
    session: Session = request.state.studio_session
    presented = token or request.headers.get("x-csrf-token")
    if not sessions_of(request).csrf_valid(session, presented):
        raise PermissionDeniedException(
            "this form is out of date or came from another site (CSRF token missing or "
            "wrong): reload the studio page and try again"
        )


def store_unavailable_page(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """A studio page that needs the store while it is down: 503, a page, a retry time."""
    from atn_content.api.errors import RETRY_AFTER_SECONDS

    log.warning("%s %s: store unavailable: %s", request.method, request.url.path, redact(str(exc)))
    page = render_page(
        "unavailable.html",
        title="Store unavailable",
        csrf=request.state.get("studio_csrf", ""),
        path=request.url.path,
        retry=RETRY_AFTER_SECONDS,
    )
    headers = {**STUDIO_HEADERS, "Retry-After": str(RETRY_AFTER_SECONDS)}
    return Response(page, status_code=503, media_type="text/html", headers=headers)


def login_required_page(request: Request[Any, Any, Any], _: Exception) -> Response[str]:
    query = request.url.query
    asked = request.url.path + (f"?{query}" if query else "")
    return _login_page(request, next_path=_safe_next(asked), status_code=401)


def _login_page(
    request: Request[Any, Any, Any], next_path: str, status_code: int = 200, error: str = ""
) -> Response[str]:
    token = secrets.token_urlsafe(16)
    page = render_page("login.html", login_token=token, next=next_path, error=error)
    return Response(
        page,
        status_code=status_code,
        media_type="text/html",
        headers=STUDIO_HEADERS,
        cookies=[_cookie(request, _LOGIN_COOKIE, token, max_age=3600, path="/studio/login")],
    )


def _safe_next(path: str) -> str:
    """Only a studio path on this site: a login must not redirect anywhere else."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/studio"):
        return "/studio"
    if parts.path.startswith("/studio/login") or "\\" in path or path.startswith("//"):
        return "/studio"
    return path


def _cookie(
    request: Request[Any, Any, Any], name: str, value: str, max_age: int, path: str = "/studio"
) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _signed_in(request: Request[Any, Any, Any], key: str, next_path: str) -> Response[Any]:
    cookie = sessions_of(request).open(key_fingerprint(key))
    response: Response[Any] = Redirect(path=_safe_next(next_path), status_code=303)
    response.set_cookie(_cookie(request, COOKIE, cookie, max_age=SESSION_TTL_S))
    response.delete_cookie(_LOGIN_COOKIE, path="/studio/login")
    return response


@get("/studio/login", include_in_schema=False, sync_to_thread=False)
def login_form(
    request: Request[Any, Any, Any],
    once: FromQuery[str] = "",
    next: FromQuery[str] = "/studio",
) -> Response[Any]:
    """The login page; `?once=` is the local one-time link `atn-content serve` prints."""
    state = request.app.state
    if once:
        key = spend_login_link(state.settings.state_dir, once, state.api_keys)
        if key is not None:
            return _signed_in(request, key, next)
        return _login_page(request, _safe_next(next), 401, "This login link was already used.")
    if current_session(request) is not None:
        return Redirect(path=_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@post("/studio/login", include_in_schema=False, status_code=303)
async def login(request: Request[Any, Any, Any]) -> Response[Any]:
    fields = form_fields(await request.body())
    presented = form_value(fields, "key").strip()
    next_path = _safe_next((fields.get("next") or ["/studio"])[0])
    token = form_value(fields, "login_token")
    expected = request.cookies.get(_LOGIN_COOKIE, "")
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        return _login_page(
            request, next_path, 403, "The login form expired: please enter your key again."
        )
    key = find_studio_key(presented, request.app.state.api_keys) if presented else None
    if key is None:
        return _login_page(
            request, next_path, 401, "This key is unknown or lacks the studio scope."
        )
    return _signed_in(request, key, next_path)


@post("/studio/logout", include_in_schema=False, status_code=303, guards=[require_studio])
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    check_csrf(request, form_value(form_fields(await request.body()), "csrf"))
    response: Response[Any] = Redirect(path="/studio/login", status_code=303)
    response.delete_cookie(COOKIE, path="/studio")
    return response


ACCESS_ROUTES = [login_form, login, logout]
