"""Library: the knowledge base's documents. Admins upload, delete and re-index; trainers view and
test retrieval. ``trainer.library`` checks the role again inside every action."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from knowledge.errors import KnowledgeError
from knowledge.loaders import KINDS, SUPPORTED_SUFFIXES
from trainer import library
from trainer.errors import TrainerError

user = ui.page_user(*library.VIEWERS)
svc = ui.services()
can_edit = user.can(*library.EDITORS)

st.title(ui.tr("library_title"))
if not can_edit:
    st.info(ui.tr("library_view_only"))
flash = st.session_state.pop("library_flash", "")
if flash:
    st.success(ui.md_escape(flash))


KIND_NAMES = {k: ui.tr(f"kind_{k}") for k in KINDS}  # resolved now: widgets call format_func later
KIND_AUTO = ui.tr("kind_auto")


def kind_label(kind: str | None) -> str:
    return KIND_NAMES[kind] if kind else KIND_AUTO


# ------------------------------------------------------------------ upload (admin)
if can_edit:
    with st.expander(ui.tr("upload_title"), expanded=not svc.kb.documents()):
        mb = svc.settings.max_file_mb
        with st.form("upload", clear_on_submit=True):
            files = st.file_uploader(
                ui.tr("upload_help", mb=f"{mb:g}"),
                type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
                accept_multiple_files=True,
                max_upload_size=max(1, int(mb)),
            )
            kind = st.selectbox(ui.tr("kind"), [None, *KINDS], format_func=kind_label)
            submitted = st.form_submit_button(ui.tr("upload_button"), type="primary")
        if submitted and not files:  # also when the click beat a slow upload to the server
            st.warning(ui.tr("upload_choose_files"))
        if submitted and files:
            for uploaded in files:
                label = ui.md_escape(uploaded.name)
                bar = st.progress(0.0, text=label)

                def progress(_name: str, done: int, total: int, bar=bar, label=label) -> None:
                    bar.progress(done / total if total else 1.0, text=f"{label} · {done}/{total}")

                try:
                    result = library.upload(
                        user, svc.kb, [(uploaded.name, uploaded.getvalue())], kind=kind, progress=progress
                    )[0]
                except (KnowledgeError, TrainerError) as exc:
                    st.error(f"{label}: {ui.md_escape(str(exc))}")
                    continue
                bar.progress(1.0, text=label)
                line = f"{ui.tr('status_' + result.status)} · {result.doc}"
                if result.status in ("added", "updated"):
                    line += f" · {result.pages} {ui.tr('pages')} · {result.chunks} {ui.tr('chunks')}"
                if result.message:
                    line += f" · {result.message}"
                show = st.error if result.status == "failed" else st.success
                show(ui.md_escape(line))

# ------------------------------------------------------------------ the table
docs = library.documents(user, svc.kb)
if not docs:
    st.info(ui.tr("no_documents"))
else:
    cols = st.columns([3, 2, 2])
    text = cols[0].text_input(ui.tr("search_docs"), key="doc_search")
    kinds = cols[1].multiselect(ui.tr("kind"), list(KINDS), format_func=kind_label, key="doc_kinds")
    languages = cols[2].multiselect(ui.tr("language_col"), sorted({d.language for d in docs}), key="doc_langs")
    shown = library.filter_documents(docs, text, kinds, languages)
    st.dataframe(
        [
            {
                ui.tr("title"): d.title,
                ui.tr("file"): d.doc,
                ui.tr("kind"): kind_label(d.kind),
                ui.tr("language_col"): d.language,
                ui.tr("pages"): d.pages,
                ui.tr("chunks"): d.chunks,
                ui.tr("added_at"): d.added_at[:16].replace("T", " "),
                ui.tr("added_by"): d.added_by,
            }
            for d in shown
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(f"{len(shown)} / {len(docs)}")

    if can_edit:
        with st.expander(ui.tr("delete_title")):
            names = [d.doc for d in docs]
            target = st.selectbox(ui.tr("delete_pick"), names, index=None, key="delete_pick")
            sure = st.checkbox(ui.tr("delete_confirm"), key="delete_sure")
            if st.button(ui.tr("delete_button"), disabled=not (target and sure), key="delete_button"):
                try:
                    removed = library.remove(user, svc.kb, str(target))
                except (KnowledgeError, TrainerError) as exc:
                    st.error(ui.md_escape(str(exc)))
                else:
                    st.session_state["library_flash"] = ui.tr("deleted", doc=removed.doc)
                    st.rerun()
        with st.expander(ui.tr("reindex_title")):
            st.caption(ui.tr("reindex_help"))
            if st.button(ui.tr("reindex_button"), key="reindex_button"):
                bar = st.progress(0.0)
                order = {d.doc: i for i, d in enumerate(docs)}

                def reindex_progress(name: str, done: int, total: int) -> None:
                    share = (order.get(name, 0) + (done / total if total else 1)) / len(docs)
                    bar.progress(min(1.0, share), text=ui.md_escape(name))

                try:
                    results = library.reindex(user, svc.kb, progress=reindex_progress)
                except (KnowledgeError, TrainerError) as exc:
                    st.error(ui.md_escape(str(exc)))
                else:
                    bar.progress(1.0)
                    st.success(ui.tr("reindex_done", n=sum(r.status != "failed" for r in results)))
                    for r in results:
                        if r.status == "failed":
                            st.error(ui.md_escape(r.line()))

# ------------------------------------------------------------------ retrieval test
st.subheader(ui.tr("retrieval_title"))
st.caption(ui.tr("retrieval_help"))
probe = st.text_input(ui.tr("retrieval_question"), key="retrieval_question")
if probe.strip():
    try:
        hits = library.retrieval_test(user, svc.kb, probe)
    except (KnowledgeError, TrainerError) as exc:
        st.error(ui.md_escape(str(exc)))
    else:
        if not hits:
            st.info(ui.tr("no_passages"))
        st.dataframe(
            [
                {
                    "#": rank,
                    ui.tr("title"): h.title,
                    ui.tr("file"): h.doc,
                    ui.tr("pages"): h.page,
                    ui.tr("score"): round(h.score, 4),
                    ui.tr("similarity"): round(h.similarity, 3),
                    ui.tr("keyword"): round(h.lexical, 2),
                    "text": h.text,
                }
                for rank, h in enumerate(hits, 1)
            ],
            hide_index=True,
            width="stretch",
        )
