"""Courses: modules with lessons and quizzes. The quiz engine (``trainer.learning.quiz``) decides
everything that counts - which questions, time, attempts, grades; this page only shows and asks.
A module shows one lesson at a time; ``?attempt=ID`` (linked from My progress) opens an attempt's
review, which the engine refuses for anyone else's attempt when the viewer is a learner.

Course content is our own reviewed Markdown, so lessons render as Markdown (never raw HTML);
anything typed by a learner is shown escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
import secrets
from typing import Any

import streamlit as st

from app_pages import ui
from courses.errors import CourseError
from courses.models import Module, MultipleChoice, ShortAnswer, SingleChoice, TrueFalse
from knowledge.errors import KnowledgeError
from trainer.errors import StorageProblem, TrainerError
from trainer.learning.quiz import EVERYONE, GRACE_S, Attempt, EmptyAnswer, ReviewItem, ShownQuestion, Unanswered, points

user = ui.page_user(*EVERYONE)
svc = ui.services()
L = ui.lang()

st.title(ui.tr("courses_title"))
learning = ui.learning_or_stop()
if learning.catalog.problems and user.role in ("trainer", "admin"):
    st.warning(ui.tr("courses_skipped"))
    st.code("\n".join(learning.catalog.problems), language=None)


def open_linked_review() -> None:
    """``?attempt=ID``: select that attempt's course and module and show its review. The engine's
    ``attempt()`` raises PermissionDenied when a learner asks for someone else's attempt."""
    raw = st.query_params.get("attempt")
    if raw is None:
        return
    del st.query_params["attempt"]  # once: afterwards the page is the module's, as usual
    try:
        linked = learning.attempt(user, int(raw))
    except ValueError:
        st.error(ui.tr("review_bad_link"))
        return
    except TrainerError as exc:
        st.error(ui.error_text(exc))
        return
    if not linked.finished and linked.username.lower() != user.username.lower():
        return  # staff may review a learner's finished attempt, never work in an open one
    st.session_state["course_pick"] = linked.course
    st.session_state["course_module"] = linked.module
    st.session_state.pop("module_pick", None)  # the picker starts afresh at course_module
    st.session_state[f"attempt:{linked.course}:{linked.module}"] = linked.id


open_linked_review()
courses = learning.catalog.courses
course = courses[0]
if len(courses) > 1:
    titles = {c.id: c.title.get(L) for c in courses}
    if st.session_state.get("course_pick") not in titles:
        st.session_state.pop("course_pick", None)
    course = learning.catalog.course(
        st.selectbox(ui.tr("course"), list(titles), format_func=titles.__getitem__, key="course_pick")
    )
try:
    progress = learning.progress(user, course.id)  # may close an overdue attempt: a write
except TrainerError as exc:
    st.error(ui.error_text(exc))
    st.stop()
    raise  # st.stop() raises; this line only tells type checkers so

labels = {}
for m in course.modules:
    state = progress.module(m.id)
    mark = " ✓" if state.completed else ("" if state.unlocked else f" 🔒 {ui.tr('locked')}")
    labels[m.id] = f"{m.order}. {m.title.get(L)}{mark}"
chosen = st.session_state.get("course_module")
if st.session_state.get("module_pick") not in labels:
    st.session_state.pop("module_pick", None)
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


def _index_of(value: object, n: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n


def show_lessons(module: Module) -> None:
    """One lesson at a time, with previous / next and its reading mark. The position is kept per
    module in the session (the lesson picker's own state is dropped while another module shows);
    a module opens at its first unread lesson."""
    lessons = module.lessons
    if not lessons:
        return
    read = learning.lessons_read(user, user.username, course.id, module.id)
    pos_key, pick_key = f"lesson_pos:{course.id}:{module.id}", f"lesson_pick:{course.id}:{module.id}"
    # A position that is not a lesson's index (none yet, a module with fewer lessons since, or a
    # value the browser sent back in another form) starts at the first unread lesson.
    if not _index_of(st.session_state.get(pos_key), len(lessons)):
        st.session_state[pos_key] = next((i for i, x in enumerate(lessons) if x.id not in read), 0)
    if not _index_of(st.session_state.get(pick_key), len(lessons)):
        st.session_state[pick_key] = st.session_state[pos_key]

    def go(to: int) -> None:
        st.session_state[pos_key] = st.session_state[pick_key] = to

    def picked() -> None:
        st.session_state[pos_key] = st.session_state[pick_key]

    def label(i: int) -> str:
        return f"{i + 1}. {lessons[i].page(L).title}" + (" ✓" if lessons[i].id in read else "")

    index = st.selectbox(
        ui.tr("lesson_pick"), range(len(lessons)), format_func=label, key=pick_key, on_change=picked
    )  # fmt: skip
    lesson = lessons[index]
    page = lesson.page(L)
    n_read = len(read & {x.id for x in lessons})
    st.caption(ui.tr("lesson_position", n=index + 1, total=len(lessons), read=n_read))
    st.subheader(page.title)
    st.caption(ui.tr("minutes", n=page.minutes))
    st.markdown(smaller_headings(page.markdown))
    st.divider()
    mark, back, forward = st.columns([2, 1, 1], vertical_alignment="center")
    if lesson.id in read:
        mark.success(ui.tr("read_done"), icon=":material/check:")
    elif mark.button(ui.tr("mark_read"), key=f"read:{module.id}:{lesson.id}", type="primary"):
        learning.mark_read(user, course.id, module.id, lesson.id)
        st.rerun()
    back.button(
        ui.tr("prev_lesson"), key=f"prev:{module.id}", icon=":material/arrow_back:", disabled=index == 0,
        on_click=go, args=(index - 1,), width="stretch",
    )  # fmt: skip
    forward.button(
        ui.tr("next_lesson"), key=f"next:{module.id}", icon=":material/arrow_forward:", icon_position="right",
        disabled=index == len(lessons) - 1, on_click=go, args=(index + 1,), width="stretch",
    )  # fmt: skip


# ------------------------------------------------------------------ questions
def move_item(order_key: str, moved_key: str, i: int, step: int) -> None:
    order = list(st.session_state[order_key])
    j = i + step
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    st.session_state[order_key] = order
    st.session_state[moved_key] = True


def ordering_widget(shown: ShownQuestion, key: str, texts: dict[str, str], *, disabled: bool, as_shown: bool) -> Any:
    """The items as a numbered list with Up / Down buttons (inside the question's form, so they are
    form buttons); the order lives in the session until it is saved. In a graded quiz an untouched
    list is unanswered, so the unanswered count includes it; ``as_shown``: checking it untouched
    (practice) answers with the order as shown."""
    order_key, moved_key = f"{key}:order", f"{key}:moved"
    known = sorted(shown.order)
    if sorted(st.session_state.get(order_key) or []) != known:
        stored = shown.response
        st.session_state[order_key] = list(stored) if stored and sorted(stored) == known else list(shown.order)
        st.session_state[moved_key] = bool(stored)
    order: list[str] = st.session_state[order_key]
    if disabled:
        st.caption(ui.tr("your_answer"))
        st.markdown(ui.numbered(order, texts) if st.session_state[moved_key] else "—")
        return None
    st.caption(ui.tr("order_help"))
    for i, item in enumerate(order):
        text, up, down = st.columns([6, 2, 2], vertical_alignment="center")
        text.markdown(f"**{i + 1}.** {texts[item]}")
        for col, step, name, icon in ((up, -1, "move_up", "arrow_upward"), (down, 1, "move_down", "arrow_downward")):
            col.form_submit_button(
                ui.tr(name), key=f"{key}:{name}:{item}", on_click=move_item, args=(order_key, moved_key, i, step),
                icon=f":material/{icon}:", disabled=not 0 <= i + step < len(order), width="stretch",
            )  # fmt: skip
    return list(order) if (st.session_state[moved_key] or as_shown) else None


def response_widget(shown: ShownQuestion, key: str, disabled: bool = False, as_shown: bool = False) -> Any:
    """The widget for one question; returns the response in the engine's form."""
    q = shown.question
    texts = ui.option_texts(shown.question)
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
    return ordering_widget(shown, key, texts, disabled=disabled, as_shown=as_shown)


def show_reviewed(item: ReviewItem, key: str) -> None:
    """One answered question in a review; a question edited since shows its recorded score only."""
    if item.changed:
        st.markdown(ui.md_escape(item.shown.question.prompt.get(L)))
        st.info(ui.tr("question_changed", score=points(item.grade.score), max=points(item.grade.max)))
        return
    response_widget(item.shown, key, disabled=True)
    ui.show_grade(item.shown.question, item.grade)
    if not item.grade.correct:
        read_up(module, item.shown)


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
        ui.original_button(svc, user, doc, f"kb:{shown.pos}:{doc}")


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
            item = reviews.get(shown.pos)
            if item is not None:
                # The stored answer in a widget of its own key: the form's widget was cleared by the
                # rerun after 检查答案, which left the feedback without the answer it judged.
                show_reviewed(item, f"pd:{attempt.id}:{shown.pos}")
                continue
            with st.form(f"practice:{attempt.id}:{shown.pos}", border=False):
                response = response_widget(shown, f"p:{attempt.id}:{shown.pos}", as_shown=True)
                checked = st.form_submit_button(ui.tr("check"))
            if checked:
                try:
                    learning.answer(user, attempt.id, shown.pos, response)
                except EmptyAnswer as exc:
                    st.warning(ui.error_text(exc))
                except TrainerError as exc:
                    st.error(ui.error_text(exc))
                else:
                    st.rerun()
    if st.button(ui.tr("finish_practice"), key=f"end:{attempt.id}"):
        learning.submit(user, attempt.id, allow_unanswered=True)
        st.session_state.pop(attempt_key, None)
        st.rerun()


# The countdown ticks in the browser: a server rerun per tick for every learner in a quiz (30 at once
# in bench/load_test.py) loaded the server, and a tick landing as a learner pressed Submit could take
# the click with it. The server reruns the page once, when the deadline and the grace period have
# passed, so that the engine closes the attempt; until then the deadline is checked on every save.
_TIMER_JS = """<div id="{id}" class="gm-timer">{text}</div><script>(() => {{
  const box = document.getElementById({id_js}); if (!box) return;
  const end = Date.now() + {left_ms}, left = box.querySelector(".gm-left");
  const timer = setInterval(() => {{
    if (!box.isConnected) {{ clearInterval(timer); return; }}
    const s = Math.ceil((end - Date.now()) / 1000);
    if (s <= 0) {{ box.textContent = {up_js}; box.className = "gm-timer gm-up"; clearInterval(timer); return; }}
    left.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    if (s < 60 && !box.classList.contains("gm-short")) {{
      box.classList.add("gm-short"); box.append(" " + {short_js});
    }}
  }}, 1000);
}})();</script>"""


def countdown(deadline: float) -> None:
    """The time left, counted down in the browser so the form keeps what the learner has filled in;
    the server's deadline decides."""
    left = deadline - learning.clock()
    ends = dt.datetime.fromtimestamp(deadline).strftime("%H:%M")
    minutes, seconds = divmod(max(0, math.ceil(left)), 60)
    # Only our own strings and numbers go in, escaped for HTML and for the script.
    text = html.escape(ui.tr("time_left", left="\x00", at=ends)).replace(
        "\x00", f'<span class="gm-left">{minutes}:{seconds:02d}</span>'
    )
    box = f"gm-timer-{secrets.token_hex(4)}"  # a new element each run: its script runs afresh
    st.html(
        _TIMER_JS.format(
            id=box,
            id_js=json.dumps(box),
            text=text,
            left_ms=int(left * 1000),
            up_js=json.dumps(ui.tr("time_up")),
            short_js=json.dumps(ui.tr("time_short")),
        ),  # fmt: skip
        unsafe_allow_javascript=True,
    )

    @st.fragment(run_every=max(1.0, left + GRACE_S + 1))
    def close_when_due() -> None:
        if deadline - learning.clock() <= -GRACE_S:
            st.rerun(scope="app")  # the engine closes the attempt and the page shows the result

    close_when_due()


def show_graded(attempt: Attempt) -> None:
    st.info(ui.tr("graded_mode"))
    if attempt.deadline is not None:
        # A floating box, in view wherever the learner scrolls, as Moodle's quiz timer (our own style
        # for our own key; the tabs' panel clips position: sticky, so it is fixed to the window).
        st.html(
            "<style>.st-key-quiz_timer {position: fixed; top: 4rem; right: 1.5rem; z-index: 999;"
            " width: auto; max-width: 22rem; padding: 0.5rem 0.75rem; border-radius: 0.5rem;"
            " background: var(--background-color, white); box-shadow: 0 1px 6px rgba(0, 0, 0, 0.2)}"
            " .gm-timer.gm-short, .gm-timer.gm-up {color: #b45309; font-weight: 600}</style>"
        )
        with st.container(key="quiz_timer"):
            countdown(attempt.deadline)
    confirm_key = f"confirm:{attempt.id}"
    with st.form(f"graded:{attempt.id}"):
        responses = {}
        for shown in attempt.questions:
            with st.container(border=True):
                responses[shown.pos] = response_widget(shown, f"g:{attempt.id}:{shown.pos}")
        cols = st.columns(2)
        save = cols[0].form_submit_button(ui.tr("save_answers"))
        submit = cols[1].form_submit_button(ui.tr("submit_quiz"), type="primary")
    if save or submit:
        st.session_state.pop(confirm_key, None)  # a new submit is asked about afresh
        saved = 0
        try:
            for pos, response in responses.items():
                try:
                    learning.answer(user, attempt.id, pos, response)
                    saved += 1
                except EmptyAnswer:
                    continue  # nothing chosen yet: the learner may come back to it
            if submit:
                learning.submit(user, attempt.id)
                st.rerun()
        except Unanswered as exc:
            st.session_state[confirm_key] = exc.positions  # everything answered so far is saved
        except StorageProblem as exc:  # disk full, database locked: say so and keep the form as filled in
            st.error(ui.error_text(exc))
        except TrainerError as exc:
            st.error(ui.error_text(exc))
            st.rerun()
        else:
            st.success(ui.tr("answers_saved", n=saved))
    missing = st.session_state.get(confirm_key)
    if missing:
        which = ("、" if L == "zh" else ", ").join(str(p + 1) for p in missing)
        st.warning(ui.tr("confirm_unanswered", n=len(missing), total=len(attempt.questions), which=which))
        yes, no = st.columns(2)
        if yes.button(ui.tr("submit_anyway"), key=f"anyway:{attempt.id}", type="primary"):
            st.session_state.pop(confirm_key, None)
            learning.submit(user, attempt.id, allow_unanswered=True)
            st.rerun()
        if no.button(ui.tr("keep_answering"), key=f"keep:{attempt.id}"):
            st.session_state.pop(confirm_key, None)
            st.rerun()


def show_result(attempt: Attempt) -> None:
    score, top = attempt.score or 0.0, attempt.max_score
    pct = round(100 * score / top) if top else 0
    mine = learning.attempts(user, attempt.username, attempt.course, attempt.module)
    earlier = [a.id for a in mine if a.mode == attempt.mode]
    when = dt.datetime.fromtimestamp(attempt.submitted_at or attempt.started_at).strftime("%Y-%m-%d %H:%M")
    st.subheader(ui.tr("review_heading", n=earlier.index(attempt.id) + 1, when=when))
    if attempt.status == "expired":
        st.warning(ui.tr("result_expired"))
    if attempt.mode == "practice":
        st.info(ui.tr("practice_result", score=points(score), max=points(top)))
    elif attempt.passed:
        st.success(ui.tr("result_passed", score=points(score), max=points(top), pct=pct))
        following = course.next_module(module.id)
        if following is not None and course.sequential:
            st.info(ui.tr("next_module_unlocked", title=following.title.get(L)))
    else:
        st.error(
            ui.tr(
                "result_failed", score=points(score), max=points(top), pct=pct, mark=round(module.quiz.pass_mark * 100)
            )
        )
    for item in learning.review(user, attempt.id):
        with st.container(border=True):
            show_reviewed(item, f"r:{attempt.id}:{item.shown.pos}")
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
        if attempt.finished:
            show_result(attempt)
        elif attempt.mode == "practice":
            show_practice(attempt)
        else:
            show_graded(attempt)
        return
    st.write(quiz_rules(module))
    cols = st.columns(2)
    graded_label = ui.tr("resume_graded") if state.open_attempt else ui.tr("start_graded")
    for col, mode, label in ((cols[0], "practice", ui.tr("start_practice")), (cols[1], "graded", graded_label)):
        if col.button(label, key=f"start:{mode}:{module.id}", type="primary" if mode == "graded" else "secondary"):
            try:
                started = learning.start(user, course.id, module.id, mode=mode)
            except TrainerError as exc:
                st.error(ui.error_text(exc))
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
        st.error(ui.error_text(exc))
with quiz_tab:
    try:
        show_quiz(module)
    except (CourseError, TrainerError, KnowledgeError) as exc:
        st.error(ui.error_text(exc))
