"""Library: the knowledge base's documents. Admins upload, delete and re-index; trainers view and
test retrieval. ``trainer.library`` checks the role again inside every action."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from knowledge.errors import KnowledgeError
from knowledge.loaders import KINDS, SUPPORTED_SUFFIXES
from trainer import library
from trainer.errors import TrainerError
from trainer.i18n import TEXT

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


DASH = "–"


def kind_label(kind: str | None) -> str:
    return KIND_NAMES[kind] if kind else KIND_AUTO


def size_label(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def show_document(doc: str) -> None:
    """One document: its details and original, its text page by page, its chunks as indexed."""
    try:
        view = library.document_view(user, svc.kb, doc)
    except (KnowledgeError, TrainerError) as exc:
        st.error(ui.md_escape(ui.error_text(exc)))
        return
    d = view.record
    st.subheader(ui.md_escape(d.title))
    info, text_tab, chunk_tab = st.tabs(
        [ui.tr("doc_tab_info"), ui.tr("doc_tab_text"), ui.tr("doc_tab_chunks")], key="doc_tabs"
    )
    with info:
        details = [
            (ui.tr("file"), d.doc),
            (ui.tr("kind"), kind_label(d.kind)),
            (ui.tr("language_col"), language_label(d.language)),
            (ui.tr("pages"), ui.tr("n_pages", n=d.pages)),
            (ui.tr("chunks"), ui.tr("n_chunks", n=d.chunks)),
            (ui.tr("doc_size"), size_label(d.size)),
            (ui.tr("added_at"), when(d.added_at)),
            (ui.tr("doc_updated"), when(d.updated_at)),
            (ui.tr("added_by"), d.added_by or DASH),
            (ui.tr("doc_fingerprint"), d.sha256[:16] + "…"),
        ]
        st.markdown("\n".join(f"- **{ui.md_inline(k)}**：{ui.md_escape(v)}" for k, v in details))
        if view.has_original:
            try:
                original = library.original(user, svc.kb, d.doc)
            except (KnowledgeError, TrainerError) as exc:
                st.error(ui.md_escape(ui.tr("doc_read_failed", error=ui.error_text(exc))))
            else:
                st.download_button(
                    ui.tr("download_original"),
                    data=original.data,
                    file_name=original.file_name,
                    mime=original.mime,
                    key=f"doc_download:{d.doc}",
                    on_click="ignore",
                )
        else:
            st.info(ui.tr("doc_no_original"))
    with text_tab:
        if view.text_from_chunks:
            st.caption(ui.tr("doc_text_from_chunks"))
        total = len(view.pages)
        page = 1
        if total > 1:
            page = int(st.number_input(ui.tr("doc_page"), 1, total, 1, key=f"doc_page:{d.doc}"))
        st.caption(ui.tr("doc_page_of", page=page, total=total))
        body = view.pages[page - 1].strip()
        with st.container(height=420):
            if body:
                ui.plain(body)
            else:
                st.caption(ui.tr("doc_page_empty"))
    with chunk_tab:
        st.caption(ui.tr("doc_chunks_intro"))
        st.dataframe(
            [
                {
                    "#": n,
                    ui.tr("doc_page"): c.page,
                    ui.tr("heading_col"): c.heading or DASH,
                    ui.tr("passage_text"): c.text,
                }
                for n, c in enumerate(view.chunks, 1)
            ],
            hide_index=True,
            width="stretch",
            column_config={ui.tr("passage_text"): st.column_config.TextColumn(width="large")},
        )


# ------------------------------------------------------------------ upload (admin)
if can_edit:
    with st.expander(ui.tr("upload_title"), expanded=not svc.kb.documents()):
        mb = svc.settings.max_file_mb
        types = [s.lstrip(".") for s in SUPPORTED_SUFFIXES]
        ui.uploader_in_language("upload_files", mb, types)
        with st.form("upload", clear_on_submit=True):
            files = st.file_uploader(
                ui.tr("upload_help", mb=f"{mb:g}"),
                type=types,
                accept_multiple_files=True,
                max_upload_size=max(1, int(mb)),
                key="upload_files",
            )
            kind = st.selectbox(ui.tr("kind"), [None, *KINDS], format_func=kind_label, placeholder=ui.tr("choose_one"))
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
                    st.error(f"{label}: {ui.md_escape(ui.error_text(exc))}")
                    continue
                bar.progress(1.0, text=label)
                line = f"{ui.tr('status_' + result.status)} · {result.doc}"
                if result.status in ("added", "updated"):
                    line += f" · {ui.tr('n_pages', n=result.pages)} · {ui.tr('n_chunks', n=result.chunks)}"
                if result.message:
                    line += f" · {result.message}"
                show = st.error if result.status == "failed" else st.success
                show(ui.md_escape(line))


# ------------------------------------------------------------------ the table
def language_label(code: str) -> str:
    key = f"lang_{code}"
    return ui.tr(key) if key in TEXT else code


def when(stamp: str) -> str:
    return stamp[:16].replace("T", " ") or DASH


docs = library.documents(user, svc.kb)
if not docs:
    st.info(ui.tr("no_documents"))
else:
    cols = st.columns([3, 2, 2])
    text = cols[0].text_input(ui.tr("search_docs"), key="doc_search")
    kinds = cols[1].multiselect(
        ui.tr("kind"),
        list(KINDS),
        format_func=kind_label,
        key="doc_kinds",
        placeholder=ui.tr("choose_many"),
        select_all=False,
        filter_mode=None,
    )
    languages = cols[2].multiselect(
        ui.tr("language_col"),
        sorted({d.language for d in docs}),
        format_func=language_label,
        key="doc_langs",
        placeholder=ui.tr("choose_many"),
        select_all=False,
        filter_mode=None,
    )
    try:
        matches = library.search_documents(user, svc.kb, text, kinds, languages)
    except KnowledgeError as exc:  # the content search needs the index: fall back to titles, say why
        st.warning(ui.md_escape(ui.error_text(exc)))
        matches = [library.DocumentMatch(d, "title") for d in library.filter_documents(docs, text, kinds, languages)]
    searching = bool(text.strip())
    rows = []
    for m in matches:
        d = m.record
        row = {
            ui.tr("title"): d.title,
            ui.tr("file"): d.doc,
            ui.tr("kind"): kind_label(d.kind),
            ui.tr("language_col"): language_label(d.language),
            ui.tr("pages"): d.pages,
            ui.tr("chunks"): d.chunks,
            ui.tr("added_at"): when(d.added_at),
            ui.tr("added_by"): d.added_by or DASH,
        }
        if searching:
            row[ui.tr("matched_by")] = ui.tr("match_" + m.by)
            row[ui.tr("passage_text")] = m.passage or DASH
        rows.append(row)
    picked = st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        key="doc_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            ui.tr("title"): st.column_config.TextColumn(width="large"),
            ui.tr("file"): st.column_config.TextColumn(width="medium"),
            ui.tr("passage_text"): st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(f"{len(matches)} / {len(docs)}")
    if searching and any(m.by == "content" for m in matches):
        st.caption(ui.tr("search_content_hits", n=sum(m.by == "content" for m in matches)))

    # A click on a row opens that document (once: the open-document box may be changed afterwards).
    selected = [matches[i].record.doc for i in picked.selection.rows if i < len(matches)]  # type: ignore[union-attr]
    if selected and st.session_state.get("doc_table_last") != selected[0]:
        st.session_state["doc_open"] = selected[0]
    st.session_state["doc_table_last"] = selected[0] if selected else None
    names = [d.doc for d in docs]
    titles = {d.doc: f"{d.title} · {d.doc}" for d in docs}
    opened = st.selectbox(
        ui.tr("doc_open"),
        names,
        index=None,
        format_func=titles.__getitem__,
        key="doc_open",
        placeholder=ui.tr("choose_one"),
    )
    if opened:
        show_document(str(opened))

    if can_edit:
        with st.expander(ui.tr("delete_title")):
            names = [d.doc for d in docs]
            target = st.selectbox(
                ui.tr("delete_pick"), names, index=None, key="delete_pick", placeholder=ui.tr("choose_one")
            )
            sure = st.checkbox(ui.tr("delete_confirm"), key="delete_sure")
            if st.button(ui.tr("delete_button"), disabled=not (target and sure), key="delete_button"):
                try:
                    removed = library.remove(user, svc.kb, str(target))
                except (KnowledgeError, TrainerError) as exc:
                    st.error(ui.md_escape(ui.error_text(exc)))
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
                    st.error(ui.md_escape(ui.error_text(exc)))
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
        st.error(ui.md_escape(ui.error_text(exc)))
    else:
        if not hits:
            st.info(ui.tr("no_passages"))
        st.dataframe(
            [
                {
                    "#": rank,
                    ui.tr("title"): h.title,
                    ui.tr("file"): h.doc,
                    ui.tr("doc_page"): h.page,
                    ui.tr("score"): round(h.score, 4),
                    ui.tr("similarity"): round(h.similarity, 3),
                    ui.tr("keyword"): round(h.lexical, 2),
                    ui.tr("passage_text"): h.text,
                }
                for rank, h in enumerate(hits, 1)
            ],
            hide_index=True,
            width="stretch",
        )
