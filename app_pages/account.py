"""My account: interface language, password, sign-out."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from trainer import people
from trainer.errors import TrainerError

user = ui.page_user("learner", "trainer", "admin")
svc = ui.services()

st.title(ui.tr("account_title"))
st.write(ui.tr("signed_in_as", name=user.name or user.username, role=ui.tr("role_" + user.role)))

if svc.settings.auth == "local":
    st.subheader(ui.tr("change_password"))
    with st.form("change_password", clear_on_submit=True):
        old = st.text_input(ui.tr("current_password"), type="password")
        new = st.text_input(ui.tr("new_password"), type="password", help=ui.tr("password_rules"))
        again = st.text_input(ui.tr("password_again"), type="password")
        if st.form_submit_button(ui.tr("save")):
            if new != again:
                st.error(ui.tr("passwords_differ"))
            else:
                try:
                    people.change_own_password(user, svc.accounts, old, new)
                except TrainerError as exc:
                    st.error(ui.error_text(exc))
                else:
                    # The change ended every session of the user, this one too: this tab gets a new one,
                    # and the browser its cookie now (a reload right after must not sign out).
                    ui.sign_in(svc.accounts.get(user.username))
                    st.success(ui.tr("password_changed_elsewhere"))
                    ui.sync_cookie()

if st.button(ui.tr("sign_out"), key="account_sign_out"):
    ui.sign_out()
    if svc.settings.auth == "oidc":
        st.logout()
    st.rerun()
