"""Grounded answers: extractive by default, an LLM when one is configured, never an unsupported claim.

One code path for the CLI, the chat page, the reply desk and tests: :func:`answer` (and
:func:`answer_stream` for the chat page when an LLM streams), on top of :func:`assess`. Steps:

1. a follow-up that cannot be understood alone is resolved against the conversation
   (:mod:`knowledge.followup`); any other question is answered on its own;
2. a curated FAQ that matches closely is returned verbatim (``mode="faq"``);
3. hybrid search, then every quotable unit of the top passages is scored by meaning and words
   (:mod:`knowledge.evidence`); a reranker, when configured, reorders the passages first;
4. the knowledge base's own calibration (:mod:`knowledge.calibration`) turns the measurements
   into one of three outcomes: **answered** (the best-supported units are quoted, each with a
   citation ``[n]`` whose snippet is exact text of that document's page; with an LLM, its reply
   with checked citations, and an optional judging step first), **related** (the passages are
   shown as related, not as an answer) or **not_found** (the closest documents are named).
   Related and not-found questions are recorded as knowledge gaps.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from knowledge import followup
from knowledge.errors import EmptyQuestion
from knowledge.evidence import Candidate, Features, asks_quantity, choose, idf_table, states_quantity, ui_language
from knowledge.retrieval import Hit

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase

__all__ = ["Answer", "Assessment", "Citation", "answer", "answer_stream", "assess", "idf_table", "ui_language"]


TEXTS = {
    "zh": {
        "refusal": "知识库中没有找到能够回答这个问题的内容。",
        "closest": "最接近的文档：",
        "intro": "根据知识库：",
        "other_language": "（以下依据为英文原文）",
        "llm_fallback": "大模型暂时不可用，以下为直接摘录的答案。",
        "llm_untrusted": "大模型的回答未被采用（{why}），以下为直接摘录的答案。",
        "why_uncited": "没有引用所给的任何段落",
        "why_numbers": "其中的数字 {numbers} 在所引段落中找不到",
        "curated": "（培训师审定的答案）",
        "related": "知识库中没有找到明确回答这个问题的内容。以下段落与问题相关，但不能确认就是答案，请核对原文：",
    },
    "en": {
        "refusal": "No document in the knowledge base answers this question.",
        "closest": "Closest documents:",
        "intro": "From the knowledge base:",
        "other_language": "(The supporting text is in Chinese and is quoted as written.)",
        "llm_fallback": "The language model is unavailable; this answer is quoted directly from the documents.",
        "llm_untrusted": "The language model's reply was not used ({why}); this answer is quoted directly from the "
        "documents.",
        "why_uncited": "it cited none of the passages",
        "why_numbers": "it states {numbers}, which the cited passages do not",
        "curated": "(Curated answer approved by a trainer)",
        "related": "No passage in the knowledge base confirms an answer to this question. These passages are related,"
        " but check the originals before relying on them:",
    },
}


@dataclass(frozen=True)
class Citation:
    n: int
    doc: str
    title: str
    page: int
    text: str  # an exact sentence of the document at that page
    chunk_id: str = ""

    def as_json(self) -> dict[str, object]:
        return {"n": self.n, "doc": self.doc, "title": self.title, "page": self.page, "text": self.text}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    grounded: bool
    citations: tuple[Citation, ...]
    mode: str  # extractive | llm | faq
    language: str
    query: str = ""  # what was searched (the question joined to a follow-up's context)
    closest: tuple[tuple[str, str], ...] = ()  # (doc, title) offered with a refusal
    notice: str = ""
    support: float = 0.0
    hits: tuple[Hit, ...] = field(default=(), repr=False)
    # answered: the quotes support the answer (the only outcome with grounded=True);
    # related: passages on the topic are shown, but they do not confirm an answer;
    # not_found: nothing close enough, the closest documents are named.
    confidence: str = ""

    def __post_init__(self) -> None:
        if not self.confidence:
            object.__setattr__(self, "confidence", "answered" if self.grounded else "not_found")

    def as_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "grounded": self.grounded,
            "confidence": self.confidence,
            "citations": [c.as_json() for c in self.citations],
            "mode": self.mode,
        }


@dataclass(frozen=True)
class Assessment:
    """What the knowledge base offers for one question, and the outcome its calibration gives."""

    query: str
    hits: list[Hit]
    candidates: list[Candidate]
    chosen: list[Candidate]
    features: Features
    confidence: str  # answered | related | not_found
    support: float  # the calibrated probability that the passages answer the question


def assess(kb: KnowledgeBase, query: str, own_terms: Sequence[str] = ()) -> Assessment:
    """The outcome for ``query`` (already resolved if it was a follow-up)."""
    hits, candidates, measured = kb.measure(query, own_terms)
    if not candidates:
        return Assessment(query, hits, [], [], measured, "not_found", 0.0)
    confidence, p = kb.calibration().decide(measured)
    chosen = choose(candidates)
    if confidence == "answered" and asks_quantity(query) and not any(states_quantity(c.text) for c in chosen):
        confidence = "related"  # on the topic, but the number asked for is not there
    return Assessment(query, hits, candidates, chosen, measured, confidence, round(p, 4))


def compose_extractive(
    question: str, hits: Sequence[Hit], chosen: Sequence[Candidate], *, header: str = "intro"
) -> tuple[str, list[Citation]]:
    """The quoted units with [n] citations under ``header`` (the intro of an answer, or the
    "related, not confirmed" line)."""
    language = ui_language(question)
    citations: list[Citation] = []
    lines = []
    for c in chosen:
        hit = hits[c.hit_index]
        citations.append(Citation(len(citations) + 1, hit.doc, hit.title, hit.page, c.text, hit.chunk_id))
        lines.append(f"{c.text} [{len(citations)}]")
    texts = TEXTS[language]
    top = texts[header]
    if chosen and all(c.language != language for c in chosen):
        top += " " + texts["other_language"]
    return top + "\n" + "\n".join(f"- {line}" for line in lines), citations


def _closest(hits: Sequence[Hit]) -> tuple[tuple[str, str], ...]:
    """(doc, title) of the first three documents among the hits."""
    closest: list[tuple[str, str]] = []
    for hit in hits:
        if (hit.doc, hit.title) not in closest:
            closest.append((hit.doc, hit.title))
    return tuple(closest[:3])


def refusal(question: str, hits: Sequence[Hit]) -> tuple[str, tuple[tuple[str, str], ...]]:
    texts = TEXTS[ui_language(question)]
    closest = _closest(hits)
    text = texts["refusal"]
    if closest:
        text += "\n" + texts["closest"] + "\n" + "\n".join(f"- {title} ({doc})" for doc, title in closest)
    return text, closest


# ---------------------------------------------------------------------------- the one entry point

MAX_QUESTION_CHARS = 1000


def clean_question(text: str) -> str:
    """The question as searched, recorded and shown back: control and invisible format characters
    dropped (text pasted from WeChat carries zero-width spaces; a bidi override would reorder what
    a trainer reads in the gap list), whitespace collapsed, and cut at MAX_QUESTION_CHARS so a
    pasted document costs no more than a question."""
    kept = "".join(
        ch if ch.isspace() or unicodedata.category(ch)[0] != "C" else "" for ch in text[: 4 * MAX_QUESTION_CHARS]
    )
    return " ".join(kept.split())[:MAX_QUESTION_CHARS]


def answer(
    kb: KnowledgeBase,
    question: str,
    *,
    history: Sequence[str] = (),
    asked_by: str = "",
    chat_model: Any | None = None,
) -> Answer:
    """Answer ``question`` from the knowledge base (see the module docstring)."""
    final: Answer | None = None
    for piece in answer_stream(kb, question, history=history, asked_by=asked_by, chat_model=chat_model):
        if isinstance(piece, Answer):
            final = piece
    assert final is not None
    return final


def answer_stream(
    kb: KnowledgeBase,
    question: str,
    *,
    history: Sequence[str] = (),
    asked_by: str = "",
    chat_model: Any | None = None,
) -> Iterator[str | Answer]:
    """Yield pieces of text as they are ready, then the finished :class:`Answer`."""
    question = clean_question(question)
    if not any(ch.isalnum() for ch in question):
        raise EmptyQuestion("Type a question first · 请先输入问题")
    language = ui_language(question)
    resolved = followup.resolve(question, [clean_question(h) for h in history])
    query = resolved.query
    faq = kb.match_faq(question) if not resolved.follow_up else None
    if faq is not None:
        result = _faq_answer(question, query, faq, language)
        yield result.text
        yield result
        return
    found = assess(kb, query, resolved.own_terms)
    hits, confidence = found.hits, found.confidence
    if confidence == "answered" and chat_model is not None and kb.settings.llm_judge:
        from knowledge.judge import judge_support

        verdict = judge_support(chat_model, question, [c.text for c in found.chosen], language)
        if verdict is False:
            confidence = "related"
    if confidence != "answered":
        if confidence == "related" and found.chosen:
            text, citations = compose_extractive(question, hits, found.chosen, header="related")
            closest = _closest(hits)
        else:
            confidence, citations = "not_found", []
            text, closest = refusal(question, hits)
        kb.catalog.record_gap(question, query, language, [d for d, _ in closest], found.support, asked_by, confidence)
        result = Answer(
            question,
            text,
            False,
            tuple(citations),
            "extractive",
            language,
            query,
            closest,
            support=found.support,
            hits=tuple(hits),
            confidence=confidence,
        )
        yield result.text
        yield result
        return
    if chat_model is not None:
        yield from _llm_answer(kb, chat_model, question, query, found, language, asked_by)
        return
    text, citations = compose_extractive(question, hits, found.chosen)
    result = Answer(
        question, text, True, tuple(citations), "extractive", language, query, support=found.support, hits=tuple(hits)
    )
    yield result.text
    yield result


def _faq_answer(question: str, query: str, faq: dict[str, Any], language: str) -> Answer:
    text = f"{faq['answer']}\n{TEXTS[language]['curated']} [1]"
    citation = Citation(1, faq["source"], faq["question"], 0, faq["answer"])
    return Answer(question, text, True, (citation,), "faq", language, query, support=1.0)


def _llm_answer(
    kb: KnowledgeBase, chat_model: Any, question: str, query: str, found: Assessment, language: str, asked_by: str
) -> Iterator[str | Answer]:
    from knowledge import llm

    hits = found.hits
    passages = list(hits[:5])
    messages = llm.build_messages(question, passages, language)
    pieces: list[str] = []
    shown = llm.CitationFilter(len(passages))  # the live text never shows a citation to nowhere
    try:
        for piece in llm.stream_reply(chat_model, messages):
            pieces.append(piece)
            if llm.REFUSAL_MARKER not in "".join(pieces) and not llm.REFUSAL_MARKER.startswith("".join(pieces)):
                if text := shown.feed(piece):
                    yield text
    except Exception as exc:  # unreachable, timeout, bad response: never an exception to the user
        notice = f"{TEXTS[language]['llm_fallback']} ({type(exc).__name__})"
        yield from _fallback(question, query, found, language, notice)
        return
    reply = "".join(pieces)
    if (rest := shown.flush()) and not llm.is_refusal(reply):
        yield rest
    if llm.is_refusal(reply):
        text, closest = refusal(question, hits)
        # the model read the passages and found no answer: a gap like any other refusal
        kb.catalog.record_gap(question, query, language, [d for d, _ in closest], found.support, asked_by, "not_found")
        yield Answer(
            question, text, False, (), "llm", language, query, closest, support=found.support, hits=tuple(hits)
        )
        return
    text, cited = llm.clean_reply(reply, len(passages))
    invented = llm.unsupported_numbers(text, [passages[n - 1].text for n in cited] + [question]) if cited else []
    if not cited or invented:
        words = TEXTS[language]
        why = words["why_numbers"].format(numbers=", ".join(invented)) if cited else words["why_uncited"]
        yield from _fallback(question, query, found, language, words["llm_untrusted"].format(why=why))
        return
    citations = tuple(
        Citation(
            n,
            passages[n - 1].doc,
            passages[n - 1].title,
            passages[n - 1].page,
            passages[n - 1].text,
            passages[n - 1].chunk_id,
        )
        for n in sorted(cited)
    )
    yield Answer(question, text, True, citations, "llm", language, query, support=found.support, hits=tuple(hits))


def _fallback(question: str, query: str, found: Assessment, language: str, notice: str) -> Iterator[str | Answer]:
    """The extractive answer, with ``notice`` saying why the language model's reply is not shown."""
    text, citations = compose_extractive(question, found.hits, found.chosen)
    result = Answer(
        question,
        text,
        True,
        tuple(citations),
        "extractive",
        language,
        query,
        support=found.support,
        notice=notice,
        hits=tuple(found.hits),
    )
    yield "\n\n" + notice + "\n\n" + result.text
    yield result
