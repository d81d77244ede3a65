"""A knowledge base with one question for each of the chat's three outcomes, for the tests that
show them (the Ask page in AppTest and in a real browser).

Which outcome a question gets depends on the knowledge base's own calibration
(``knowledge.calibration``): fitted per corpus, and retuned as the answer logic improves. So no
test hard-codes the outcome of a question, and none depends on one fragile score:

- the corpus is a real sample policy (``en-message-handling.md``), whose own calibration is kept
  but *curated*: its thresholds are set wide apart (answered from p >= ANSWER_AT, related from
  p >= RELATED_AT), so that "related" is a band a question can land in - fitted on a small
  corpus the two thresholds can coincide, and then no question is ever "related";
- the question for each outcome is *searched for* at build time among a few candidates, in the
  order and with the conversation history the tests then use (answered, then related, then not
  found, in one chat), and the first candidate that lands is taken. The candidates range from
  what the policy states outright, through what it touches without saying, to what it never
  mentions, so a retuned model still puts one of each in place; a failure lists every
  candidate's outcome and probability, to choose better ones.

The probing answers are recorded as knowledge gaps like any other; they are marked handled, so
a test sees only its own.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from knowledge.answer import answer
from knowledge.calibration import META_KEY
from knowledge.embeddings import Embedder
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "knowledge" / "samples" / "policies" / "en-message-handling.md"
ANSWER_AT = 0.9
RELATED_AT = 0.2

# Most likely first. Invented for these tests: none comes from an evaluation set.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "answered": (  # stated outright in the policy
        "When do staff check the back end on working days?",
        "How many working days do we have to settle a simple enquiry?",
        "How long is the WeChat customer-service window?",
    ),
    "related": (  # on the policy's topics, but the asked detail is not there
        "Who keeps the Message Handling Log?",
        "Can we block a user who sends abusive messages?",
        "How do we reply to a message in a foreign language?",
        "How do we handle a message that threatens self-harm?",
        "Is there a bonus for answering messages quickly?",
        "What goes into the Message Handling Log?",
    ),
    "not_found": (  # nothing to do with it
        "Which canteen serves the best dumplings on Thursdays?",
        "What time does the staff canteen open?",
        "How do I book the district meeting room?",
    ),
}
ORDER = ("answered", "related", "not_found")


class NoCandidateLands(AssertionError):
    "No candidate question got the outcome a test needs"


def curate(kb: KnowledgeBase, answer_at: float = ANSWER_AT, related_at: float = RELATED_AT) -> None:
    """Keep the knowledge base's fitted calibration, with these thresholds (see the module docstring)."""
    fitted = kb.calibration()
    curated = dataclasses.replace(
        fitted,
        answer_at=dict.fromkeys(fitted.answer_at, answer_at),
        related_at=dict.fromkeys(fitted.related_at, related_at),
    )
    kb.catalog.set_meta(META_KEY, curated.to_json())


def find_questions(kb: KnowledgeBase, candidates: dict[str, Sequence[str]] = CANDIDATES) -> dict[str, str]:
    """outcome -> the first candidate that gets it, asked in ORDER as one conversation."""
    found: dict[str, str] = {}
    tried: list[str] = []
    before = {g["id"] for g in kb.catalog.gaps(None)}
    for outcome in ORDER:
        history = [found[o] for o in ORDER if o in found]
        for question in candidates[outcome]:
            result = answer(kb, question, history=history)
            tried.append(f"{result.confidence:>9}  p={result.support:.3f}  {question}")
            if result.confidence == outcome:
                found[outcome] = question
                break
        else:
            raise NoCandidateLands(f"no candidate is {outcome!r} with this calibration:\n" + "\n".join(tried))
    kb.catalog.set_gap_status([g["id"] for g in kb.catalog.gaps(None) if g["id"] not in before], "handled")
    return found


def build(data_dir: Path, e5: Embedder) -> dict[str, str]:
    """Index the policy into ``data_dir`` with the curated calibration; outcome -> question."""
    kb = KnowledgeBase(Settings.from_env({}, data_dir=data_dir), embedder=e5)
    try:
        [result] = kb.ingest([POLICY], kind="policy")
        assert result.status == "added", result
        curate(kb)
        return find_questions(kb)
    finally:
        kb.close()


def copy_into(template: Path, data_dir: Path) -> None:
    """A fresh copy of a built knowledge base for one test (its writes stay its own)."""
    shutil.copytree(template, data_dir, dirs_exist_ok=True)


def force_reply_outcome(monkeypatch: pytest.MonkeyPatch, confidence: str) -> None:
    """The reply desk's look-up of the message's subject (``desk.replies.assess``) with its
    outcome set to ``confidence``; the passages found stay the real ones. For tests of what each
    outcome does to a draft, whatever the calibration of the day decides."""
    import desk.replies

    real = desk.replies.assess

    def forced(kb: KnowledgeBase, query: str, own_terms: Sequence[str] = ()) -> Any:
        return dataclasses.replace(real(kb, query, own_terms), confidence=confidence)

    monkeypatch.setattr(desk.replies, "assess", forced)
