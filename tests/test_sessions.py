"""Server-side sessions (trainer/people/sessions.py), the cookie routes (app_pages/auth_routes.py) and the
password a user must change: real SQLite in a temp folder, a hand-moved clock, Starlette's test client."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.conftest import Clock
from trainer.people import manage as people
from trainer.people import roster
from trainer.people.accounts import Accounts
from trainer.people.sessions import COOKIE_NAME, TICKET_TTL_S, SessionExpired, Sessions
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
IDLE = 30.0  # minutes


@pytest.fixture
def accounts(tmp_path: Path, clock: Clock) -> Accounts:
    accounts = Accounts(open_db(tmp_path / "app.db"), clock=clock)
    accounts.create_user("ada", PASSWORD, "admin")
    accounts.create_user("lin", PASSWORD, "learner")
    return accounts


@pytest.fixture
def sessions(accounts: Accounts, clock: Clock) -> Sessions:
    return Sessions(accounts.db, clock=clock)


def stored_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.glob("app.db*"))


def test_a_session_resolves_to_its_user_and_only_its_hash_is_stored(sessions: Sessions, tmp_path: Path) -> None:
    token = sessions.create("lin")
    other = sessions.create("lin")
    assert token != other and len(token) >= 43  # 256 random bits, URL-safe
    assert sessions.resolve(token, IDLE) == "lin"
    assert sessions.resolve(token + "x", IDLE) is None
    assert sessions.resolve("", IDLE) is None
    raw = stored_bytes(tmp_path)
    assert token.encode() not in raw and other.encode() not in raw
    assert hashlib.sha256(token.encode()).hexdigest().encode() in raw


def test_idle_sessions_expire_and_activity_keeps_them(sessions: Sessions, clock: Clock) -> None:
    token = sessions.create("lin")
    clock.now += IDLE * 60 - 1
    assert sessions.resolve(token, IDLE) == "lin"  # in time: the idle clock starts again
    clock.now += IDLE * 60 - 1
    assert sessions.resolve(token, IDLE) == "lin"
    clock.now += IDLE * 60 + 1
    with pytest.raises(SessionExpired):
        sessions.resolve(token, IDLE)
    assert sessions.resolve(token, IDLE) is None  # forgotten, not expired again
    assert sessions.count("lin") == 0


def test_sign_out_ends_the_session_for_every_tab_that_shares_it(sessions: Sessions) -> None:
    token, elsewhere = sessions.create("lin"), sessions.create("lin")
    sessions.revoke(token)
    assert sessions.resolve(token, IDLE) is None
    assert sessions.resolve(elsewhere, IDLE) == "lin"  # another browser's own sign-in stays


def test_deactivation_ends_every_session_of_the_user_at_once(accounts: Accounts, sessions: Sessions) -> None:
    lin = [sessions.create("lin") for _ in range(3)]
    ada = sessions.create("ada")
    accounts.set_active("lin", False)
    assert all(sessions.resolve(t, IDLE) is None for t in lin)
    assert sessions.resolve(ada, IDLE) == "ada"
    accounts.set_active("lin", True)
    assert all(sessions.resolve(t, IDLE) is None for t in lin)  # reactivating does not bring them back


def test_a_password_change_ends_every_session(accounts: Accounts, sessions: Sessions) -> None:
    first, second = sessions.create("lin"), sessions.create("lin")
    people.change_own_password(accounts.get("lin"), accounts, PASSWORD, "a brand new secret")
    assert sessions.resolve(first, IDLE) is None and sessions.resolve(second, IDLE) is None
    ada = sessions.create("ada")
    new = accounts.reset_password("lin")
    assert accounts.authenticate("lin", new).username == "lin"
    assert sessions.resolve(ada, IDLE) == "ada"  # someone else's reset is not mine


def test_revoke_user_can_keep_one_session(sessions: Sessions) -> None:
    keep, drop = sessions.create("lin"), sessions.create("lin")
    sessions.revoke_user("lin", keep=keep)
    assert sessions.resolve(keep, IDLE) == "lin" and sessions.resolve(drop, IDLE) is None


def test_a_ticket_is_exchanged_once_in_time_and_never_stored_in_clear(
    sessions: Sessions, clock: Clock, tmp_path: Path
) -> None:
    token = sessions.create("lin")
    ticket = sessions.issue_ticket(token)
    raw = stored_bytes(tmp_path)
    assert ticket.encode() not in raw and token.encode() not in raw
    assert sessions.ticket_pending(ticket)
    assert sessions.redeem_ticket(ticket) == token
    assert sessions.redeem_ticket(ticket) is None  # one use
    assert not sessions.ticket_pending(ticket)

    late = sessions.issue_ticket(token)
    clock.now += TICKET_TTL_S + 1
    assert not sessions.ticket_pending(late)
    assert sessions.redeem_ticket(late) is None
    assert sessions.redeem_ticket("") is None and sessions.redeem_ticket("made-up") is None


def test_prune_forgets_idle_sessions_and_old_tickets(sessions: Sessions, clock: Clock, accounts: Accounts) -> None:
    old = sessions.create("lin")
    sessions.issue_ticket(old)
    clock.now += IDLE * 60 + 1
    fresh = sessions.create("ada")
    sessions.prune(IDLE)
    assert sessions.count("lin") == 0 and sessions.count("ada") == 1
    assert accounts.db.execute("SELECT count(*) FROM session_tickets").fetchone()[0] == 0
    assert sessions.resolve(fresh, IDLE) == "ada"


# ---------------------------------------------------------------------- a handed-over password
def test_handed_over_passwords_must_be_changed_own_ones_not(accounts: Accounts, tmp_path: Path) -> None:
    admin = accounts.get("ada")
    assert not admin.must_change_password and not accounts.get("lin").must_change_password
    first = Accounts(open_db(tmp_path / "another" / "app.db"))
    assert not first.create_first_admin("boss", PASSWORD).must_change_password  # chose it herself

    added, shown = people.add_user(admin, accounts, "wang", "learner")
    assert added.must_change_password
    result = roster.import_users(admin, accounts, "username,role,password\nsun,learner,moon-river-pass\nli,learner\n")
    assert {u.username for u in result.users} == {"sun", "li"}
    assert accounts.get("sun").must_change_password and accounts.get("li").must_change_password

    people.change_own_password(accounts.get("wang"), accounts, shown, "a secret of my own")
    assert not accounts.get("wang").must_change_password
    people.reset_password(admin, accounts, "wang")
    assert accounts.get("wang").must_change_password  # a reset is handed over too


# ---------------------------------------------------------------------- the cookie routes
@pytest.fixture
def client(sessions: Sessions, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    from app_pages import auth_routes

    monkeypatch.setattr(auth_routes, "sessions", lambda: sessions)
    return TestClient(Starlette(routes=auth_routes.ROUTES), base_url="http://academy.test")


SAME_ORIGIN = {"Origin": "http://academy.test"}


def test_the_session_route_sets_an_httponly_strict_cookie_for_a_ticket(client: TestClient, sessions: Sessions) -> None:
    token = sessions.create("lin")
    response = client.post("/auth/session", json={"ticket": sessions.issue_ticket(token)}, headers=SAME_ORIGIN)
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}={token};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie  # plain http on loopback; a browser-session cookie

    secure = TestClient(client.app, base_url="https://academy.test")
    ticket = sessions.issue_ticket(token)
    response = secure.post("/auth/session", json={"ticket": ticket}, headers={"Origin": "https://academy.test"})
    assert response.status_code == 204 and "Secure" in response.headers["set-cookie"]


def test_the_session_route_refuses_other_origins_and_bad_tickets(client: TestClient, sessions: Sessions) -> None:
    ticket = sessions.issue_ticket(sessions.create("lin"))
    assert client.post("/auth/session", json={"ticket": ticket}).status_code == 403  # no Origin
    evil = {"Origin": "http://evil.test"}
    assert client.post("/auth/session", json={"ticket": ticket}, headers=evil).status_code == 403
    assert sessions.ticket_pending(ticket)  # a refused request does not spend it
    for body in ({"ticket": "made-up"}, {"ticket": 5}, {}):
        response = client.post("/auth/session", json=body, headers=SAME_ORIGIN)
        assert response.status_code == 400 and "set-cookie" not in response.headers
    assert client.post("/auth/session", content=b"not json", headers=SAME_ORIGIN).status_code == 400
    assert client.get("/auth/session").status_code == 405


def test_the_sign_out_route_ends_the_session_and_deletes_the_cookie(client: TestClient, sessions: Sessions) -> None:
    token = sessions.create("lin")
    client.cookies.set(COOKIE_NAME, token)
    assert client.post("/auth/sign-out", headers={"Origin": "http://evil.test"}).status_code == 403
    assert sessions.resolve(token, IDLE) == "lin"
    response = client.post("/auth/sign-out", headers=SAME_ORIGIN)
    assert response.status_code == 204
    assert f'{COOKIE_NAME}=""' in response.headers["set-cookie"] and "Max-Age=0" in response.headers["set-cookie"]
    assert sessions.resolve(token, IDLE) is None


# ---------------------------------------------------------------------- the router, in AppTest
def test_the_router_shows_only_the_password_form_until_it_is_changed(clean_env: Path) -> None:
    from tests.apptest import open_page

    accounts = Accounts(open_db(clean_env / "app.db"))
    chief = accounts.create_user("chief", PASSWORD, "admin", language="en")
    _, handed = people.add_user(chief, accounts, "wang", "trainer")
    accounts.set_language("wang", "en")

    at = open_page("streamlit_app.py", "wang")
    assert [t.value for t in at.title] == ["Choose your own password"]
    assert not at.sidebar.button  # no menu, no other page
    at.text_input[0].input(handed)
    at.text_input[1].input("a password of my own")
    at.text_input[2].input("a password of my own")
    at.button[0].click().run()
    assert not at.exception
    assert "Ask the knowledge base" in [t.value for t in at.title]
    assert not accounts.get("wang").must_change_password
    token = at.session_state["auth"]["token"]
    assert Sessions(accounts.db).resolve(token, IDLE) == "wang"  # a new session for this tab
    assert at.session_state["cookie_ticket"]  # and a ticket for the browser's cookie
    assert any("signed out on every other" in t.value for t in at.toast)


def test_changing_the_password_on_my_account_ends_the_other_sessions_not_this_tab(clean_env: Path) -> None:
    from tests.apptest import open_page

    accounts = Accounts(open_db(clean_env / "app.db"))
    accounts.create_user("lin", PASSWORD, "learner", language="en")
    elsewhere = Sessions(accounts.db).create("lin")  # signed in on another device
    at = open_page("app_pages/account.py", "lin")
    before = at.session_state["auth"]["token"]
    at.text_input[0].input(PASSWORD)
    at.text_input[1].input("a brand new secret")
    at.text_input[2].input("a brand new secret")
    at.button[0].click().run()
    assert any("signed out on every other" in s.value for s in at.success)
    sessions = Sessions(accounts.db)
    assert sessions.resolve(elsewhere, IDLE) is None and sessions.resolve(before, IDLE) is None
    assert sessions.resolve(at.session_state["auth"]["token"], IDLE) == "lin"  # this tab: a new session
    assert at.get("html")  # the script that brings the new session's cookie to the browser
    at.run()
    assert "My account" in [t.value for t in at.title]  # still signed in on the next action
