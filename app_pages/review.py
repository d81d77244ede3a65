"""Today's review: the cards due today, one at a time, answered like a practice question with
instant feedback. The deck (``trainer.learning.review``) decides what is due and records each answer as it
is given, so a session can stop at any card and resume later; an answer given twice to the same
card (two tabs) counts once.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from app_pages import ui
from courses.errors import CourseError
from courses.models import MultipleChoice, Question, ShortAnswer, SingleChoice, TrueFalse
from trainer.errors import TrainerError
from trainer.learning.quiz import EVERYONE, EmptyAnswer
from trainer.learning.review import Refresher, RefresherOffer, Refreshers, ReviewCard, passage

user = ui.page_user(*EVERYONE)
L = ui.lang()
FEEDBACK = "review_feedback"  # the card just answered: shown until "next card"
SHOWING = "review_showing"  # (card id, version, review day) of the card this tab asks

st.title(ui.tr("review_title"))
learning = ui.learning_or_stop()
deck = ui.review()
try:
    deck.sync(user)
    due = deck.due(user)
except TrainerError as exc:
    st.error(ui.error_text(exc))
    st.stop()
    raise  # st.stop() raises; this line only tells type checkers so


def response_widget(q: Question, order: list[str], key: str) -> Any:
    names = ui.option_texts(q)
    if isinstance(q, SingleChoice):
        return st.radio(ui.tr("your_answer"), order, index=None, format_func=names.__getitem__, key=key)
    if isinstance(q, MultipleChoice):
        return [oid for oid in order if st.checkbox(names[oid], key=f"{key}:{oid}")]
    if isinstance(q, TrueFalse):
        labels = {True: ui.tr("true"), False: ui.tr("false")}
        return st.radio(
            ui.tr("your_answer"), [True, False], index=None, format_func=labels.__getitem__, key=key, horizontal=True
        )  # fmt: skip
    if isinstance(q, ShortAnswer):
        return st.text_input(ui.tr("your_answer"), key=key, max_chars=200)
    # Ordering: the items picked one after another, in the order they come.
    return st.multiselect(ui.tr("review_order_help"), order, format_func=names.__getitem__, key=key) or None


def read_up(card: ReviewCard) -> None:
    """The lesson section that explains the question, and the knowledge-base passage behind it."""
    q = card.question
    module = learning.catalog.module(card.course, card.module)
    if q.lesson_id:
        page = module.lesson(q.lesson_id).page(L)
        section = page.section(q.anchor) if q.anchor else None
        title = f"{module.order}. {module.title.get(L)} › {page.title}" + (f" › {section.title}" if section else "")
        with st.expander(ui.tr("read_up", title=title), icon=":material/menu_book:"):
            st.markdown(section.markdown if section else page.markdown)
            st.page_link("app_pages/learn.py", label=ui.tr("review_open_courses"), icon=":material/school:")
    doc = q.kb_doc_name
    if not doc:
        return
    svc = ui.services()
    hit = passage(svc.kb, q, L)
    record = svc.kb.catalog.find_document(doc)
    if hit is not None:
        with st.expander(ui.md_escape(ui.tr("review_passage", doc=hit.title)), icon=":material/description:"):
            ui.plain(hit.text)
    elif record is not None:
        st.caption(ui.md_escape(ui.tr("kb_source", doc=record.title)))
    if record is not None:
        ui.original_button(svc, user, doc, f"kb:{card.id}:{doc}")


def when(days: int) -> str:
    return ui.tr("review_next_tomorrow") if days == 1 else ui.tr("review_next_days", n=days)


def show_feedback(done: dict[str, Any]) -> None:
    """The card just answered: the grade, where to read up, and when it comes back."""
    try:
        card = deck.card(user, done["card"])
    except TrainerError as exc:
        st.info(ui.error_text(exc))
        st.session_state.pop(FEEDBACK, None)
        return
    with st.container(border=True, key="review_feedback"):
        st.markdown(f"**{card.question.prompt.get(L)}**")
        ui.show_grade(card.question, done["grade"])
        if not done["grade"].correct:
            read_up(card)
        text = when(done["days"])
        st.markdown(f":material/event: {ui.tr('review_next', when=text, date=done['date'])}")
        if not done["counted"]:
            st.caption(ui.tr("review_already"))
    if st.button(ui.tr("review_next_card"), key="review_next_card", type="primary"):
        st.session_state.pop(FEEDBACK, None)
        st.session_state.pop(SHOWING, None)
        st.rerun()


def show_card(card: ReviewCard) -> None:
    module = learning.catalog.module(card.course, card.module)
    st.caption(
        ui.tr("review_card_from", module=f"{module.order}. {module.title.get(L)}")
        + " · "
        + ui.tr("review_source_" + card.source)
    )
    with st.form(f"review:{card.id}:{card.version}", border=True):
        st.markdown(f"**{card.question.prompt.get(L)}**")
        response = response_widget(card.question, list(card.order()), f"rv:{card.id}:{card.version}")
        feelings = {"hard": ui.tr("review_feel_hard"), "easy": ui.tr("review_feel_easy")}
        feeling = st.segmented_control(
            ui.tr("review_feeling"), list(feelings), format_func=feelings.__getitem__,
            key=f"rf:{card.id}:{card.version}",
        )  # fmt: skip
        checked = st.form_submit_button(ui.tr("check"), type="primary")
    if checked:
        try:
            result = deck.answer(user, card.id, card.version, response, feeling=feeling)
        except EmptyAnswer as exc:
            st.warning(ui.error_text(exc))
            return
        except (TrainerError, CourseError) as exc:
            st.error(ui.error_text(exc))
            return
        st.session_state[FEEDBACK] = {
            "card": card.id,
            "grade": result.grade,
            "days": result.interval_days,
            "date": deck.review_day(result.due).isoformat(),
            "counted": result.counted,
        }
        st.rerun()


def card_on_screen() -> ReviewCard | None:
    """The card this tab shows, as it was shown (id and version), even when another tab has answered
    it meanwhile: then this tab's answer still gets its feedback, and the deck counts it once."""
    shown = st.session_state.get(SHOWING)
    today = deck.review_day(deck.now()).isoformat()
    if shown and shown[2] != today:  # shown on an earlier day: ask afresh
        shown = None
    if shown:
        try:
            return dataclasses.replace(deck.card(user, shown[0]), version=shown[1])
        except TrainerError:
            st.session_state.pop(SHOWING, None)  # the question went: go on with the next card
    if not due:
        return None
    st.session_state[SHOWING] = (due[0].id, due[0].version, today)
    return due[0]


done = st.session_state.get(FEEDBACK)
st.metric(ui.tr("review_due_today"), len(due))
current = None if done else card_on_screen()
if done:
    show_feedback(done)
elif current is not None:
    st.caption(ui.tr("review_intro"))
    try:
        show_card(current)
    except (TrainerError, CourseError) as exc:
        st.error(ui.error_text(exc))
else:
    st.success(ui.tr("review_all_done"), icon=":material/task_alt:")
    ahead = [(day, n) for day, n in deck.upcoming(user, days=14) if n]
    if ahead:
        day, n = ahead[0]
        st.caption(ui.tr("review_next_batch", n=n, date=day.isoformat()))
    else:
        st.caption(ui.tr("review_empty_deck"))

# ------------------------------------------------------------------ refresher quizzes
refreshers = Refreshers(deck)


def show_refresher(offer: RefresherOffer) -> None:
    course = learning.catalog.course(offer.course)
    st.subheader(ui.tr("refresher_title", course=course.title.get(L)))
    date = offer.expires_at[:10]
    if offer.days_left < 0:
        st.warning(ui.tr("refresher_lapsed", date=date))
    else:
        st.info(ui.tr("refresher_lapses", date=date, n=offer.days_left))
    if offer.assigned:
        st.caption(ui.tr("refresher_assigned"))
    key = f"refresher:{course.id}"
    refresher_id = st.session_state.get(key) or offer.open_refresher
    if refresher_id is None:
        if st.button(ui.tr("refresher_start", n=refreshers.size), key=f"refresher_start:{course.id}", type="primary"):
            try:
                st.session_state[key] = refreshers.start(user, course.id).id
            except TrainerError as exc:
                st.error(ui.error_text(exc))
            else:
                st.rerun()
        return
    refresher = refreshers.get(user, refresher_id)
    if refresher.finished:
        show_refresher_result(refresher, key)
        return
    with st.form(f"refresher_form:{refresher.id}"):
        responses = {}
        for n, q in enumerate(refresher.questions, 1):
            with st.container(border=True):
                st.markdown(f"**{n}.** {q.prompt.get(L)}")
                responses[q.id] = response_widget(q, list(refresher.orders[q.id]), f"rq:{refresher.id}:{q.id}")
        submitted = st.form_submit_button(ui.tr("submit_quiz"), type="primary")
    if submitted:
        try:
            refreshers.submit(user, refresher.id, responses)
        except TrainerError as exc:
            st.error(ui.error_text(exc))
        else:
            st.rerun()


def show_refresher_result(refresher: Refresher, key: str) -> None:
    score, top = refresher.score or 0.0, refresher.max_score
    if refresher.passed:
        st.success(ui.tr("refresher_passed", score=f"{score:g}", max=f"{top:g}", code=refresher.certificate or "—"))
    else:
        st.error(ui.tr("refresher_failed", score=f"{score:g}", max=f"{top:g}"))
        if st.button(ui.tr("refresher_again"), key=f"refresher_again:{refresher.id}"):
            st.session_state.pop(key, None)
            st.rerun()


# Refreshers this session took, by course: a passed one renews the certificate, which then is out of
# the offer window - its result still shows here.
taken = {c.id: st.session_state.get(f"refresher:{c.id}") for c in learning.catalog.courses}
shown_courses = set()
try:
    for offer in refreshers.offers(user):
        st.divider()
        show_refresher(offer)
        shown_courses.add(offer.course)
    for course_id, refresher_id in taken.items():
        if refresher_id and course_id not in shown_courses:
            refresher = refreshers.get(user, refresher_id)
            if refresher.finished:
                st.divider()
                show_refresher_result(refresher, f"refresher:{course_id}")
except (TrainerError, CourseError) as exc:
    st.error(ui.error_text(exc))

today = deck.review_day(deck.now())
st.caption(ui.tr("review_day_note", today=today.isoformat(), hour=deck.day_start, tz=str(deck.tz)))
