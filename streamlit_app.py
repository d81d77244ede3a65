"""GovMedia Academy - Streamlit entry point.

Until the app shell (sign-in, roles, st.navigation over app_pages/) lands, this is the Ask
chat on the knowledge base: the same `knowledge.answer` code path as the CLI. Nothing from a
document is rendered as HTML: answers and snippets are shown as plain text.
"""

from __future__ import annotations

import streamlit as st

from knowledge import KnowledgeBase, KnowledgeError, Settings
from knowledge.answer import Answer, answer_stream
from knowledge.llm import make_chat_model


@st.cache_resource
def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase(Settings.from_env())


@st.cache_resource
def chat_model():  # type: ignore[no-untyped-def]
    return make_chat_model(Settings.from_env())


def show_answer(result: Answer) -> None:
    if result.notice:
        st.warning(result.notice)
    if result.grounded:
        st.text(result.text)
    else:
        st.error(result.text)
    for c in result.citations:
        with st.expander(f"[{c.n}] {c.title} · {c.doc} · p. {c.page}"):
            st.text(c.text)


st.set_page_config(page_title="GovMedia Academy", page_icon="📚")
st.title("GovMedia Academy · 政务新媒体学院")
st.caption("Ask the knowledge base · 向知识库提问")
st.session_state.setdefault("turns", [])

for turn in st.session_state["turns"]:
    with st.chat_message("user"):
        st.text(turn.question)
    with st.chat_message("assistant"):
        show_answer(turn)

question = st.chat_input("发布前需要几审？ / How fast must we answer a message?")
if question:
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        history = [t.question for t in st.session_state["turns"]]
        try:
            final = None
            with st.spinner("…"):
                for piece in answer_stream(knowledge_base(), question, history=history, chat_model=chat_model()):
                    if isinstance(piece, Answer):
                        final = piece
            if final is not None:
                show_answer(final)
                st.session_state["turns"].append(final)
        except KnowledgeError as exc:
            st.error(str(exc))
