"""GovMedia Academy - Streamlit entry point.

A router only: pages live in app_pages/ and call the packages. Until the app shell
(sign-in, roles, the Ask chat, the Library) lands, this page searches the knowledge base.
"""

from __future__ import annotations

import streamlit as st

from knowledge import KnowledgeBase, KnowledgeError, Settings


@st.cache_resource
def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase(Settings.from_env())


st.set_page_config(page_title="GovMedia Academy", page_icon="📚")
st.title("GovMedia Academy · 政务新媒体学院")
st.caption("Knowledge base search · 知识库检索")

query = st.text_input("Question · 问题", placeholder="发布前需要几审？ / How fast must we answer a message?")
if query:
    try:
        hits = knowledge_base().search(query, k=5)
    except KnowledgeError as exc:
        st.error(str(exc))
        hits = []
    if not hits:
        st.info("No passages found · 未找到相关内容")
    for hit in hits:
        with st.container(border=True):
            st.markdown(f"**{hit.title}** · {hit.doc} · p. {hit.page}")
            st.text(hit.text)  # plain text: nothing from a document is rendered as HTML or Markdown
