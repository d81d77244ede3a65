"""People: accounts. Trainers manage learners; admins manage everyone (``trainer.people.manage`` checks)."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from courses.errors import CourseError
from trainer.analytics import reports
from trainer.errors import TrainerError
from trainer.people import manage as people
from trainer.people import roster
from trainer.people.accounts import ROLES

user = ui.page_user(*people.MANAGERS)
svc = ui.services()
roles = list(ROLES) if user.role == "admin" else ["learner"]
role_names = {r: ui.tr("role_" + r) for r in ROLES}  # resolved now: widgets call format_func later
DASH = "–"

st.title(ui.tr("people_title"))

once = st.session_state.pop("password_once", None)
if once:
    st.success(ui.tr(once["message"], username=once["username"]))
    st.code(once["password"], language=None)

users = people.list_users(user, svc.accounts)
st.dataframe(
    [
        {
            ui.tr("username"): u.username,
            ui.tr("full_name"): u.name,
            ui.tr("department"): u.department or DASH,
            ui.tr("role"): role_names[u.role],
            ui.tr("active"): ui.tr("yes") if u.active else ui.tr("no"),
        }
        for u in users
    ],
    hide_index=True,
    width="stretch",
)

with st.expander(ui.tr("add_user"), expanded=len(users) < 2):
    with st.form("add_user", clear_on_submit=True):
        cols = st.columns(2)
        username = cols[0].text_input(ui.tr("username"))
        name = cols[1].text_input(ui.tr("full_name"))
        department = cols[0].text_input(ui.tr("department"))
        role = cols[1].selectbox(ui.tr("role"), roles, format_func=role_names.__getitem__)
        password = st.text_input(ui.tr("initial_password"), type="password", help=ui.tr("password_rules"))
        if st.form_submit_button(ui.tr("create"), type="primary"):
            try:
                created, shown = people.add_user(
                    user, svc.accounts, username, str(role), name=name, department=department, password=password
                )
            except TrainerError as exc:
                st.error(ui.md_escape(ui.error_text(exc)))
            else:
                st.session_state["password_once"] = {
                    "message": "created_with_password",
                    "username": created.username,
                    "password": shown if not password else "••••••••••",
                }
                st.rerun()

manageable = [u.username for u in users if u.role in roles]
if manageable:
    target = st.selectbox(
        ui.tr("pick_user"), manageable, index=None, key="people_target", placeholder=ui.tr("choose_one")
    )
    if target:
        chosen = next(u for u in users if u.username == target)
        cols = st.columns(2)
        if cols[0].button(ui.tr("reset_password"), key="reset_password"):
            try:
                new = people.reset_password(user, svc.accounts, target)
            except TrainerError as exc:
                st.error(ui.md_escape(ui.error_text(exc)))
            else:
                st.session_state["password_once"] = {
                    "message": "new_password_once",
                    "username": target,
                    "password": new,
                }
                st.rerun()
        toggle = ui.tr("deactivate") if chosen.active else ui.tr("activate")
        if cols[1].button(toggle, key="toggle_active"):
            try:
                people.set_active(user, svc.accounts, target, not chosen.active)
            except TrainerError as exc:
                st.error(ui.md_escape(ui.error_text(exc)))
            else:
                st.rerun()

# ------------------------------------------------------------------ bulk import
with st.expander(ui.tr("import_title")):
    st.caption(ui.tr("import_help"))
    with st.form("import_users", clear_on_submit=True):
        ui.uploader_in_language("import_file", 2, ["csv", "txt"])
        upload = st.file_uploader("CSV", type=["csv", "txt"], max_upload_size=2, key="import_file")
        go = st.form_submit_button(ui.tr("import_button"), type="primary")
    if go and upload is not None:
        try:
            result = roster.import_users(user, svc.accounts, upload.getvalue())
        except roster.RosterInvalid as exc:
            for err in exc.errors:
                st.error(ui.md_escape(ui.tr("row_error", row=err.row, message=err.message)))
        except TrainerError as exc:
            st.error(ui.md_escape(ui.error_text(exc)))
        else:
            st.success(ui.tr("imported", n=len(result.users)))
            if result.generated:
                st.download_button(
                    ui.tr("import_passwords"),
                    data=result.passwords_csv(),
                    file_name="new-passwords.csv",
                    mime="text/csv",
                    key="import_passwords",
                    on_click="ignore",
                )

# ------------------------------------------------------------------ assign courses
try:
    learning = ui.learning()
except CourseError:
    learning = None
if learning is not None:
    with st.expander(ui.tr("assign_title")):
        course_titles = {c.id: c.title.get(ui.lang()) for c in learning.catalog.courses}
        learners = [u.username for u in users if u.role == "learner" and u.active]
        with st.form("assign"):
            course_id = st.selectbox(ui.tr("course"), list(course_titles), format_func=course_titles.__getitem__)
            names = {u.username: f"{u.name} ({u.username})" if u.name else u.username for u in users}
            picked = st.multiselect(
                ui.tr("assign_people"),
                learners,
                format_func=names.__getitem__,
                placeholder=ui.tr("choose_many"),
                select_all=False,
            )
            group_options = sorted({u.department for u in users if u.department})
            group = st.selectbox(ui.tr("assign_group"), group_options, index=None, placeholder=ui.tr("choose_one"))
            due = st.date_input(ui.tr("due"), value=None)
            if st.form_submit_button(ui.tr("assign_button")):
                chosen = set(picked)
                if group:
                    chosen |= {u.username for u in users if u.department == group and u.role == "learner"}
                try:
                    n = reports.assign(user, svc.db, sorted(chosen), str(course_id), due)
                except TrainerError as exc:
                    st.error(ui.md_escape(ui.error_text(exc)))
                else:
                    st.success(ui.tr("assigned", n=n))
