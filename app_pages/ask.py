"""Ask: a chat on the knowledge base, the same ``knowledge.answer`` code path as the CLI.

Each answer has one of three looks, by ``Answer.confidence``: answered (the text and its sources),
related (a warning box "related passages, not a confirmed answer", the passages with their sources,
the closest documents) and not found (an error box with the closest documents).

Nothing from a document is rendered as HTML or Markdown: answer text, titles and snippets go
through ``ui.plain``/``ui.md_escape``. Every answer is recorded with its citations and scores, and
can be rated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import streamlit as st

from app_pages import ui
from knowledge.answer import Answer, answer_stream
from knowledge.errors import KnowledgeError
from trainer import library
from trainer.errors import TrainerError

user = ui.page_user("learner", "trainer", "admin")
svc = ui.services()

st.title(ui.tr("ask_title"))
st.caption(ui.tr("ask_caption"))
turns: list[dict[str, Any]] = st.session_state.setdefault("turns", [])
if turns and st.button(ui.tr("clear_chat"), key="clear_chat", icon=":material/delete_sweep:"):
    turns.clear()
    st.rerun()


def rate(ask_id: int) -> None:
    value = st.session_state.get(f"fb_{ask_id}")
    if value is None:
        return
    svc.asks.rate(user, ask_id, 1 if value == 1 else -1)


def save_reason(ask_id: int) -> None:
    value = st.session_state.get(f"fb_{ask_id}")
    reason = st.session_state.get(f"fb_reason_{ask_id}", "")
    if value is not None and reason.strip():
        svc.asks.rate(user, ask_id, 1 if value == 1 else -1, reason)
        st.session_state[f"fb_sent_{ask_id}"] = True


def show_citations(result: Answer, ask_id: int, heading: str = "sources") -> None:
    st.markdown(f"**{ui.tr(heading)}**")
    for c in result.citations:
        with ui.citation(c):
            if svc.kb.catalog.find_document(c.doc) is None:
                continue  # a curated answer's source may be a note, not a document
            cols = st.columns(2)
            ui.original_button(svc, user, c.doc, f"dl_{ask_id}_{c.n}", cols[0])
            if c.page and c.doc.lower().endswith(".pdf"):
                cols[1].download_button(
                    ui.tr("download_page", page=c.page),
                    data=lambda doc=c.doc, page=c.page: _page_bytes(doc, page),
                    file_name=f"{c.doc.rsplit('.', 1)[0]}-p{c.page}.pdf",
                    mime="application/pdf",
                    key=f"dlp_{ask_id}_{c.n}",
                    on_click="ignore",
                )


def _page_bytes(doc: str, page: int) -> bytes:
    excerpt = library.page_excerpt(ui.still(svc, user, *library.READERS), svc.kb, doc, page)  # runs on click
    return excerpt.data if excerpt else b""


def show_answer(result: Answer, ask_id: int) -> None:
    if result.notice:
        st.warning(result.notice)
    if result.mode == "faq":
        st.caption("✅ " + ui.tr("curated"))
    first, _, rest = result.text.partition("\n")
    if result.confidence == "related":
        # Not an answer: the box says so first, then the passages as quoted, with their sources.
        st.warning(f"**{ui.tr('related_title')}**  \n" + ui.md_escape(first), icon=":material/help:")
        ui.plain(rest)
        if result.citations:
            show_citations(result, ask_id, "related_sources")
        show_closest(result)
    elif result.grounded:
        ui.plain(result.text)
        if result.citations:
            show_citations(result, ask_id)
    else:
        st.error(f"**{ui.tr('not_found_title')}**  \n" + ui.md_escape(first))
        show_closest(result)
    feedback(ask_id)


def show_closest(result: Answer) -> None:
    if result.closest:
        st.markdown(ui.tr("closest_docs"))
        for doc, title in result.closest:
            st.markdown("- " + ui.md_escape(f"{title} ({doc})"))


def feedback(ask_id: int) -> None:
    st.caption(ui.tr("feedback_prompt"))
    st.feedback("thumbs", key=f"fb_{ask_id}", on_change=rate, args=(ask_id,))
    if st.session_state.get(f"fb_{ask_id}") is not None:
        if st.session_state.get(f"fb_sent_{ask_id}"):
            st.caption(ui.tr("feedback_thanks"))
        else:
            st.text_input(ui.tr("feedback_reason"), key=f"fb_reason_{ask_id}", max_chars=500)
            st.button(ui.tr("feedback_save_reason"), key=f"fb_send_{ask_id}", on_click=save_reason, args=(ask_id,))


for turn in turns:
    with st.chat_message("user"):
        ui.plain(turn["question"])
    with st.chat_message("assistant"):
        show_answer(turn["answer"], turn["ask_id"])

question = st.chat_input(ui.tr("ask_placeholder"), max_chars=500) or st.session_state.pop("pending_question", None)
if not turns and not question:
    st.markdown(ui.tr("examples"))
    cols = st.columns(2)
    for i in range(1, 5):
        example = ui.tr(f"example_{i}")
        if cols[(i - 1) % 2].button(example, key=f"example_{i}"):
            st.session_state["pending_question"] = example
            st.rerun()

if question:
    with st.chat_message("user"):
        ui.plain(question)
    with st.chat_message("assistant"):
        history = [turn["question"] for turn in turns]
        finished: list[Answer] = []

        def pieces() -> Iterator[str]:
            for piece in answer_stream(
                svc.kb, question, history=history, asked_by=user.username, chat_model=svc.chat_model
            ):
                if isinstance(piece, Answer):
                    finished.append(piece)
                else:
                    yield ui.md_escape(piece)

        try:
            if not svc.warm.is_set():
                st.caption(ui.tr("model_loading"))
            if svc.chat_model is not None:
                live = st.empty()
                with live.container():
                    st.write_stream(pieces())  # plain text pieces while the model writes
                live.empty()
            else:
                with st.spinner(ui.tr("thinking")):
                    for _ in pieces():
                        pass
        except (KnowledgeError, TrainerError) as exc:
            st.error(ui.error_text(exc))
        else:
            result = finished[-1]
            try:
                ask_id = svc.asks.record(user, result)
            except TrainerError as exc:  # app.db full or locked: a message, not a traceback
                st.error(ui.error_text(exc))
            else:
                turns.append({"question": question, "answer": result, "ask_id": ask_id})
                show_answer(result, ask_id)
