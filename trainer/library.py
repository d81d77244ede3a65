"""What the Library page does, with the role check inside every action (not only in the page).

Admins change the knowledge base; trainers may look at it and test retrieval; everyone may open
the original of a document an answer cites.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.catalog import ChunkRecord, DocumentRecord
from knowledge.errors import KnowledgeError
from knowledge.kb import IngestResult, KnowledgeBase, Progress
from knowledge.loaders import load_bytes
from knowledge.retrieval import Hit
from trainer.people.accounts import User, require_role

VIEWERS = ("trainer", "admin")
EDITORS = ("admin",)
READERS = ("learner", "trainer", "admin")
# Curated answers and knowledge gaps: the Dashboard's Gaps tab (trainer.analytics.reports.answer_gap, gap_items),
# i.e. trainer.learning.quiz.STAFF - spelled out here so this module stays light for the knowledge CLI.
CURATORS = ("trainer", "admin")

# ``python -m knowledge ACTION`` in a data folder that has accounts: the roles that may run it, by the
# app's rules - documents change only where the Library page lets them change (EDITORS), curated answers
# and gaps as on the Dashboard (CURATORS). Reading is for every role: each role may already open the
# original of any document an answer cites. None: no sign-in needed - ``seed`` only indexes the shipped
# samples into a folder that was never seeded (scripts/start.sh runs it on every start).
KNOWLEDGE_CLI_ROLES: dict[str, tuple[str, ...] | None] = {
    "ingest": EDITORS,
    "remove": EDITORS,
    "reindex": EDITORS,
    "seed --force": EDITORS,
    "seed": None,
    "faq add": CURATORS,
    "faq remove": CURATORS,
    "gaps": CURATORS,
    "check": VIEWERS,
    "faq list": READERS,
    "list": VIEWERS,  # the document table is the Library page's, which learners do not have
    "search": READERS,
    "ask": READERS,
    "draft-reply": READERS,
    "check-draft": READERS,
}


def knowledge_cli_roles(action: str) -> tuple[str, ...] | None:
    """Who may run ``python -m knowledge ACTION``; an action without a rule is for administrators only."""
    return KNOWLEDGE_CLI_ROLES.get(action, EDITORS)


def authorise_knowledge_cli(user: User | None, action: str) -> User | None:
    """PermissionDenied unless ``user`` may run ``action`` (``user`` None: only an open action)."""
    roles = knowledge_cli_roles(action)
    if roles is None and user is None:
        return None
    return require_role(user, *(roles or READERS))


@dataclass(frozen=True)
class Original:
    file_name: str
    mime: str
    data: bytes


_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
}


def documents(user: User, kb: KnowledgeBase) -> list[DocumentRecord]:
    require_role(user, *VIEWERS)
    return kb.documents()


def filter_documents(
    docs: Sequence[DocumentRecord],
    text: str = "",
    kinds: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> list[DocumentRecord]:
    """The table's filters, and its search box on titles: words match title or file name, case-insensitively."""
    words = text.lower().split()
    return [
        d
        for d in docs
        if (not kinds or d.kind in kinds)
        and (not languages or d.language in languages)
        and all(w in d.title.lower() or w in d.doc.lower() for w in words)
    ]


# How many passages the content search asks the knowledge base for: enough to reach every document
# of an office's library that uses the words, few enough to stay a single ordinary search.
CONTENT_SEARCH_PASSAGES = 40


@dataclass(frozen=True)
class DocumentMatch:
    record: DocumentRecord
    by: str  # "title" (title or file name) or "content" (the knowledge base's search found its text)
    passage: str = ""  # for a content match: the best passage's text


def search_documents(
    user: User,
    kb: KnowledgeBase,
    text: str = "",
    kinds: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> list[DocumentMatch]:
    """The Library's search box: title and file-name matches first, then documents whose text the
    knowledge base's own search finds (:meth:`KnowledgeBase.search`, the chat's hybrid search).

    A content match needs a keyword hit (the words, or their translation, occur in the passage): the
    dense side of the search always returns its nearest passages, so without that rule every search
    would list documents that merely share a topic with the words.
    """
    docs = documents(user, kb)
    filtered = filter_documents(docs, "", kinds, languages)
    if not text.strip():
        return [DocumentMatch(d, "title") for d in filtered]
    by_title = filter_documents(filtered, text)
    matches = [DocumentMatch(d, "title") for d in by_title]
    seen = {d.doc for d in by_title}
    allowed = {d.doc: d for d in filtered}
    for hit in kb.search(text, k=CONTENT_SEARCH_PASSAGES):
        if hit.doc in seen or hit.doc not in allowed or not any(s.startswith("lexical") for s in hit.sources):
            continue
        seen.add(hit.doc)
        matches.append(DocumentMatch(allowed[hit.doc], "content", hit.text))
    return matches


@dataclass(frozen=True)
class DocumentView:
    """One document as the Library shows it: its record, its text page by page, its chunks as indexed."""

    record: DocumentRecord
    pages: tuple[str, ...]  # pages[0] is page 1
    chunks: tuple[ChunkRecord, ...]
    has_original: bool  # the uploaded file is in the data folder (download, text read from it)
    text_from_chunks: bool = False  # no original: the pages were put together from the chunks


def document_view(user: User, kb: KnowledgeBase, doc: str) -> DocumentView:
    """Read-only: the catalogue's record and chunks, and the kept original read again for the text."""
    require_role(user, *VIEWERS)
    record = kb.document(doc)
    chunks = tuple(kb.catalog.chunks_of(record.id))
    path = kb.stored_file(record)
    try:
        loaded = load_bytes(record.doc, path.read_bytes())
    except (OSError, KnowledgeError):
        loaded = None
    if loaded is not None:
        count = max(record.pages, loaded.pages, 1)
        pages = tuple(loaded.page_text(n) for n in range(1, count + 1))
        return DocumentView(record, pages, chunks, has_original=True)
    count = max([record.pages, 1, *(c.page for c in chunks)])
    texts: list[list[str]] = [[] for _ in range(count)]
    for chunk in chunks:
        texts[max(chunk.page, 1) - 1].append(chunk.text)
    return DocumentView(
        record, tuple("\n".join(t) for t in texts), chunks, has_original=path.is_file(), text_from_chunks=True
    )


def upload(
    user: User,
    kb: KnowledgeBase,
    files: Sequence[tuple[str, bytes]],
    *,
    kind: str | None = None,
    progress: Progress | None = None,
) -> list[IngestResult]:
    """One result per file, in order; a bad file fails alone and the batch goes on."""
    require_role(user, *EDITORS)
    results = [
        kb.ingest_upload(name, data, kind=kind, progress=progress, added_by=user.username) for name, data in files
    ]
    if any(r.status in ("added", "updated") for r in results):
        kb.calibrate_soon()
    return results


def remove(user: User, kb: KnowledgeBase, doc: str) -> DocumentRecord:
    require_role(user, *EDITORS)
    removed = kb.remove(doc)
    kb.calibrate_soon()
    return removed


def reindex(user: User, kb: KnowledgeBase, progress: Progress | None = None) -> list[IngestResult]:
    require_role(user, *EDITORS)
    results = kb.reindex(progress=progress)
    kb.calibrate_soon()
    return results


def retrieval_test(user: User, kb: KnowledgeBase, question: str, k: int = 8) -> list[Hit]:
    """The ranked passages for ``question``: the very search the chat runs."""
    require_role(user, *VIEWERS)
    return kb.search(question, k=k)


def original(user: User, kb: KnowledgeBase, doc: str) -> Original:
    """The file as it was uploaded, for the citation's download button."""
    require_role(user, *READERS)
    record = kb.document(doc)
    path = kb.stored_file(record)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"The original of '{doc}' is missing from the data folder - upload it again") from exc
    suffix = path.suffix.lower()
    return Original(record.doc, _MIME.get(suffix, "application/octet-stream"), data)


def page_excerpt(user: User, kb: KnowledgeBase, doc: str, page: int) -> Original | None:
    """A one-page PDF of the cited page, or None when the original is not a PDF."""
    from pypdf import PdfReader, PdfWriter

    full = original(user, kb, doc)
    if full.mime != "application/pdf":
        return None
    reader = PdfReader(io.BytesIO(full.data))
    if not 1 <= page <= len(reader.pages):
        return None
    writer = PdfWriter()
    writer.add_page(reader.pages[page - 1])
    out = io.BytesIO()
    writer.write(out)
    stem = full.file_name.rsplit(".", 1)[0]
    return Original(f"{stem}-p{page}.pdf", full.mime, out.getvalue())
