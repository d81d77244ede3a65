"""What every page shares: the process-wide services, the signed-in user, the language, safe text.

Pages stay thin: they read widgets, call the packages (``knowledge``, ``trainer``) and render.
Role checks happen here for the page and again inside every package action.
"""

from __future__ import annotations

import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
import streamlit as st

from courses.content import default_root, load_catalog
from courses.errors import CourseError
from knowledge.answer import Citation
from knowledge.kb import KnowledgeBase
from knowledge.llm import make_chat_model
from knowledge.settings import Settings
from trainer.accounts import Accounts, User, require_role, session_expired
from trainer.asklog import AskLog
from trainer.db import open_db
from trainer.errors import PermissionDenied
from trainer.i18n import preferred_language, t
from trainer.learning import Learning


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
    db = open_db(settings.app_db)
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


# ---------------------------------------------------------------------- who is signed in
def sign_in(user: User) -> None:
    st.session_state["auth"] = {"username": user.username, "last_seen": time.time()}
    st.session_state.pop("lang", None)  # take the user's saved language


def sign_out(reason: str = "") -> None:
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    if reason:
        st.session_state["flash"] = reason


def current_user() -> User | None:
    """The signed-in, active user, re-read from the database on every run (so a role change or
    deactivation takes effect at once); None after sign-out or idle expiry."""
    auth = st.session_state.get("auth")
    if not auth:
        return None
    svc = services()
    now = time.time()
    if session_expired(float(auth["last_seen"]), now, svc.settings.idle_minutes):
        sign_out("session_expired")
        return None
    user = svc.accounts.find(auth["username"])
    if user is None or not user.active:
        sign_out()
        return None
    auth["last_seen"] = now
    return user


def page_user(*roles: str) -> User:
    """The first line of every page: the user, or a refusal and nothing else rendered."""
    user = current_user()
    try:
        return require_role(user, *roles)
    except PermissionDenied:
        st.error(tr("not_allowed"))
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers so


def still(svc: Services, user: User, *roles: str) -> User:
    """``user`` as app.db has them now, with the role check made again (PermissionDenied otherwise).

    For downloads whose data is built when clicked (``st.download_button(data=callable)``): the click
    may come long after the page rendered, after a deactivation or a role change, and it runs outside
    the page - the check must see the account as it is then, not the page's copy of it.
    """
    return require_role(svc.accounts.find(user.username), *roles)


# ---------------------------------------------------------------------- safe text
_MD_SPECIAL = set(string.punctuation)


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
