"""The only page for someone whose password was handed over (a new account, an import, a reset):
they choose their own before anything else, as Moodle asks. The router shows it at every address."""

from __future__ import annotations

import streamlit as st

from app_pages import ui

user = ui.current_user()
if user is None:  # only the router opens this page, for a signed-in user; run alone, it refuses like the others
    st.error(ui.tr("not_allowed"))
    st.stop()
    raise SystemExit  # st.stop() raises; this line only tells type checkers so
svc = ui.services()

st.title(ui.tr("password_change_title"))
st.info(ui.tr("password_change_required"))
if ui.password_form(svc, user, "forced_password_change", handed_over=True):
    st.session_state["account_flash"] = "password_changed_elsewhere"
    st.rerun()

if st.button(ui.tr("sign_out"), key="forced_sign_out"):
    ui.sign_out()
    st.rerun()
