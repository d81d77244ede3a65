"""Check a draft: the pre-publish checker (``desk.drafts``) for everyone signed in.

It informs and never blocks. Draft and knowledge-base text is shown escaped (``ui.plain`` /
``ui.md_escape``), never as HTML or Markdown. Adding words to the list is for admins, checked
here and again inside ``desk.drafts.add_word``.
"""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from desk.drafts import (
    CATEGORIES,
    CATEGORY_NAMES,
    SEVERITIES,
    DraftReport,
    Finding,
    add_word,
    check_draft,
    load_wordlists,
    read_draft,
    rule_name,
)
from knowledge.errors import KnowledgeError
from trainer.errors import TrainerError

user = ui.page_user("learner", "trainer", "admin")
svc = ui.services()

st.title(ui.tr("draft_title"))
st.caption(ui.tr("draft_caption"))


def run_check(title: str, body: str, html: str | None = None) -> None:
    if not title.strip() and not body.strip():
        st.warning(ui.tr("draft_needs_text"))
        return
    try:
        if not svc.warm.is_set():
            st.caption(ui.tr("model_loading"))
        with st.spinner(ui.tr("thinking")):
            st.session_state["draft_report"] = check_draft(title, body, kb=svc.kb, html=html)
    except KnowledgeError as exc:
        st.error(ui.md_escape(ui.error_text(exc)))


paste, upload = st.tabs([ui.tr("draft_paste"), ui.tr("draft_upload")])
with paste:
    with st.form("draft_form"):
        title = st.text_input(ui.tr("draft_field_title"), key="draft_in_title", max_chars=200)
        body = st.text_area(ui.tr("draft_field_body"), key="draft_in_body", height=280, max_chars=50_000)
        if st.form_submit_button(ui.tr("draft_check")):
            run_check(title, body)
with upload:
    types = ["html", "htm", "txt", "md"]
    ui.uploader_in_language("draft_file", svc.settings.max_file_mb, types)
    file = st.file_uploader(ui.tr("draft_upload"), type=types, key="draft_file")
    if file is not None and st.button(ui.tr("draft_check"), key="draft_check_file"):
        data = file.getvalue()
        if len(data) > svc.settings.max_file_mb * 1024 * 1024:
            st.error(ui.md_escape(ui.tr("draft_file_too_big", name=file.name, mb=f"{svc.settings.max_file_mb:g}")))
        else:
            try:
                draft = read_draft(file.name, data)
            except KnowledgeError as exc:
                st.error(ui.md_escape(ui.error_text(exc)))
            else:
                run_check(draft.title, draft.body, draft.html)


def show_finding(f: Finding) -> None:
    excerpt = " ".join(f.excerpt.split())
    # The rule's name is in the interface language; the message is in the draft's.
    line = f"**{ui.md_inline(rule_name(f.rule, ui.lang()))}** · {ui.md_escape(f.message)}"
    if excerpt:
        line += "  \n> " + ui.md_escape(excerpt[:200])
    st.markdown(line)
    if f.citation:
        c = f.citation
        st.caption(ui.md_escape(ui.tr("draft_source", doc=c.doc, page=c.page) + " · “" + c.text + "”"))


def show_report(report: DraftReport) -> None:
    counts = {s: len(report.by_severity(s)) for s in SEVERITIES}
    st.subheader(ui.tr("draft_summary", errors=counts["error"], warnings=counts["warning"], infos=counts["info"]))
    if not any(counts.values()):
        st.success(ui.tr("draft_nothing"))
    for severity in SEVERITIES:
        items = [f for f in report.by_severity(severity) if f.rule != "originality"]
        if not items:
            continue
        box = {"error": st.error, "warning": st.warning, "info": st.info}[severity]
        box(f"{ui.tr('draft_sev_' + severity)} ({len(items)})")
        for f in items:
            show_finding(f)
    st.subheader(ui.tr("draft_originality"))
    if not report.matches:
        st.caption(ui.tr("draft_no_matches"))
    for f in report.matches:
        show_finding(f)
    if report.facts:
        st.subheader(ui.tr("draft_facts"))
        lines = [f"- {ui.md_escape(rule_name(f.rule, ui.lang()))}: {ui.md_escape(f.excerpt)}" for f in report.facts]
        st.markdown("\n".join(lines))
    if report.suggested_release:
        r = report.suggested_release
        st.subheader(ui.tr("draft_release"))
        ui.plain(r.window)
        st.caption(ui.md_escape(r.reason))
        for c in r.citations:
            st.caption(ui.md_escape(ui.tr("draft_source", doc=c.doc, page=c.page) + " · “" + c.text + "”"))
    st.download_button(
        ui.tr("draft_download"),
        data=report.review_sheet().encode("utf-8"),
        file_name="review-sheet.md",
        mime="text/markdown",
        key="draft_download",
        on_click="ignore",
    )


report = st.session_state.get("draft_report")
if isinstance(report, DraftReport):
    show_report(report)

if user.can("admin"):
    with st.expander(ui.tr("draft_words_title")):
        try:
            st.caption(ui.tr("draft_words_count", n=len(load_wordlists(svc.settings.data_dir))))
        except KnowledgeError as exc:
            st.error(ui.md_escape(ui.error_text(exc)))
        with st.form("draft_word_form", clear_on_submit=True):
            wrong = st.text_input(ui.tr("draft_word_wrong"), key="draft_word_wrong", max_chars=100)
            suggestion = st.text_input(ui.tr("draft_word_suggestion"), key="draft_word_suggestion", max_chars=200)
            category_names = {c: CATEGORY_NAMES[c][0 if ui.lang() == "zh" else 1] for c in CATEGORIES}
            category = st.selectbox(
                ui.tr("draft_word_category"),
                list(CATEGORIES),
                key="draft_word_category",
                format_func=category_names.__getitem__,
            )
            note = st.text_input(ui.tr("draft_word_note"), key="draft_word_note", max_chars=300)
            if st.form_submit_button(ui.tr("draft_word_add")):
                try:
                    rule = add_word(svc.settings, user, wrong, suggestion, category, note)
                except (KnowledgeError, TrainerError) as exc:
                    st.error(ui.md_escape(ui.error_text(exc)))
                else:
                    st.success(ui.md_escape(ui.tr("draft_word_added", wrong=rule.wrong)))
