"""Courses: modules with lessons and quizzes. The quiz engine (``trainer.learning``) decides
everything that counts - which questions, time, attempts, grades; this page only shows and asks.

Course content is our own reviewed Markdown, so lessons render as Markdown (never raw HTML);
anything typed by a learner is shown escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import streamlit as st

from app_pages import ui
from courses.errors import CourseError
from courses.grading import Grade
from courses.models import Module, MultipleChoice, Ordering, ShortAnswer, SingleChoice, TrueFalse
from knowledge.errors import KnowledgeError
from trainer import library
from trainer.errors import StorageProblem, TrainerError
from trainer.learning import EVERYONE, Attempt, EmptyAnswer, ShownQuestion, Unanswered

user = ui.page_user(*EVERYONE)
svc = ui.services()
L = ui.lang()

st.title(ui.tr("courses_title"))
learning = ui.learning_or_stop()
if learning.catalog.problems and user.role in ("trainer", "admin"):
    st.warning(ui.tr("courses_skipped"))
    st.code("\n".join(learning.catalog.problems), language=None)

courses = learning.catalog.courses
course = courses[0]
if len(courses) > 1:
    titles = {c.id: c.title.get(L) for c in courses}
    course = learning.catalog.course(st.selectbox(ui.tr("course"), list(titles), format_func=titles.__getitem__))
try:
    progress = learning.progress(user, course.id)  # may close an overdue attempt: a write
except TrainerError as exc:
    st.error(str(exc))
    st.stop()
    raise  # st.stop() raises; this line only tells type checkers so

labels = {}
for m in course.modules:
    state = progress.module(m.id)
    mark = " ✓" if state.completed else ("" if state.unlocked else f" 🔒 {ui.tr('locked')}")
    labels[m.id] = f"{m.order}. {m.title.get(L)}{mark}"
chosen = st.session_state.get("course_module")
module_id = st.selectbox(
    ui.tr("module"),
    list(labels),
    index=list(labels).index(chosen) if chosen in labels else 0,
    format_func=labels.__getitem__,
    key="module_pick",
)
st.session_state["course_module"] = module_id
module = course.module(module_id)
state = progress.module(module_id)
attempt_key = f"attempt:{course.id}:{module.id}"

st.header(module.title.get(L))
st.write(module.summary.get(L))
with st.expander(ui.tr("objectives")):
    for line in module.objectives[L]:
        st.markdown(f"- {line}")
    if module.problems:
        st.markdown(f"**{ui.tr('problems_addressed')}**")
        for line in module.problems[L]:
            st.markdown(f"- {line}")


# ------------------------------------------------------------------ lessons
def smaller_headings(markdown: str) -> str:
    """Lesson sections (##) sit under the lesson title: shift them two levels down."""
    return re.sub(r"^(#{1,4}) ", r"\1## ", markdown, flags=re.MULTILINE)


def show_lessons(module: Module) -> None:
    read = learning.lessons_read(user, user.username, course.id, module.id)
    for lesson in module.lessons:
        page = lesson.page(L)
        st.subheader(page.title)
        st.caption(ui.tr("minutes", n=page.minutes))
        st.markdown(smaller_headings(page.markdown))
        if lesson.id in read:
            st.success(ui.tr("read_done"), icon=":material/check:")
        elif st.button(ui.tr("mark_read"), key=f"read:{module.id}:{lesson.id}"):
            learning.mark_read(user, course.id, module.id, lesson.id)
            st.rerun()
        st.divider()


# ------------------------------------------------------------------ questions
def option_texts(shown: ShownQuestion) -> dict[str, str]:
    q = shown.question
    if isinstance(q, SingleChoice | MultipleChoice):
        return {o.id: o.text.get(L) for o in q.options}
    if isinstance(q, Ordering):
        return {i.id: i.text.get(L) for i in q.items}
    return {}


def response_widget(shown: ShownQuestion, key: str, disabled: bool = False) -> Any:
    """The widget for one question; returns the response in the engine's form."""
    q = shown.question
    texts = option_texts(shown)
    st.markdown(f"**{ui.tr('question_n', n=shown.pos + 1)}** · {q.prompt.get(L)}")
    stored = shown.response
    if isinstance(q, SingleChoice):
        order = list(shown.order)
        index = order.index(stored) if stored in order else None
        return st.radio(
            ui.tr("your_answer"), order, index=index, format_func=texts.__getitem__, key=key, disabled=disabled,
            label_visibility="collapsed",
        )  # fmt: skip
    if isinstance(q, MultipleChoice):
        picked = set(stored or [])
        return [
            oid
            for oid in shown.order
            if st.checkbox(texts[oid], value=oid in picked, key=f"{key}:{oid}", disabled=disabled)
        ]
    if isinstance(q, TrueFalse):
        names = {True: ui.tr("true"), False: ui.tr("false")}
        index = None if stored is None else (0 if stored else 1)
        return st.radio(
            ui.tr("your_answer"), [True, False], index=index, format_func=names.__getitem__, key=key,
            disabled=disabled, horizontal=True, label_visibility="collapsed",
        )  # fmt: skip
    if isinstance(q, ShortAnswer):
        return st.text_input(ui.tr("your_answer"), value=stored or "", key=key, disabled=disabled, max_chars=200)
    return st.multiselect(
        ui.tr("order_help"), list(shown.order), default=stored or [], format_func=texts.__getitem__, key=key,
        disabled=disabled,
    )  # fmt: skip


def show_grade(shown: ShownQuestion, grade: Grade) -> None:
    texts = option_texts(shown)
    score = f"{grade.score:g}"
    if grade.correct:
        st.success(ui.tr("correct"), icon=":material/check_circle:")
    elif grade.score > 0:
        st.warning(ui.tr("partly_correct", score=score, max=f"{grade.max:g}"))
    else:
        st.error(ui.tr("wrong"), icon=":material/cancel:")
    for oid, why in grade.feedback.items():
        st.markdown(f"- **{texts.get(oid, oid)}**: {why.get(L)}")
    if grade.missed:
        st.markdown(ui.tr("missed", items="、".join(texts.get(m, m) for m in grade.missed)))
    if grade.feedback_wrong is not None and not grade.correct:
        st.markdown(grade.feedback_wrong.get(L))
    if grade.explanation is not None:
        st.info(f"**{ui.tr('explanation')}**: {grade.explanation.get(L)}")


def read_up(module: Module, shown: ShownQuestion) -> None:
    """After a wrong answer: the lesson section that explains it, and the supporting document."""
    q = shown.question
    if q.lesson_id:
        page = module.lesson(q.lesson_id).page(L)
        section = page.section(q.anchor) if q.anchor else None
        title = f"{page.title} › {section.title}" if section else page.title
        with st.expander(ui.tr("read_up", title=title), icon=":material/menu_book:"):
            st.markdown(smaller_headings(section.markdown if section else page.markdown))
    doc = q.kb_doc_name
    record = svc.kb.catalog.find_document(doc) if doc else None
    if doc and record is not None:
        st.caption(ui.md_escape(ui.tr("kb_source", doc=record.title)))
        st.download_button(
            ui.tr("download_original"),
            data=lambda: library.original(ui.still(svc, user, *library.READERS), svc.kb, doc).data,
            file_name=doc,
            key=f"kb:{shown.pos}:{doc}",
            on_click="ignore",
        )


# ------------------------------------------------------------------ the quiz tab
def quiz_rules(module: Module) -> str:
    quiz = module.quiz
    attempts = (
        ui.tr("attempts_unlimited")
        if not quiz.max_attempts
        else ui.tr("attempts_left", left=state.attempts_left, total=quiz.max_attempts)
    )
    limit = ui.tr("time_limit", n=quiz.time_limit_min) if quiz.time_limit_min else ui.tr("no_time_limit")
    return ui.tr(
        "quiz_rules",
        n=quiz.draw_count(len(module.questions)),
        mark=round(quiz.pass_mark * 100),
        attempts=attempts,
        limit=limit,
        grading=ui.tr("grading_" + quiz.grading),
    )


def show_practice(attempt: Attempt) -> None:
    st.info(ui.tr("practice_mode"))
    reviews = {item.shown.pos: item for item in learning.review(user, attempt.id)}
    for shown in attempt.questions:
        with st.container(border=True):
            done = shown.pos in reviews
            with st.form(f"practice:{attempt.id}:{shown.pos}", border=False):
                response = response_widget(shown, f"p:{attempt.id}:{shown.pos}", disabled=done)
                checked = st.form_submit_button(ui.tr("check"), disabled=done)
            if checked:
                try:
                    learning.answer(user, attempt.id, shown.pos, response)
                except EmptyAnswer as exc:
                    st.warning(str(exc))
                except TrainerError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
            if done:
                show_grade(shown, reviews[shown.pos].grade)
                if not reviews[shown.pos].grade.correct:
                    read_up(module, shown)
    if st.button(ui.tr("finish_practice"), key=f"end:{attempt.id}"):
        learning.submit(user, attempt.id, allow_unanswered=True)
        st.session_state.pop(attempt_key, None)
        st.rerun()


def show_graded(attempt: Attempt) -> None:
    st.info(ui.tr("graded_mode"))
    left = attempt.seconds_left(learning.clock())
    if left is not None and attempt.deadline is not None:
        ends = dt.datetime.fromtimestamp(attempt.deadline).strftime("%H:%M")
        st.caption(ui.tr("time_left", m=max(0, round(left / 60)), at=ends))
    with st.form(f"graded:{attempt.id}"):
        responses = {}
        for shown in attempt.questions:
            with st.container(border=True):
                responses[shown.pos] = response_widget(shown, f"g:{attempt.id}:{shown.pos}")
        anyway = st.checkbox(ui.tr("submit_anyway"), key=f"anyway:{attempt.id}")
        cols = st.columns(2)
        save = cols[0].form_submit_button(ui.tr("save_answers"))
        submit = cols[1].form_submit_button(ui.tr("submit_quiz"), type="primary")
    if not (save or submit):
        return
    saved = 0
    try:
        for pos, response in responses.items():
            try:
                learning.answer(user, attempt.id, pos, response)
                saved += 1
            except EmptyAnswer:
                continue  # nothing chosen yet: the learner may come back to it
        if submit:
            learning.submit(user, attempt.id, allow_unanswered=anyway)
            st.rerun()
    except Unanswered as exc:
        st.warning(str(exc))
    except StorageProblem as exc:  # disk full, database locked: say so and keep the form as filled in
        st.error(str(exc))
    except TrainerError as exc:
        st.error(str(exc))
        st.rerun()
    else:
        st.success(ui.tr("answers_saved", n=saved))


def show_result(attempt: Attempt) -> None:
    score, top = attempt.score or 0.0, attempt.max_score
    pct = round(100 * score / top) if top else 0
    if attempt.status == "expired":
        st.warning(ui.tr("result_expired"))
    if attempt.passed:
        st.success(ui.tr("result_passed", score=f"{score:g}", max=f"{top:g}", pct=pct))
        following = course.next_module(module.id)
        if following is not None and course.sequential:
            st.info(ui.tr("next_module_unlocked", title=following.title.get(L)))
    else:
        st.error(
            ui.tr("result_failed", score=f"{score:g}", max=f"{top:g}", pct=pct, mark=round(module.quiz.pass_mark * 100))
        )
    for item in learning.review(user, attempt.id):
        with st.container(border=True):
            response_widget(item.shown, f"r:{attempt.id}:{item.shown.pos}", disabled=True)
            show_grade(item.shown, item.grade)
            if not item.grade.correct:
                read_up(module, item.shown)
    if st.button(ui.tr("back_to_module"), key=f"back:{attempt.id}"):
        st.session_state.pop(attempt_key, None)
        st.rerun()


def show_quiz(module: Module) -> None:
    if not state.unlocked:
        st.info(ui.tr("module_locked"), icon=":material/lock:")
        return
    attempt_id = st.session_state.get(attempt_key)
    if attempt_id is not None:
        attempt = learning.attempt(user, attempt_id)
        if attempt.mode == "practice" and not attempt.finished:
            show_practice(attempt)
            return
        if attempt.mode == "graded":
            if attempt.finished:
                show_result(attempt)
            else:
                show_graded(attempt)
            return
        st.session_state.pop(attempt_key, None)
    st.write(quiz_rules(module))
    cols = st.columns(2)
    graded_label = ui.tr("resume_graded") if state.open_attempt else ui.tr("start_graded")
    for col, mode, label in ((cols[0], "practice", ui.tr("start_practice")), (cols[1], "graded", graded_label)):
        if col.button(label, key=f"start:{mode}:{module.id}", type="primary" if mode == "graded" else "secondary"):
            try:
                started = learning.start(user, course.id, module.id, mode=mode)
            except TrainerError as exc:
                st.error(str(exc))
            else:
                st.session_state[attempt_key] = started.id
                st.rerun()


tab_names = [ui.tr("tab_lessons"), ui.tr("tab_quiz")]
active = st.session_state.get(attempt_key) is not None
lessons_tab, quiz_tab = st.tabs(tab_names, key=f"tabs:{module.id}", default=tab_names[1] if active else None)
with lessons_tab:
    try:
        show_lessons(module)
    except (CourseError, TrainerError) as exc:
        st.error(str(exc))
with quiz_tab:
    try:
        show_quiz(module)
    except (CourseError, TrainerError, KnowledgeError) as exc:
        st.error(str(exc))
