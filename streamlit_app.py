"""GovMedia Academy - the router: sign-in first, then the pages the user's role allows.

Every page in ``app_pages/`` checks the role again on the server side; hiding a link is only
a convenience. Run with ``streamlit run streamlit_app.py`` (``scripts/start.sh`` does it).
"""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from trainer.i18n import LANGUAGES

st.set_page_config(page_title="GovMedia Academy · 政务新媒体学院", page_icon="📚", layout="wide")

user = ui.current_user()
if user is None:
    page = st.navigation(
        [st.Page("app_pages/sign_in.py", title=ui.tr("page_sign_in"), icon=":material/login:")], position="hidden"
    )
    page.run()
    st.stop()

pages = [
    st.Page("app_pages/ask.py", title=ui.tr("page_ask"), icon=":material/forum:", default=True),
    st.Page("app_pages/learn.py", title=ui.tr("page_courses"), icon=":material/school:"),
    st.Page("app_pages/progress.py", title=ui.tr("page_progress"), icon=":material/trending_up:"),
    st.Page("app_pages/check_draft.py", title=ui.tr("page_check_draft"), icon=":material/fact_check:"),
    st.Page("app_pages/reply_desk.py", title=ui.tr("page_reply_desk"), icon=":material/mark_chat_read:"),
]
if user.can("trainer", "admin"):
    pages.append(st.Page("app_pages/dashboard.py", title=ui.tr("page_dashboard"), icon=":material/insights:"))
    pages.append(st.Page("app_pages/library.py", title=ui.tr("page_library"), icon=":material/library_books:"))
    pages.append(st.Page("app_pages/people.py", title=ui.tr("page_people"), icon=":material/group:"))
pages.append(st.Page("app_pages/account.py", title=ui.tr("page_account"), icon=":material/account_circle:"))
page = st.navigation(pages)

with st.sidebar:
    st.caption(ui.tr("signed_in_as", name=user.name or user.username, role=ui.tr("role_" + user.role)))
    choice = st.segmented_control(
        ui.tr("language"), list(LANGUAGES), format_func=LANGUAGES.get, default=ui.lang(), key="lang_choice"
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
