"""Sessions in a real browser (issue 19): reloads, direct addresses, other tabs, sign-out everywhere, the
HttpOnly cookie, and the password an administrator handed over. Real ``streamlit run`` on loopback (the
st.App with its cookie routes), Debian's Chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium, fill_sign_in, new_tab, run_app, session_cookie
from tests.conftest import ARTIFACTS
from trainer.people import manage as people
from trainer.people.accounts import Accounts
from trainer.people.sessions import COOKIE_NAME
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
HANDED: dict[str, str] = {}  # user name -> the password an administrator was shown
VIEW = {"width": 1280, "height": 900}


@pytest.fixture
def server(clean_env: Path) -> Iterator[str]:
    accounts = Accounts(open_db(clean_env / "app.db"))
    chief = accounts.create_user("chief", PASSWORD, "admin", language="en")
    wang, HANDED["wang"] = people.add_user(chief, accounts, "wang", "learner")
    accounts.set_language(wang.username, "en")
    accounts.db.conn.close()
    yield from run_app(clean_env)


def body(tab) -> str:  # type: ignore[no-untyped-def]
    return str(tab.locator("body").inner_text())


def no_page_not_found(tab) -> None:  # type: ignore[no-untyped-def]
    tab.wait_for_timeout(1500)  # Streamlit's dialog would come with the page's first delta
    assert tab.get_by_role("dialog").count() == 0, body(tab)
    assert "Page not found" not in body(tab)


def test_a_session_survives_reloads_and_links_and_sign_out_ends_it_everywhere(server: str) -> None:
    with chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport=VIEW)
        tab = new_tab(context)
        tab.goto(f"{server}/dashboard")  # a staff address, signed out, in a Chinese browser
        tab.get_by_text("登录政务新媒体学院").wait_for()  # our sign-in page, in the browser's language
        no_page_not_found(tab)
        assert "Trainer dashboard" not in body(tab) and "培训看板" not in body(tab)
        fill_sign_in(tab, "chief", PASSWORD, lang="zh")
        tab.get_by_text("Trainer dashboard").first.wait_for()  # the page asked for (chief reads English)
        assert tab.url.rstrip("/").endswith("/dashboard")

        cookie = session_cookie(context)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # http on loopback
        assert COOKIE_NAME not in tab.evaluate("document.cookie")  # page scripts cannot read it
        tab.evaluate(f"document.cookie = '{COOKIE_NAME}=forged; path=/'")  # nor overwrite it
        assert session_cookie(context)["value"] == cookie["value"]

        tab.reload()  # F5
        tab.get_by_text("Trainer dashboard").first.wait_for()
        no_page_not_found(tab)
        tab.goto(f"{server}/library")  # a link opened in the same browser
        tab.get_by_text("Knowledge-base documents").first.wait_for()
        other = new_tab(context)
        other.goto(f"{server}/people")
        other.get_by_text("Add a person").first.wait_for()
        tab.screenshot(path=str(ARTIFACTS / "sessions-signed-in-after-reload.png"))

        tab.get_by_role("button", name="Sign out").click()
        tab.get_by_text("Sign in to GovMedia Academy").wait_for()
        for _ in range(50):  # the sign-out response deletes the cookie
            if not [c for c in context.cookies() if c["name"] == COOKIE_NAME]:
                break
            tab.wait_for_timeout(200)
        else:
            raise AssertionError("the session cookie outlived the sign-out")

        other.get_by_role("link", name="Courses").click()  # the other tab's next action
        other.get_by_text("Sign in to GovMedia Academy").wait_for()
        assert "Add a person" not in body(other)
        tab.reload()  # a new page session: signed out, in the browser's language again
        tab.get_by_text("登录政务新媒体学院").wait_for()

        # The session ended on the server: the old cookie, put back by hand, signs nobody in.
        context.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
        tab.goto(f"{server}/people")
        tab.get_by_text("登录政务新媒体学院").wait_for()
        assert "Add a person" not in body(tab)
        context.close()


def test_a_handed_over_password_is_changed_before_anything_else(server: str, clean_env: Path) -> None:
    with chromium() as browser:
        first = browser.new_context(locale="en-US", viewport=VIEW)
        second = browser.new_context(locale="en-US", viewport=VIEW)  # another browser, same person
        tab, elsewhere = new_tab(first), new_tab(second)
        for t in (tab, elsewhere):
            t.goto(f"{server}/check_draft")
            fill_sign_in(t, "wang", HANDED["wang"])
            t.get_by_text("Choose your own password").wait_for()
            no_page_not_found(t)
            assert "Check a draft before publishing" not in body(t)

        tab.goto(f"{server}/progress")  # every address leads to the same form
        tab.get_by_text("Choose your own password").wait_for()
        assert "My progress" not in body(tab).replace("Choose your own password", "")
        tab.screenshot(path=str(ARTIFACTS / "sessions-forced-password-change.png"))
        old_cookie = session_cookie(first)["value"]

        tab.get_by_label("The password you were given").fill(HANDED["wang"])
        tab.get_by_label("New password", exact=True).fill("my own quiet harbour")
        tab.get_by_label("Password again", exact=True).fill("my own quiet harbour")
        tab.get_by_role("button", name="Save").click()
        tab.get_by_text("My progress").first.wait_for()  # the page that was asked for
        assert "Choose your own password" not in body(tab)
        for _ in range(50):  # this tab's new session reaches the cookie
            if session_cookie(first)["value"] != old_cookie:
                break
            tab.wait_for_timeout(200)
        else:
            raise AssertionError("the cookie still names the session the password change ended")
        tab.reload()
        tab.get_by_text("My progress").first.wait_for()

        elsewhere.get_by_label("The password you were given").fill("anything at all")  # its next action
        elsewhere.get_by_role("button", name="Save").click()
        elsewhere.get_by_text("Sign in to GovMedia Academy").wait_for()
        fill_sign_in(elsewhere, "wang", "my own quiet harbour")
        elsewhere.get_by_text("My progress").first.wait_for()  # no form any more

        # An administrator's reset: signed out everywhere, and the form again at the next sign-in.
        accounts = Accounts(open_db(clean_env / "app.db"))
        reset = people.reset_password(accounts.get("chief"), accounts, "wang")
        accounts.db.conn.close()
        tab.reload()
        tab.get_by_text("Sign in to GovMedia Academy").wait_for()
        fill_sign_in(tab, "wang", reset)
        tab.get_by_text("Choose your own password").wait_for()
        first.close()
        second.close()
