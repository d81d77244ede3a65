"""My progress: modules read, passed and completed; the certificate; checking a certificate's code."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from trainer.errors import TrainerError
from trainer.learning import EVERYONE, certificate_html
from trainer.replydesk import ReplyDesk

user = ui.page_user(*EVERYONE)
L = ui.lang()

st.title(ui.tr("progress_title"))
learning = ui.learning_or_stop()

for course in learning.catalog.courses:
    progress = learning.progress(user, course.id)
    st.subheader(course.title.get(L))
    st.progress(progress.share, text=f"{round(progress.share * 100)}%")
    rows = []
    for module, state in zip(course.modules, progress.modules, strict=True):
        attempts = f"{state.attempts_used}" + (f"/{state.max_attempts}" if state.max_attempts else "")
        rows.append(
            {
                ui.tr("module"): f"{module.order}. {module.title.get(L)}" + ("" if state.unlocked else " 🔒"),
                ui.tr("lessons_read"): f"{state.lessons_read}/{state.lessons_total}",
                ui.tr("grade"): None if state.grade is None else round(state.grade * 100),
                ui.tr("passed"): state.passed,
                ui.tr("attempts"): attempts,
                ui.tr("completed"): state.completed,
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    if progress.completed:
        st.success(ui.tr("course_done"))
        try:
            cert = learning.certificate(user, course.id)
        except TrainerError as exc:
            st.error(str(exc))
        else:
            st.caption(ui.tr("certificate_code", code=cert.code))
            st.download_button(
                ui.tr("certificate"),
                data=certificate_html(cert, course.title, L).encode("utf-8"),
                file_name=f"certificate-{course.id}-{cert.code}.html",
                mime="text/html",
                key=f"cert:{course.id}",
                on_click="ignore",
            )

practice = ReplyDesk(ui.services().db).practice_results(user)
if practice:
    st.subheader(ui.tr("progress_reply_practice"))
    st.dataframe(
        [
            {
                ui.tr("progress_practice_when"): row["at"][:16].replace("T", " "),
                ui.tr("progress_practice_sample"): row["sample"],
                ui.tr("grade"): f"{row['score']:g}/{row['max_score']:g}",
            }
            for row in practice
        ],
        hide_index=True,
        width="stretch",
    )

st.divider()
st.subheader(ui.tr("verify_title"))
code = st.text_input(ui.tr("verify_code"), max_chars=20, key="verify_code")
if code.strip():
    found = learning.verify_certificate(code)
    if found is None:
        st.error(ui.tr("verify_bad"))
    else:
        title = learning.catalog.course(found.course).title.get(L)
        st.success(ui.md_escape(ui.tr("verify_ok", name=found.name, date=found.issued_at[:10], course=title)))
