"""What every page shares: the process-wide services, the signed-in user, the language, safe text.

Pages stay thin: they read widgets, call the packages (``knowledge``, ``trainer``) and render.
Role checks happen here for the page and again inside every package action.
"""

from __future__ import annotations

import json
import os
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
import streamlit as st

from app_pages.auth_routes import SESSION_PATH, SIGN_OUT_PATH
from courses.content import default_root, load_catalog
from courses.errors import CourseError
from courses.grading import Grade
from courses.models import MultipleChoice, Ordering, Question, SingleChoice
from knowledge.answer import Citation
from knowledge.kb import KnowledgeBase
from knowledge.llm import make_chat_model
from knowledge.settings import Settings
from trainer import library
from trainer.analytics.asklog import AskLog
from trainer.errors import PermissionDenied, StorageProblem, TrainerError
from trainer.i18n import one_language, preferred_language, t
from trainer.learning.quiz import Learning, points
from trainer.learning.review import Review
from trainer.people import manage as people
from trainer.people.accounts import Accounts, User, require_role
from trainer.people.sessions import COOKIE_NAME, SessionExpired, Sessions
from trainer.storage.db import open_db, shared_db


@dataclass(frozen=True)
class Services:
    settings: Settings
    kb: KnowledgeBase
    db: sqlite_utils.Database
    accounts: Accounts
    asks: AskLog
    chat_model: Any  # a LangChain chat model, or None for extractive answers
    warm: threading.Event  # set once the embedding model and vector store are loaded


@st.cache_resource(show_spinner=False)
def _services(data_dir: str) -> Services:
    """Created once per process and data folder: models, Chroma client and database handles."""
    settings = Settings.from_env()
    kb = KnowledgeBase(settings)
    db = shared_db(settings.app_db)  # the same connection the cookie routes use
    warm = threading.Event()

    def load() -> None:
        # In the background, so the first page renders at once; the first question waits if needed.
        try:
            _ = kb.embedder
            _ = kb.store
        finally:
            warm.set()
        kb.calibrate_soon()  # documents changed while the app was down: calibrated before the first question

    threading.Thread(target=load, name="warm-up", daemon=True).start()
    return Services(settings, kb, db, Accounts(db), AskLog(db), make_chat_model(settings), warm)


def services() -> Services:
    return _services(str(Settings.from_env().data_dir.resolve()))


@st.cache_resource(show_spinner=False)
def _learning(data_dir: str, courses_dir: str) -> Learning:
    # Its own connection: quiz writes run in explicit transactions and must not catch other
    # threads' statements on a shared connection.
    return Learning(open_db(Path(data_dir) / "app.db"), load_catalog(Path(courses_dir)))


def learning() -> Learning:
    """The quiz engine over the validated course content (ContentInvalid if the content is broken)."""
    return _learning(str(Settings.from_env().data_dir.resolve()), str(default_root().resolve()))


def learning_or_stop() -> Learning:
    """The quiz engine for a page; broken course content shows every problem and ends the page."""
    try:
        return learning()
    except CourseError as exc:
        st.error(tr("course_broken"))
        st.code(str(exc), language=None)
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers so


@st.cache_resource(show_spinner=False)
def _review(data_dir: str, courses_dir: str) -> Review:
    # The quiz engine's connection and content: the deck reads its attempts.
    engine = _learning(data_dir, courses_dir)
    return Review.from_env(engine.db, engine.catalog, dict(os.environ))


def review() -> Review:
    """The review decks over the same content as :func:`learning` (after learning_or_stop)."""
    return _review(str(Settings.from_env().data_dir.resolve()), str(default_root().resolve()))


def review_due(user: User) -> int | None:
    """The sidebar's count of cards due today (new quiz answers read in first); None when it
    cannot be told just now (broken content, a busy database) - the count is a convenience."""
    try:
        learning()
        deck = review()
        deck.sync(user)
        return deck.due_count(user)
    except (CourseError, TrainerError):
        return None


# ---------------------------------------------------------------------- language
def lang() -> str:
    """The interface language: chosen in this session, else saved for the user, else the browser's."""
    if "lang" not in st.session_state:
        saved = ""
        auth = st.session_state.get("auth")
        if auth:
            user = services().accounts.find(auth["username"])
            saved = user.language if user else ""
        st.session_state["lang"] = preferred_language(saved, _browser_locale())
    return str(st.session_state["lang"])


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return None


def tr(key: str, **values: object) -> str:
    return t(key, lang(), **values)


def error_text(exc: BaseException) -> str:
    """An error of ours ("English · 中文") in the interface language only."""
    return one_language(str(exc), lang())


def uploader_in_language(key: str, max_mb: float, types: list[str]) -> None:
    """Put the interface language into the file uploader with widget key ``key``.

    Streamlit 1.67's ``st.file_uploader`` takes no text for its button ("Upload") or its line
    "200MB per file • PDF, DOCX" (both are fixed strings of its front end, with no parameter or
    locale setting), so a style sheet for this one widget (``.st-key-<key>``) hides those two
    texts and shows ours in their place. The uploader itself works as before.
    """
    button = tr("uploader_button").replace('"', "")
    limit = tr("uploader_limit", mb=f"{max_mb:g}", types=", ".join(t.upper() for t in types)).replace('"', "")
    scope = f".st-key-{key}"
    st.html(
        "<style>"
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] * {{font-size: 0 !important}}'
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"]::after {{content: "{limit}"; font-size: 0.85rem}}'
        f'{scope} [data-testid="stFileUploaderDropzone"] button {{font-size: 0 !important}}'
        f'{scope} [data-testid="stFileUploaderDropzone"] button * {{font-size: 0 !important}}'
        f'{scope} [data-testid="stFileUploaderDropzone"] button::after {{content: "{button}"; font-size: 1rem}}'
        "</style>"
    )


# ---------------------------------------------------------------------- who is signed in
# The session lives on the server (trainer/people/sessions.py). This tab keeps its token in session_state;
# a reload or an opened link starts a new tab session that finds the token in the HttpOnly cookie,
# which only the /auth/* routes (app_pages/auth_routes.py) set and clear.
def _sessions() -> Sessions:
    return Sessions(services().db)


def _cookie_token() -> str:
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser behind this run (bare mode)
        return ""
    return value if isinstance(value, str) else ""  # AppTest's stand-in client gives no strings


_PRUNED = [0.0]  # when this process last forgot unusable sessions


def _prune_now_and_then(sessions: Sessions) -> None:
    """Rows nobody can use any more, forgotten at most every ten minutes: housekeeping that must
    neither queue every sign-in behind a write nor fail one when app.db is busy."""
    now = time.time()
    if now - _PRUNED[0] < 600:
        return
    _PRUNED[0] = now
    try:
        sessions.prune(services().settings.idle_minutes)
    except StorageProblem:
        _PRUNED[0] = 0.0


def _retry_busy(write: Callable[[], str]) -> str:
    """A sign-in write, tried once more when app.db was busy (many people signing in at once)."""
    try:
        return write()
    except StorageProblem:
        return write()


def sign_in(user: User) -> None:
    """A new server-side session for this tab, and a one-time ticket the browser trades for the
    session cookie (:func:`sync_cookie`), so reloads and links stay signed in."""
    sessions = _sessions()
    _prune_now_and_then(sessions)
    token = _retry_busy(lambda: sessions.create(user.username))
    st.session_state["auth"] = {"username": user.username, "token": token}
    st.session_state["cookie_ticket"] = _retry_busy(lambda: sessions.issue_ticket(token))
    st.session_state.pop("cookie_gone", None)
    st.session_state.pop("lang", None)  # take the user's saved language


def _forget(token: str, reason: str = "") -> None:
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    st.session_state["dead_token"] = token  # the cookie may still name it until the browser drops it
    st.session_state["cookie_gone"] = True
    if reason:
        st.session_state["flash"] = reason


def sign_out(reason: str = "") -> None:
    """End this session on the server - for every tab and reload that shares it - and drop the cookie."""
    auth = st.session_state.get("auth")
    token = str(auth.get("token") or "") if auth else _cookie_token()
    if token:
        _sessions().revoke(token)
    _forget(token, reason)


def current_user() -> User | None:
    """The signed-in, active user, resolved on the server on every run (so a sign-out in another tab,
    a deactivation, a password change or a role change takes effect at once); None otherwise."""
    auth = st.session_state.get("auth")
    token = str(auth.get("token") or "") if auth else _cookie_token()
    if not token or token == st.session_state.get("dead_token"):
        return None
    svc = services()
    try:
        username = _sessions().resolve(token, svc.settings.idle_minutes)
    except SessionExpired:
        _forget(token, "session_expired")
        return None
    user = svc.accounts.find(username) if username else None
    if user is None or not user.active:
        _forget(token)
        return None
    if not auth:  # a reload or a link: the cookie's session, adopted by this tab
        st.session_state["auth"] = {"username": user.username, "token": token}
    return user


def sync_cookie() -> None:
    """The browser's side of sign-in and sign-out, rendered by the router on every run.

    After sign-in: a script posts the one-time ticket to /auth/session, whose response sets the
    HttpOnly cookie (rendered again on each run until the ticket is spent or expired, so a rerun that
    swallowed it does not lose it). After sign-out or expiry: a post to /auth/sign-out deletes it.
    The script never sees the session token.
    """
    ticket = st.session_state.get("cookie_ticket")
    if ticket and not _sessions().ticket_pending(ticket):
        del st.session_state["cookie_ticket"]
        ticket = None
    if ticket:
        path, body = SESSION_PATH, json.dumps({"ticket": ticket})
    elif st.session_state.pop("cookie_gone", None):
        path, body = SIGN_OUT_PATH, "{}"
    else:
        return
    st.html(
        f"<script>fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin',"
        f" headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(body)}}});</script>",
        unsafe_allow_javascript=True,
    )


def page_user(*roles: str) -> User:
    """The first line of every page: the user, or a refusal and nothing else rendered."""
    user = current_user()
    try:
        user = require_role(user, *roles)
    except PermissionDenied:
        st.error(tr("not_allowed"))
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers so
    if user.must_change_password:  # the router shows only the password form; a page run alone refuses too
        st.warning(tr("password_change_required"))
        st.stop()
    return user


def original_button(svc: Services, user: User, doc: str, key: str, where: Any = st) -> None:
    """A knowledge-base document's original to download: read only when clicked, with the reader's
    role checked again then (a deactivated user gets nothing)."""
    where.download_button(
        tr("download_original"),
        data=lambda: library.original(still(svc, user, *library.READERS), svc.kb, doc).data,
        file_name=doc,
        key=key,
        on_click="ignore",
    )


def still(svc: Services, user: User, *roles: str) -> User:
    """``user`` as app.db has them now, with the role check made again (PermissionDenied otherwise).

    For downloads whose data is built when clicked (``st.download_button(data=callable)``): the click
    may come long after the page rendered, after a deactivation or a role change, and it runs outside
    the page - the check must see the account as it is then, not the page's copy of it.
    """
    return require_role(svc.accounts.find(user.username), *roles)


def password_form(svc: Services, user: User, key: str, *, handed_over: bool) -> bool:
    """The change-your-password form of My account and of the forced first sign-in; True once changed.

    ``handed_over``: the old password is the one an administrator gave out, so the new one must differ
    from it. A change ends every session of the user, this one too: this tab is signed in again here,
    and the caller shows what comes next (the forced page reruns into the app).
    """
    with st.form(key, clear_on_submit=True):
        old = st.text_input(tr("password_handed_over" if handed_over else "current_password"), type="password")
        new = st.text_input(tr("new_password"), type="password", help=tr("password_rules"))
        again = st.text_input(tr("password_again"), type="password")
        if not st.form_submit_button(tr("save"), type="primary" if handed_over else "secondary"):
            return False
        if new != again:
            st.error(tr("passwords_differ"))
            return False
        if handed_over and new == old:
            st.error(tr("password_same_as_given"))
            return False
        try:
            people.change_own_password(user, svc.accounts, old, new)
        except TrainerError as exc:
            st.error(error_text(exc))
            return False
    sign_in(svc.accounts.get(user.username))
    return True


# ---------------------------------------------------------------------- safe text
_MD_SPECIAL = set(string.punctuation)


def option_texts(q: Question) -> dict[str, str]:
    """A question's option or item texts by id, in the interface language."""
    L = lang()
    if isinstance(q, SingleChoice | MultipleChoice):
        return {o.id: o.text.get(L) for o in q.options}
    if isinstance(q, Ordering):
        return {i.id: i.text.get(L) for i in q.items}
    return {}


def numbered(ids: list[str] | tuple[str, ...], texts: dict[str, str]) -> str:
    return "\n".join(f"{n}. {texts.get(i, i)}" for n, i in enumerate(ids, 1))


def show_grade(question: Question, grade: Grade) -> None:
    """The feedback on one graded answer, as a quiz review and Today's review show it."""
    L, texts = lang(), option_texts(question)
    if grade.correct:
        st.success(tr("correct"), icon=":material/check_circle:")
    elif grade.score > 0:
        st.warning(tr("partly_correct", score=points(grade.score)))
    else:
        st.error(tr("wrong"), icon=":material/cancel:")
    for oid, why in grade.feedback.items():
        st.markdown(f"- **{texts.get(oid, oid)}**: {why.get(L)}")
    if grade.missed:
        st.markdown(tr("missed", items="、".join(texts.get(m, m) for m in grade.missed)))
    if grade.feedback_wrong is not None and not grade.correct:
        st.markdown(grade.feedback_wrong.get(L))
    if isinstance(question, Ordering) and not grade.correct:
        st.markdown(f"**{tr('correct_order')}**\n\n" + numbered([i.id for i in question.items], texts))
    if grade.explanation is not None:
        st.info(f"**{tr('explanation')}**: {grade.explanation.get(L)}")


def md_inline(text: str) -> str:
    """:func:`md_escape` for text inside a line's Markdown (bold, a table cell): without the trailing
    line-break spaces, which would stop ``**...**`` from closing and show the asterisks."""
    return md_escape(text).rstrip(" ")


def md_escape(text: str) -> str:
    """Document text as literal Markdown: every ASCII punctuation mark backslash-escaped (CommonMark
    allows it for all of them), so no link, image, HTML or heading can come from a document."""
    lines = []
    for line in text.split("\n"):
        bullet = line.startswith("- ")  # the answer's own list of quoted sentences stays a list
        body = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in (line[2:] if bullet else line))
        lines.append("- " + body if bullet else body + "  ")
    return "\n".join(lines)


def plain(text: str) -> None:
    st.markdown(md_escape(text))


@contextmanager
def citation(c: Citation) -> Iterator[None]:
    """One cited passage as the Ask page and the reply desk show it: an expander titled "[n] title ·
    page" holding the file name and the exact snippet, all escaped; the caller adds its own controls."""
    page = f" · {tr('page_short', page=c.page)}" if c.page else ""
    with st.expander(md_escape(f"[{c.n}] {c.title}{page}")):
        st.caption(md_escape(c.doc))
        plain(c.text)
        yield
