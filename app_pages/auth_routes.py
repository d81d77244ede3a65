"""The two HTTP routes that set and clear the session cookie (``st.App(routes=...)`` in streamlit_app.py).

A Streamlit page talks over a websocket and cannot set a cookie; these ordinary HTTP responses can,
and they make it HttpOnly (page scripts can neither read nor write it), SameSite=Strict and, over
https, Secure. The page only ever hands the browser a one-time ticket (trainer/people/sessions.py).

Strict rather than Lax: the page's HTML needs no cookie - the session is read from the websocket the
page opens to its own origin, which is a same-site request even when the page was reached from a link
in another site, so Strict costs nothing here and refuses the cookie to every cross-site request.
Both routes are POSTs that must come from the app's own origin (the Origin header), so another site
can neither sign a visitor in to an account of its choosing nor sign them out.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from knowledge.settings import Settings
from trainer.people.sessions import COOKIE_NAME, Sessions
from trainer.storage.db import shared_db

SESSION_PATH = "/auth/session"
SIGN_OUT_PATH = "/auth/sign-out"


@functools.cache
def _sessions(app_db: str) -> Sessions:
    return Sessions(shared_db(Path(app_db)))  # the pages' own connection


def sessions() -> Sessions:
    return _sessions(str(Settings.from_env().app_db.resolve()))


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin", "")
    host = request.headers.get("host", "")
    return bool(origin and host) and urlsplit(origin).netloc.lower() == host.lower()


async def _ticket(request: Request) -> str:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return ""
    ticket = body.get("ticket") if isinstance(body, dict) else None
    return ticket if isinstance(ticket, str) else ""


async def exchange_ticket(request: Request) -> Response:
    """POST {"ticket": ...} -> 204 and the session cookie; 403 from another origin, 400 for a bad ticket."""
    if not _same_origin(request):
        return Response(status_code=403)
    ticket = await _ticket(request)
    token = await run_in_threadpool(sessions().redeem_ticket, ticket)
    if token is None:
        return Response(status_code=400)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    # No Max-Age: the cookie lasts while the browser is open; the server ends the session when idle.
    response.set_cookie(
        COOKIE_NAME, token, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


async def sign_out(request: Request) -> Response:
    """POST -> the cookie's session ends on the server and the cookie is deleted."""
    if not _same_origin(request):
        return Response(status_code=403)
    token = request.cookies.get(COOKIE_NAME, "")
    if token:
        await run_in_threadpool(sessions().revoke, token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


ROUTES = [
    Route(SESSION_PATH, exchange_ticket, methods=["POST"]),
    Route(SIGN_OUT_PATH, sign_out, methods=["POST"]),
]
