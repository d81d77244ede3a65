"""What the Library page does, with the role check inside every action (not only in the page).

Admins change the knowledge base; trainers may look at it and test retrieval; everyone may open
the original of a document an answer cites.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.catalog import DocumentRecord
from knowledge.errors import KnowledgeError
from knowledge.kb import IngestResult, KnowledgeBase, Progress
from knowledge.retrieval import Hit

from .accounts import User, require_role

VIEWERS = ("trainer", "admin")
EDITORS = ("admin",)
READERS = ("learner", "trainer", "admin")
# Curated answers and knowledge gaps: the Dashboard's Gaps tab (trainer.reports.answer_gap, gap_items),
# i.e. trainer.learning.STAFF - spelled out here so this module stays light for the knowledge CLI.
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
    """The table's search box and filters: words match title or file name, case-insensitively."""
    words = text.lower().split()
    return [
        d
        for d in docs
        if (not kinds or d.kind in kinds)
        and (not languages or d.language in languages)
        and all(w in d.title.lower() or w in d.doc.lower() for w in words)
    ]


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
