"""My account: interface language, password, sign-out."""

from __future__ import annotations

import streamlit as st

from app_pages import ui

user = ui.page_user("learner", "trainer", "admin")
svc = ui.services()

st.title(ui.tr("account_title"))
st.write(ui.tr("signed_in_as", name=user.name or user.username, role=ui.tr("role_" + user.role)))

if svc.settings.auth == "local":
    st.subheader(ui.tr("change_password"))
    if ui.password_form(svc, user, "change_password", handed_over=False):
        st.success(ui.tr("password_changed_elsewhere"))
        ui.sync_cookie()  # the browser gets its new cookie now: a reload right after must not sign out

if st.button(ui.tr("sign_out"), key="account_sign_out"):
    ui.sign_out()
    if svc.settings.auth == "oidc":
        st.logout()
    st.rerun()
