"""My account: the health of the accounts I manage, password, sign-out."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages import ui
from desk import health

user = ui.page_user("learner", "trainer", "admin")
svc = ui.services()

st.title(ui.tr("account_title"))
st.write(ui.tr("signed_in_as", name=user.name or user.username, role=ui.tr("role_" + user.role)))

# The official accounts this person manages, measured as of today: what the health check finds and
# the module that teaches the fix (the full report is on the Account health page).
store = health.HealthStore(svc.db)
me = user.username.lower()
mine = [a for a in store.accounts(user) if me in (m.lower() for m in a["managers"])]
if mine:
    L = ui.lang()
    today = health.today_cst()
    st.subheader(ui.tr("my_accounts_title"))
    for account in mine:
        report = store.report(user, int(account["id"]), as_of=today, start=today - dt.timedelta(days=364), end=today)
        with st.container(border=True):
            st.markdown(f"**{ui.md_inline(account['name'])}**")
            if not report.findings:
                st.caption(ui.tr("health_no_findings"))
            for f in report.findings:
                line = f"{health.finding_text(f, L)} {health.finding_module_text(f, L)}"
                (st.error if f.level == "red" else st.warning)(ui.md_escape(line))
    st.page_link("app_pages/health.py", label=ui.tr("my_accounts_link"), icon=":material/monitor_heart:")

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
