"""Sign-in, and on the very first start the form that creates the first administrator."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from trainer.errors import TrainerError
from trainer.i18n import LANGUAGES

svc = ui.services()

choice = st.segmented_control(
    ui.tr("language"), list(LANGUAGES), format_func=LANGUAGES.get, default=ui.lang(), key="lang_choice_signin"
)
if choice and choice != ui.lang():
    st.session_state["lang"] = choice
    st.rerun()

flash = st.session_state.pop("flash", "")
if flash:
    st.info(ui.tr(flash))

if not svc.accounts.has_users():
    st.title(ui.tr("first_admin_title"))
    st.write(ui.tr("first_admin_intro"))
    with st.form("first_admin"):
        username = st.text_input(ui.tr("username"))
        name = st.text_input(ui.tr("full_name"))
        password = st.text_input(ui.tr("password"), type="password", help=ui.tr("password_rules"))
        again = st.text_input(ui.tr("password_again"), type="password")
        if st.form_submit_button(ui.tr("create_admin"), type="primary"):
            if password != again:
                st.error(ui.tr("passwords_differ"))
            else:
                try:
                    admin = svc.accounts.create_first_admin(username, password, name=name)
                except TrainerError as exc:
                    st.error(ui.error_text(exc))
                else:
                    admin_lang = ui.lang()
                    svc.accounts.set_language(admin.username, admin_lang)
                    ui.sign_in(admin)
                    st.rerun()
    st.stop()

st.title(ui.tr("sign_in_title"))
if svc.settings.auth == "oidc":
    # Single sign-on: the identity provider says who this is; app.db still says what they may do.
    if not st.user.get("is_logged_in", False):
        if st.button(ui.tr("sso_sign_in"), type="primary"):
            try:
                st.login()
            except Exception as exc:  # Streamlit raises its own error types when [auth] is not configured
                st.error(ui.md_escape(f"{ui.tr('sso_not_configured')} ({exc})"))
        st.stop()
    email = str(st.user.get("email") or "")
    found = svc.accounts.find(email)
    if found is None or not found.active:
        st.warning(ui.tr("sso_no_account", email=email))
        st.stop()
    ui.sign_in(found)
    st.rerun()

with st.form("sign_in"):
    username = st.text_input(ui.tr("username"))
    password = st.text_input(ui.tr("password"), type="password")
    if st.form_submit_button(ui.tr("sign_in"), type="primary"):
        try:
            user = svc.accounts.authenticate(username, password)
        except TrainerError as exc:
            st.error(ui.error_text(exc))
        else:
            ui.sign_in(user)
            st.rerun()
