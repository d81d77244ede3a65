"""The only page for someone whose password was handed over (a new account, an import, a reset):
they choose their own before anything else, as Moodle asks. The router shows it at every address."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from trainer import people
from trainer.errors import TrainerError

user = ui.current_user()
if user is None:  # only the router opens this page, for a signed-in user; run alone, it refuses like the others
    st.error(ui.tr("not_allowed"))
    st.stop()
    raise SystemExit  # st.stop() raises; this line only tells type checkers so
svc = ui.services()

st.title(ui.tr("password_change_title"))
st.info(ui.tr("password_change_required"))
with st.form("forced_password_change", clear_on_submit=True):
    old = st.text_input(ui.tr("password_handed_over"), type="password")
    new = st.text_input(ui.tr("new_password"), type="password", help=ui.tr("password_rules"))
    again = st.text_input(ui.tr("password_again"), type="password")
    if st.form_submit_button(ui.tr("save"), type="primary"):
        if new != again:
            st.error(ui.tr("passwords_differ"))
        elif new == old:
            st.error(ui.tr("password_same_as_given"))
        else:
            try:
                people.change_own_password(user, svc.accounts, old, new)
            except TrainerError as exc:
                st.error(ui.error_text(exc))
            else:
                # Every session of the user ended with the change; this tab gets a new one.
                ui.sign_in(svc.accounts.get(user.username))
                st.session_state["account_flash"] = "password_changed_elsewhere"
                st.rerun()

if st.button(ui.tr("sign_out"), key="forced_sign_out"):
    ui.sign_out()
    st.rerun()
