"""Opening an app script in Streamlit's AppTest, signed in as someone (or signed out)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from knowledge.settings import Settings
from trainer.people.sessions import Sessions
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent


def open_page(
    script: str,
    username: str | None = None,
    *,
    lang: str | None = "en",
    last_seen: float | None = None,
    timeout: float = 60,
    state: dict[str, Any] | None = None,
) -> AppTest:
    """Run ``script`` (relative to the repository) once: as ``username`` (None: signed out), with the
    interface in ``lang`` (None: let the app choose), the session last active at ``last_seen``, and
    ``state`` put into the session first."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=timeout)
    if username:
        # A real server-side session (trainer/people/sessions.py), last active at ``last_seen``.
        db = open_db(Settings.from_env().app_db)
        try:
            token = Sessions(db, clock=lambda: last_seen or time.time()).create(username)
        finally:
            db.conn.close()
        at.session_state["auth"] = {"username": username, "token": token}
    if lang:
        at.session_state["lang"] = lang
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()
