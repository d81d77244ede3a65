"""Reply to a message: draft a cited reply with its deadline, track messages, practise replies.

A thin page over ``desk.replies`` (the same code path as ``python -m knowledge
draft-reply``), ``desk.replydesk`` (the tracked list and practice results, with the role
rules) and ``desk.reply_practice`` (samples and rubric). Message and document text is shown
only through ``ui.plain``/``ui.md_escape`` or in tables and text areas, never as Markdown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages import ui
from desk.replies import ReplyDraft, category_name, draft_reply
from desk.reply_practice import load_samples, score_reply
from desk.replydesk import STATUSES, ReplyDesk
from knowledge.errors import KnowledgeError
from trainer.errors import TrainerError

user = ui.page_user("learner", "trainer", "admin")
svc = ui.services()
desk = ReplyDesk(svc.db)
lang = ui.lang()
sees_everyone = user.can("trainer", "admin")

st.title(ui.tr("reply_title"))
st.caption(ui.tr("reply_caption"))
tab_draft, tab_list, tab_practice = st.tabs(
    [ui.tr("reply_tab_draft"), ui.tr("reply_tab_list"), ui.tr("reply_tab_practice")]
)


def make_draft() -> None:
    try:
        draft = draft_reply(
            svc.kb, st.session_state.get("reply_message", ""), received=st.session_state.get("reply_received")
        )
    except KnowledgeError as exc:
        st.session_state["reply_error"] = ui.error_text(exc)
        st.session_state.pop("reply_draft", None)
        return
    st.session_state.pop("reply_error", None)
    st.session_state["reply_draft"] = draft
    st.session_state["reply_text"] = draft.reply


def track(draft: ReplyDraft) -> None:
    item_id = desk.add(user, draft, st.session_state.get("reply_text", ""))
    st.session_state["reply_flash"] = ui.tr("reply_tracked", id=item_id)


def show_draft(draft: ReplyDraft) -> None:
    st.markdown(
        ui.md_escape(
            ui.tr(
                "reply_summary",
                category=category_name(draft.category, lang),
                deadline=draft.deadline.isoformat(),
                days=draft.working_days,
                ack=draft.acknowledge_by.isoformat(),
            )
        )
    )
    if draft.cues:
        st.caption(ui.md_escape(ui.tr("reply_cues", cues=", ".join(draft.cues))))
    if draft.escalate:
        st.warning(ui.tr("reply_escalate"))
    if draft.facts_line():
        st.caption(ui.md_escape(draft.facts_line()))
    show_topic(draft)
    show_references(draft)
    st.markdown(f"**{ui.tr('reply_notes')}**")
    for note in draft.notes:
        st.markdown(ui.md_escape("- " + note))
    st.text_area(ui.tr("reply_text"), key="reply_text", height=320)
    st.caption(ui.tr("reply_text_help"))
    shown = set(draft.topic) | set(draft.references)  # shown above
    others = [c for c in draft.citations if c.n not in shown]
    if others:
        st.markdown(f"**{ui.tr('sources')}**")
        for c in others:
            with ui.citation(c):
                pass  # the passage alone: replies offer no downloads
    st.button(ui.tr("reply_track"), key="reply_track", on_click=track, args=(draft,))


def show_topic(draft: ReplyDraft) -> None:
    """What the knowledge base says about the message's own subject: a confirmed answer quoted in
    the draft, an answer the office must give, related passages to check, or nothing."""
    key = "quoted" if draft.quoted else draft.confidence
    box = {"quoted": st.success, "answered": st.info, "related": st.warning}.get(key, st.info)
    box(f"**{ui.tr(f'reply_topic_{key}_title')}**  \n{ui.tr(f'reply_topic_{key}')}")
    for c in draft.topic_citations():
        with ui.citation(c):
            pass


def show_references(draft: ReplyDraft) -> None:
    """Sample posts on the same subject: other towns' cases, labelled so nobody sends them as facts."""
    if not draft.references:
        return
    st.warning(f"**{ui.tr('reply_references_title')}**  \n{ui.tr('reply_references')}")
    for c in draft.reference_citations():
        with ui.citation(c):
            pass


with tab_draft:
    st.text_area(ui.tr("reply_message"), key="reply_message", max_chars=2000, height=150)
    st.date_input(ui.tr("reply_received"), value=dt.date.today(), key="reply_received")
    st.button(ui.tr("reply_draft_button"), key="reply_draft_button", on_click=make_draft, type="primary")
    if st.session_state.get("reply_error"):
        st.error(st.session_state["reply_error"])
    if st.session_state.get("reply_flash"):
        st.success(st.session_state.pop("reply_flash"))
    if st.session_state.get("reply_draft") is not None:
        show_draft(st.session_state["reply_draft"])


# ---------------------------------------------------------------------- tracked list
def _highlight_overdue(row: pd.Series) -> list[str]:
    style = "background-color: #fde2e1; color: #8a1c14" if row.get("_overdue") else ""
    return [style] * len(row)


def update_status() -> None:
    item_id = st.session_state.get("reply_item")
    status = st.session_state.get("reply_new_status")
    if item_id is None or status is None:
        return
    try:
        desk.set_status(user, int(item_id), status)
    except TrainerError as exc:
        st.session_state["reply_list_error"] = ui.error_text(exc)
    else:
        st.session_state["reply_list_flash"] = ui.tr("reply_updated", id=item_id)


with tab_list:
    items = desk.items(user)
    st.caption(ui.tr("reply_list_everyone" if sees_everyone else "reply_list_own"))
    if st.session_state.get("reply_list_error"):
        st.error(st.session_state.pop("reply_list_error"))
    if st.session_state.get("reply_list_flash"):
        st.success(st.session_state.pop("reply_list_flash"))
    if not items:
        st.info(ui.tr("reply_no_items"))
    else:
        overdue = sum(1 for i in items if i["overdue"])
        if overdue:
            st.warning(ui.tr("reply_overdue_count", n=overdue))
        frame = pd.DataFrame(
            [
                {
                    "#": i["id"],
                    ui.tr("reply_col_who"): i["username"],
                    ui.tr("reply_col_message"): " ".join(i["message"].split())[:80],
                    ui.tr("reply_col_category"): category_name(i["category"], lang),
                    ui.tr("reply_col_received"): i["received"],
                    ui.tr("reply_col_deadline"): i["deadline"],
                    ui.tr("reply_col_status"): ui.tr("reply_status_" + i["status"]),
                    ui.tr("reply_col_overdue"): "⚠" if i["overdue"] else "",
                    "_overdue": i["overdue"],
                }
                for i in items
            ]
        )
        st.dataframe(
            frame.style.apply(_highlight_overdue, axis=1),
            hide_index=True,
            column_config={"_overdue": None},
            key="reply_items_table",
        )
        labels = {i["id"]: f"#{i['id']} · {i['username']} · {' '.join(i['message'].split())[:30]}" for i in items}
        cols = st.columns(3)
        cols[0].selectbox(ui.tr("reply_update_item"), list(labels), format_func=labels.get, key="reply_item")
        status_labels = {s: ui.tr("reply_status_" + s) for s in STATUSES}
        cols[1].selectbox(ui.tr("reply_new_status"), STATUSES, format_func=status_labels.get, key="reply_new_status")
        cols[2].button(ui.tr("reply_update_button"), key="reply_update_button", on_click=update_status)


# ---------------------------------------------------------------------- practice
def check_practice(sample_id: str) -> None:
    samples = {s.id: s for s in load_samples()}
    reply = st.session_state.get(f"practice_reply_{sample_id}", "")
    if not reply.strip():
        st.session_state["practice_result"] = None
        st.session_state["practice_error"] = ui.tr("reply_practice_empty")
        return
    result = score_reply(samples[sample_id], reply, lang)
    desk.record_practice(user, reply, result)
    st.session_state.pop("practice_error", None)
    st.session_state["practice_result"] = result


with tab_practice:
    st.caption(ui.tr("reply_practice_intro"))
    try:
        samples = load_samples()
    except TrainerError as exc:
        st.error(ui.error_text(exc))
        samples = []
    if samples:
        by_id = {s.id: s for s in samples}
        chosen = st.selectbox(
            ui.tr("reply_practice_pick"),
            list(by_id),
            format_func=lambda sid: " ".join(by_id[sid].text[lang].split())[:40] + "…",
            key="practice_sample",
        )
        item = by_id[chosen]
        st.markdown(f"**{ui.tr('reply_practice_message')}**")
        ui.plain(item.text[lang])
        st.caption(ui.tr("reply_practice_received", date=item.received.isoformat()))
        st.text_area(ui.tr("reply_practice_answer"), key=f"practice_reply_{chosen}", height=220)
        st.button(ui.tr("reply_practice_check"), key="practice_check", on_click=check_practice, args=(chosen,))
        if st.session_state.get("practice_error"):
            st.error(st.session_state.pop("practice_error"))
        result = st.session_state.get("practice_result")
        if result is not None and result.sample == chosen:
            st.markdown(f"**{ui.tr('reply_practice_score', score=f'{result.score:g}', max=f'{result.max_score:g}')}**")
            for c in result.criteria:
                mark = "✅" if c.score == c.max_score else ("⚠️" if c.score else "❌")
                line = f"{ui.tr('reply_crit_' + c.key)} {c.score:g}/{c.max_score:g}: {c.reason}"
                st.markdown(mark + " " + ui.md_escape(line))
    history = desk.practice_results(user)
    st.markdown(f"**{ui.tr('reply_practice_history')}**")
    if not history:
        st.caption(ui.tr("reply_practice_none"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        ui.tr("reply_col_who"): r["username"],
                        ui.tr("reply_col_sample"): r["sample"],
                        ui.tr("reply_col_score"): f"{r['score']:g}/{r['max_score']:g}",
                        ui.tr("reply_col_at"): r["at"].replace("T", " ")[:16],
                    }
                    for r in history
                ]
            ),
            hide_index=True,
            key="practice_history_table",
        )
