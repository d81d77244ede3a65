"""My progress: modules read, passed and completed; my quiz attempts, each linked to its review on
the Courses page; the certificate; checking a certificate's code."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages import ui
from courses.models import Course
from desk.replydesk import ReplyDesk
from trainer.errors import TrainerError
from trainer.learning.quiz import EVERYONE, Attempt, certificate_html, points

user = ui.page_user(*EVERYONE)
L = ui.lang()


def attempt_line(course: Course, attempt: Attempt, n: int) -> str:
    if attempt.mode == "practice":
        result = ui.tr("attempt_practice")
    else:
        result = ui.tr("attempt_passed" if attempt.passed else "attempt_failed")
    when = dt.datetime.fromtimestamp(attempt.submitted_at or attempt.started_at).strftime("%Y-%m-%d %H:%M")
    return ui.tr(
        "attempt_line",
        module=course.module(attempt.module).title.get(L),
        n=n,
        mode=ui.tr("attempt_mode_practice") if attempt.mode == "practice" else "",
        when=when,
        score=points(attempt.score),
        max=points(attempt.max_score),
        result=result,
    )


def show_attempts(course: Course) -> None:
    """The learner's own finished attempts, newest first, each a link to its review."""
    finished = []
    for module in course.modules:
        mine = learning.attempts(user, user.username, course.id, module.id)
        for mode in ("graded", "practice"):  # numbered as the quiz page numbers them: per mode
            finished += [(a, n) for n, a in enumerate((a for a in mine if a.mode == mode), 1) if a.finished]
    with st.expander(ui.tr("my_attempts"), expanded=bool(finished)):
        if not finished:
            st.caption(ui.tr("no_attempts"))
        for attempt, n in sorted(finished, key=lambda x: -(x[0].submitted_at or 0)):
            text, link = st.columns([5, 1], vertical_alignment="center")
            text.markdown(attempt_line(course, attempt, n))  # our own titles, numbers and dates
            with link:
                st.page_link(
                    "app_pages/learn.py", label=ui.tr("open_review"), icon=":material/visibility:",
                    query_params={"attempt": str(attempt.id)},
                )  # fmt: skip


def show_retention(course: Course) -> None:
    """What the review deck predicts the learner still remembers, per module, and when it asks next."""
    mine = [r for r in retention if r.course == course.id]
    st.markdown(f"**{ui.tr('retention_title')}**")
    if not mine:
        st.caption(ui.tr("retention_none"))
        return
    st.dataframe(
        [
            {
                ui.tr("module"): f"{course.module(r.module).order}. {course.module(r.module).title.get(L)}",
                ui.tr("retention_cards"): r.cards,
                ui.tr("retention_recall"): "—" if r.recall is None else f"{round(r.recall * 100)}%",
                ui.tr("review_due_today"): r.due_today,
                ui.tr("retention_overdue"): r.overdue,
                ui.tr("retention_next"): "—" if r.next_due is None else deck.review_day(r.next_due).isoformat(),
            }
            for r in mine
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(ui.tr("retention_help"))


st.title(ui.tr("progress_title"))
learning = ui.learning_or_stop()
deck = ui.review()
try:
    deck.sync(user)
    retention = deck.retention(user)
    upcoming = [(day, n) for day, n in deck.upcoming(user, days=14) if n]
except TrainerError as exc:
    st.error(ui.error_text(exc))
    retention, upcoming = [], []

for course in learning.catalog.courses:
    progress = learning.progress(user, course.id)
    st.subheader(course.title.get(L))
    bar = ui.tr(
        "progress_bar",
        pct=round(progress.share * 100),
        read=progress.lessons_read,
        lessons=progress.lessons_total,
        passed=progress.quizzes_passed,
        quizzes=progress.quizzes_total,
    )
    st.progress(progress.share, text=bar)
    st.caption(ui.tr("progress_bar_help"))
    rows = []
    for module, state in zip(course.modules, progress.modules, strict=True):
        attempts = f"{state.attempts_used}" + (f"/{state.max_attempts}" if state.max_attempts else "")
        rows.append(
            {
                ui.tr("module"): f"{module.order}. {module.title.get(L)}" + ("" if state.unlocked else " 🔒"),
                ui.tr("lessons_read"): f"{state.lessons_read}/{state.lessons_total}",
                ui.tr("grade"): "—" if state.grade is None else f"{round(state.grade * 100)}%",
                ui.tr("passed"): state.passed,
                ui.tr("attempts"): attempts,
                ui.tr("completed"): state.completed,
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    show_retention(course)
    show_attempts(course)
    if progress.completed:
        st.success(ui.tr("course_done"))
        try:
            cert = learning.certificate(user, course.id)
        except TrainerError as exc:
            st.error(ui.error_text(exc))
        else:
            st.caption(ui.tr("certificate_code", code=cert.code))
            until = (cert.expires_at or "")[:10]
            if cert.status(deck.now()) == "expired":
                st.warning(ui.tr("certificate_expired", date=until))
            elif until:
                st.caption(ui.tr("certificate_valid_until", date=until))
            st.download_button(
                ui.tr("certificate"),
                data=certificate_html(cert, course.title, L).encode("utf-8"),
                file_name=f"certificate-{course.id}-{cert.code}.html",
                mime="text/html",
                key=f"cert:{course.id}",
                on_click="ignore",
            )

if upcoming:
    st.subheader(ui.tr("retention_upcoming"))
    st.dataframe(
        [{ui.tr("date_col"): day.isoformat(), ui.tr("retention_cards"): n} for day, n in upcoming],
        hide_index=True,
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
        status = found.status(deck.now())
        until = (found.expires_at or "")[:10]
        if status == "valid":
            text = ui.tr("verify_ok", name=found.name, date=found.issued_at[:10], course=title)
            st.success(ui.md_escape(text + (" " + ui.tr("certificate_valid_until", date=until) if until else "")))
        elif status == "expired":
            st.warning(ui.md_escape(ui.tr("verify_expired", name=found.name, course=title, date=until)))
        else:
            text = ui.tr("verify_superseded", name=found.name, course=title, code=found.superseded_by)
            st.warning(ui.md_escape(text))
