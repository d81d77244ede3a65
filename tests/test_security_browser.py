"""Direct URLs in a real browser (issue 8): typing a trainer's or an admin's page address must not show it.

``st.navigation`` names each page's URL after its file (``/dashboard``, ``/library``, ``/people``). A
signed-out visitor gets our sign-in form at any address (never Streamlit's "Page not found"); a learner
who signs in at such an address gets our refusal, her own pages and none of the staff page's content.
Real ``streamlit run`` on loopback, Debian's Chromium through Playwright.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import browser_tab, run_app
from tests.conftest import ARTIFACTS
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
STAFF_PAGES = {  # url path -> text only that page shows
    "dashboard": "Trainer dashboard",
    "library": "Knowledge-base documents",
    "people": "Add a person",
}
SECRET_DOC = "staff-only-rota.md"


@pytest.fixture
def server(clean_env: Path, tmp_path: Path) -> Iterator[str]:
    from knowledge.kb import KnowledgeBase
    from knowledge.settings import Settings

    accounts = Accounts(open_db(clean_env / "app.db"))
    accounts.create_user("chief", PASSWORD, "admin", language="en")
    accounts.create_user("lin", PASSWORD, "learner", name="Lin", language="en")
    note = tmp_path / SECRET_DOC
    note.write_text("# Duty rota\n\nThe duty editor checks messages every 4 hours.\n", encoding="utf-8")
    kb = KnowledgeBase(Settings.from_env())
    kb.ingest([note], kind="manual", added_by="chief")
    kb.close()
    yield from run_app(clean_env)


@pytest.fixture
def page() -> Iterator:  # type: ignore[type-arg]
    with browser_tab() as tab:
        yield tab


def no_page_not_found(tab) -> None:  # type: ignore[no-untyped-def]
    """Streamlit says "Page not found" (in English) in a dialog when the address names a page this session
    lacks; the router registers every address, so the app answers with its own page instead."""
    tab.wait_for_timeout(1500)  # the dialog would come with the page's first delta
    if tab.get_by_role("dialog").count():
        tab.screenshot(path=str(ARTIFACTS / "security-page-not-found.png"))
        raise AssertionError("Streamlit's dialog: " + tab.get_by_role("dialog").inner_text())


def shown(tab) -> str:  # type: ignore[no-untyped-def]
    return str(tab.locator("body").inner_text())


def test_staff_page_urls_show_nothing_to_signed_out_visitors_or_learners(server: str, page) -> None:  # type: ignore[no-untyped-def]
    # the url paths st.navigation uses are the ones probed here: an admin reaches each of them
    page.goto(server)
    page.get_by_label("User name").fill("chief")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Ask the knowledge base").first.wait_for()
    for path, marker in STAFF_PAGES.items():
        page.get_by_role("link", name=path.capitalize()).click()
        page.get_by_text(marker).first.wait_for()
        assert page.url.rstrip("/").endswith("/" + path)

    for path, marker in STAFF_PAGES.items():
        page.context.clear_cookies()
        page.goto(f"{server}/{path}")  # a new browser session: signed out
        page.get_by_text("Sign in to GovMedia Academy").wait_for()
        text = shown(page)
        assert marker not in text and SECRET_DOC not in text, f"/{path} signed out"
        no_page_not_found(page)

        page.get_by_label("User name").fill("lin")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Your role may not use this page.").wait_for()  # our refusal at the address asked for
        no_page_not_found(page)
        text = shown(page)
        assert marker not in text and SECRET_DOC not in text, f"/{path} as a learner"
        page.get_by_role("link", name="Ask", exact=True).click()  # her own pages are a click away
        page.get_by_text("Ask the knowledge base").first.wait_for()
        links = [str(t).strip() for t in page.get_by_role("link").all_inner_texts()]
        assert not {"Dashboard", "Library", "People"} & set(links), links
