"""GovMedia Academy - the router: sign-in first, then the pages the user's role allows.

Every page in ``app_pages/`` checks the role again on the server side; hiding a link is only
a convenience. Run with ``streamlit run streamlit_app.py`` (``scripts/start.sh`` does it).

This one file plays two parts. ``streamlit run`` finds the ``st.App`` below (Streamlit's documented
ASGI entry point) and serves it with Uvicorn, adding our two HTTP routes that set and clear the
HttpOnly session cookie (app_pages/auth_routes.py); that import is not ``__main__``. Streamlit then
runs this same file as the page script (``__main__``), which is the router. AppTest runs it the same way.
"""

from __future__ import annotations

import streamlit as st

if __name__ != "__main__":  # imported by the server: the app with its cookie routes
    from app_pages.auth_routes import ROUTES

    app = st.App(__file__, routes=ROUTES)
else:
    from app_pages import ui
    from trainer.i18n import LANGUAGES

    st.set_page_config(page_title="GovMedia Academy · 政务新媒体学院", page_icon="📚", layout="wide")

    ALL = ("learner", "trainer", "admin")
    STAFF = ("trainer", "admin")
    # (script, title key, icon, roles); a page's address is its file name (/dashboard, /library ...).
    PAGES = [
        ("app_pages/ask.py", "page_ask", ":material/forum:", ALL),
        ("app_pages/learn.py", "page_courses", ":material/school:", ALL),
        ("app_pages/progress.py", "page_progress", ":material/trending_up:", ALL),
        ("app_pages/review.py", "page_review", ":material/event_repeat:", ALL),
        ("app_pages/check_draft.py", "page_check_draft", ":material/fact_check:", ALL),
        ("app_pages/reply_desk.py", "page_reply_desk", ":material/mark_chat_read:", ALL),
        ("app_pages/health.py", "page_health", ":material/monitor_heart:", ALL),
        ("app_pages/dashboard.py", "page_dashboard", ":material/insights:", STAFF),
        ("app_pages/library.py", "page_library", ":material/library_books:", STAFF),
        ("app_pages/people.py", "page_people", ":material/group:", STAFF),
        ("app_pages/account.py", "page_account", ":material/account_circle:", ALL),
    ]

    def url_path(script: str) -> str:
        return script.rsplit("/", 1)[-1].removesuffix(".py")

    def stand_in(script: str, title: str, addresses: list[str]) -> list[st.Page]:
        """``script`` as the default page and, hidden, at each of ``addresses``: whatever address was
        opened shows it (our page in the user's language, not Streamlit's "Page not found"), and the
        address stays in the browser, so the page asked for opens once the user may see it."""
        pages = [st.Page(script, title=title, default=True)]
        pages += [st.Page(script, title=title, url_path=a, visibility="hidden") for a in addresses]
        return pages

    def not_allowed() -> None:
        st.error(ui.tr("not_allowed"))

    user = ui.current_user()
    ui.sync_cookie()
    if user is None or user.must_change_password:
        script, title = ("app_pages/sign_in.py", "page_sign_in") if user is None else (
            "app_pages/change_password.py", "password_change_title"
        )  # fmt: skip
        st.navigation(stand_in(script, ui.tr(title), [url_path(p[0]) for p in PAGES]), position="hidden").run()
        st.stop()

    pages = []
    for script, title, icon, roles in PAGES:
        if user.can(*roles):
            pages.append(st.Page(script, title=ui.tr(title), icon=icon, default=script.endswith("/ask.py")))
        else:  # a staff address opened by a learner: our own refusal, in her language
            pages.append(
                st.Page(not_allowed, title=ui.tr(title), url_path=url_path(script), visibility="hidden")
            )  # fmt: skip
    page = st.navigation(pages)

    flash = st.session_state.pop("account_flash", "")
    if flash:
        st.toast(ui.tr(flash))

    with st.sidebar:
        st.caption(ui.tr("signed_in_as", name=user.name or user.username, role=ui.tr("role_" + user.role)))
        if due_for_review := ui.review_due(user):
            label = ui.tr("review_sidebar_due", n=due_for_review)
            st.page_link("app_pages/review.py", label=label, icon=":material/event_repeat:")
        choice = st.segmented_control(
            ui.tr("language"), list(LANGUAGES), format_func=LANGUAGES.__getitem__, default=ui.lang(), key="lang_choice"
        )
        if choice and choice != ui.lang():
            st.session_state["lang"] = choice
            ui.services().accounts.set_language(user.username, choice)
            st.rerun()
        if st.button(ui.tr("sign_out"), key="sign_out"):
            ui.sign_out()
            if ui.services().settings.auth == "oidc":
                st.logout()
            st.rerun()

    page.run()
