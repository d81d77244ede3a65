"""Grounded answers: extractive by default, an LLM when one is configured, never an unsupported claim.

One code path for the CLI, the chat page and tests: :func:`answer` (and :func:`answer_stream`
for the chat page when an LLM streams). Steps:

1. a short follow-up ("and for WeChat groups?") is joined to the previous question;
2. a curated FAQ that matches closely is returned verbatim (``mode="faq"``);
3. hybrid search; when the best support is below the calibrated threshold the answer is a
   refusal in the question's language, with the closest documents, and the question is
   recorded as a knowledge gap;
4. otherwise the best-supported sentences of the top passages, each with a citation ``[n]``
   whose snippet is an exact sentence of that document's page - or, with an LLM, its reply
   with citations checked against the passages (a reply that cites nothing real, an
   unreachable server or a timeout falls back to the extractive answer, with a notice).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .chunking import sentence_spans
from .errors import EmptyQuestion
from .language import detect_language
from .lexical import subwords, tokenize, translate_tokens, translations
from .retrieval import Hit

if TYPE_CHECKING:
    from .kb import KnowledgeBase

# Calibrated on bench/eval (BENCHMARKS.md, "Refusals"): a question is answered when
# SIMILARITY_WEIGHT * (best dense similarity of the top 3 passages) + (share of the question's
# words found in one of them) reaches MIN_SUPPORT. Neither signal alone separates answerable
# from unanswerable questions: e5 similarities bunch together, and shared words can be a
# coincidence.
SIMILARITY_WEIGHT = 3.0
MIN_SUPPORT = 2.80
MIN_COVERAGE = 0.30  # the question's language is preferred for quotes above this coverage
MAX_SENTENCES = 3
FAQ_MIN_SIMILARITY = 0.96  # e5 puts a paraphrase at ~0.98, a different question on the same topic at ~0.94

_FOLLOW_UP = re.compile(
    r"^(and|what about|how about|and for|also|same for|if|but)\b|^(那|那么|还有|如果|要是|另外|再|也)|[吗呢]？?$",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(r"\b(it|they|them|that|this|those|these)\b|它|他们|这个|那个|这些|那些|上述|以上", re.IGNORECASE)

TEXTS = {
    "zh": {
        "refusal": "知识库中没有找到能够回答这个问题的内容。",
        "closest": "最接近的文档：",
        "intro": "根据知识库：",
        "other_language": "（以下依据为英文原文）",
        "llm_fallback": "大模型暂时不可用，以下为直接摘录的答案。",
        "curated": "（培训师审定的答案）",
    },
    "en": {
        "refusal": "Not found in the knowledge base: no document there answers this question.",
        "closest": "Closest documents:",
        "intro": "From the knowledge base:",
        "other_language": "(The supporting text is in Chinese and is quoted as written.)",
        "llm_fallback": "The language model is unavailable; this answer is quoted directly from the documents.",
        "curated": "(Curated answer approved by a trainer)",
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

    def as_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "grounded": self.grounded,
            "citations": [c.as_json() for c in self.citations],
            "mode": self.mode,
        }


def ui_language(text: str) -> str:
    return "zh" if detect_language(text) == "zh" else "en"


def resolve_follow_up(question: str, history: Sequence[str]) -> str:
    """The text to search for: a short or referring follow-up carries the previous question with it."""
    previous = next((h for h in reversed(history) if h.strip()), "")
    if not previous:
        return question
    short = len(tokenize(question)) <= 4
    if short or _FOLLOW_UP.search(question.strip()) or _PRONOUNS.search(question):
        return f"{previous} {question}"
    return question


# ---------------------------------------------------------------------------- support and sentences


@dataclass(frozen=True)
class _Candidate:
    hit_index: int
    text: str
    language: str
    score: float  # coverage plus a bonus for the passage's rank
    coverage: float


def query_weights(query: str, idf: dict[str, float], *, precise: bool = False) -> dict[str, float]:
    """The question's words (no single characters), weighted by rarity. Support is measured on
    jieba's search-mode words (as calibrated); quotes are chosen on its precise cut, whose
    compounds get partial credit, so a compound and its parts are not counted twice."""
    tokens = tokenize(query, characters=False, precise=precise)
    return {t: idf.get(t, 1.0) for t in dict.fromkeys(tokens)}


def coverage(weights: dict[str, float], text: str, *, cross: bool = False, partial: bool = False) -> float:
    """Share of the question's (IDF-weighted) words that the text contains; across languages a
    word counts when it or a glossary translation of it is there - a word without a translation
    counts as missing, so one shared term cannot make a passage look like an answer."""
    total = sum(weights.values())
    if not total:
        return 0.0
    present = set(tokenize(text))

    def has(token: str) -> bool:
        return token in present or (cross and any(t in present for t in translations(token)))

    found = 0.0
    for token, weight in weights.items():
        if has(token):
            found += weight
        elif partial and (parts := subwords(token)):  # a compound ("网民留言") partly there ("留言")
            found += weight * sum(has(p) for p in parts) / len(parts)
    return found / total


# A question that asks for an amount or a time is answered by a sentence that states one.
_ASKS_AMOUNT = re.compile(
    r"多久|多长|多少|几[天次个审小分条种项级名]|何时|什么时候|哪天|时限|期限"
    r"|\bhow (many|much|long|often|fast|soon)\b|\bwhen\b|\bwhat time\b|\bdeadline",
    re.IGNORECASE,
)
_STATES_AMOUNT = re.compile(
    r"[0-9０-９]+|[一二两三四五六七八九十百]+\s*(?:个)?(?:工作日|天|日|小时|分钟|次|审|级|名|字|周|月|年)"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twice|once)\b",
    re.IGNORECASE,
)
AMOUNT_BONUS = 0.15

_LIST_MARK = re.compile(r"^(?:[-*•·]\s*)?(?:\[[ xX]?\]\s*)?")
_INTRODUCES = ("：", ":", "如下", "包括", "following")
_SENTENCE_END = ("。", "！", "？", "；", ".", "!", "?", ";", "”", ")", "）")


def _passages(hit: Hit) -> list[str]:
    """Sentences of a hit that can be quoted: a sentence that only introduces what follows
    ("...as follows:") takes the next ones with it; titles and headings (short lines with no
    sentence end) are skipped; list markers are trimmed."""
    spans = sentence_spans(hit.text)
    out = []
    for i, (start, _end) in enumerate(spans):
        j = i
        while j + 1 < len(spans) and j - i < 2 and hit.text[start : spans[j][1]].rstrip().endswith(_INTRODUCES):
            j += 1
        text = hit.text[start : spans[j][1]]
        text = text[len(_LIST_MARK.match(text).group()) :]  # type: ignore[union-attr]
        if len(text) < 8 or (len(text) < 40 and not text.endswith(_SENTENCE_END)):
            continue
        if " ".join(text.split()) in " ".join(hit.title.split()):  # the title, or part of it
            continue
        out.append(text)
    return out


def best_sentences(
    query: str, hits: Sequence[Hit], idf: dict[str, float], limit: int = MAX_SENTENCES
) -> list[_Candidate]:
    """The best-supported sentences of the top passages, most useful first.

    Sentences in the question's language are preferred; the other language is quoted
    only when no sentence in the question's language covers the question well enough."""
    language = ui_language(query)
    weights = query_weights(query, idf, precise=True)
    asks_amount = bool(_ASKS_AMOUNT.search(query))
    candidates: list[_Candidate] = []
    for index, hit in enumerate(hits):
        rank_bonus = 0.3 / (index + 1)  # the fused ranking knows more than word overlap
        cross = hit.language != language
        for text in _passages(hit):
            cover = coverage(weights, text, cross=cross, partial=True)
            bonus = rank_bonus + (AMOUNT_BONUS if asks_amount and _STATES_AMOUNT.search(text) else 0.0)
            candidates.append(_Candidate(index, text, hit.language, cover + bonus, cover))
    own = [c for c in candidates if c.language == language]
    other_best = max((c.coverage for c in candidates if c.language != language), default=0.0)
    own_best = max((c.coverage for c in own), default=0.0)
    if own_best > 0 and own_best >= min(MIN_COVERAGE, other_best / 2):
        candidates = own
    candidates.sort(key=lambda c: c.score, reverse=True)
    chosen: list[_Candidate] = []
    for c in candidates:
        if len(chosen) == limit or (chosen and (c.score < 0.6 * chosen[0].score or c.coverage == 0)):
            break
        if any(c.text in o.text or o.text in c.text for o in chosen):
            continue
        chosen.append(c)
    return chosen


def support_of(query: str, hits: Sequence[Hit], idf: dict[str, float]) -> tuple[float, float]:
    """(best dense similarity, best keyword coverage) over the top passages."""
    if not hits:
        return 0.0, 0.0
    weights = query_weights(query, idf)
    language = ui_language(query)
    best_cov = 0.0
    for hit in hits[:3]:
        text = f"{hit.title} {hit.heading} {hit.text}"
        best_cov = max(best_cov, coverage(weights, text, cross=hit.language != language))
    return max(h.similarity for h in hits[:3]), best_cov


def support_score(similarity: float, cover: float) -> float:
    return SIMILARITY_WEIGHT * similarity + cover


def is_supported(similarity: float, cover: float) -> bool:
    return support_score(similarity, cover) >= MIN_SUPPORT


def compose_extractive(
    question: str, query: str, hits: Sequence[Hit], idf: dict[str, float]
) -> tuple[str, list[Citation]]:
    language = ui_language(question)
    chosen = best_sentences(query, hits, idf)
    citations: list[Citation] = []
    numbers: dict[tuple[int, str], int] = {}
    lines = []
    for c in chosen:
        hit = hits[c.hit_index]
        key = (c.hit_index, c.text)
        n = numbers.setdefault(key, len(citations) + 1)
        citations.append(Citation(n, hit.doc, hit.title, hit.page, c.text, hit.chunk_id))
        lines.append(f"{c.text} [{n}]")
    texts = TEXTS[language]
    header = texts["intro"]
    if chosen and all(c.language != language for c in chosen):
        header += " " + texts["other_language"]
    bullet = "\n".join(f"- {line}" for line in lines)
    return f"{header}\n{bullet}", citations


def refusal(question: str, hits: Sequence[Hit]) -> tuple[str, tuple[tuple[str, str], ...]]:
    texts = TEXTS[ui_language(question)]
    closest: list[tuple[str, str]] = []
    for hit in hits:
        if (hit.doc, hit.title) not in closest:
            closest.append((hit.doc, hit.title))
    closest = closest[:3]
    text = texts["refusal"]
    if closest:
        text += "\n" + texts["closest"] + "\n" + "\n".join(f"- {title} ({doc})" for doc, title in closest)
    return text, tuple(closest)


def idf_table(doc_freq: dict[str, int], total: int) -> dict[str, float]:
    return {t: math.log(1 + (total - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}


# ---------------------------------------------------------------------------- the one entry point

MAX_QUESTION_CHARS = 1000


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
    question = " ".join(question.split())[:MAX_QUESTION_CHARS]
    if not any(ch.isalnum() for ch in question):
        raise EmptyQuestion("Type a question first · 请先输入问题")
    language = ui_language(question)
    query = resolve_follow_up(question, history)
    faq = kb.match_faq(question)
    if faq is not None:
        result = _faq_answer(question, query, faq, language)
        yield result.text
        yield result
        return
    hits = kb.search(query, k=6)
    tokens = tokenize(query)
    doc_freq, total = kb.catalog.doc_freq(tokens + translate_tokens(tokens))
    idf = idf_table(doc_freq, total)
    similarity, cover = support_of(query, hits, idf)
    support = round(support_score(similarity, cover), 3)
    if not is_supported(similarity, cover):
        text, closest = refusal(question, hits)
        kb.catalog.record_gap(question, query, language, [d for d, _ in closest], support, asked_by)
        result = Answer(
            question, text, False, (), "extractive", language, query, closest, support=support, hits=tuple(hits)
        )
        yield result.text
        yield result
        return
    if chat_model is not None:
        yield from _llm_answer(chat_model, question, query, hits, idf, language, support)
        return
    text, citations = compose_extractive(question, query, hits, idf)
    result = Answer(
        question, text, True, tuple(citations), "extractive", language, query, support=support, hits=tuple(hits)
    )
    yield result.text
    yield result


def _faq_answer(question: str, query: str, faq: dict[str, Any], language: str) -> Answer:
    text = f"{faq['answer']}\n{TEXTS[language]['curated']} [1]"
    citation = Citation(1, faq["source"], faq["question"], 0, faq["answer"])
    return Answer(question, text, True, (citation,), "faq", language, query, support=1.0)


def _llm_answer(
    chat_model: Any,
    question: str,
    query: str,
    hits: Sequence[Hit],
    idf: dict[str, float],
    language: str,
    support: float,
) -> Iterator[str | Answer]:
    from . import llm

    passages = list(hits[:5])
    messages = llm.build_messages(question, passages, language)
    pieces: list[str] = []
    try:
        for piece in llm.stream_reply(chat_model, messages):
            pieces.append(piece)
            if llm.REFUSAL_MARKER not in "".join(pieces) and not llm.REFUSAL_MARKER.startswith("".join(pieces)):
                yield piece
    except Exception as exc:  # unreachable, timeout, bad response: never an exception to the user
        yield from _fallback(question, query, hits, idf, language, support, f"{type(exc).__name__}")
        return
    reply = "".join(pieces)
    if llm.is_refusal(reply):
        text, closest = refusal(question, hits)
        yield Answer(question, text, False, (), "llm", language, query, closest, support=support, hits=tuple(hits))
        return
    text, cited = llm.clean_reply(reply, len(passages))
    if not cited:
        yield from _fallback(question, query, hits, idf, language, support, "no valid citations")
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
    yield Answer(question, text, True, citations, "llm", language, query, support=support, hits=tuple(hits))


def _fallback(
    question: str, query: str, hits: Sequence[Hit], idf: dict[str, float], language: str, support: float, why: str
) -> Iterator[str | Answer]:
    text, citations = compose_extractive(question, query, hits, idf)
    notice = f"{TEXTS[language]['llm_fallback']} ({why})"
    result = Answer(
        question,
        text,
        True,
        tuple(citations),
        "extractive",
        language,
        query,
        support=support,
        notice=notice,
        hits=tuple(hits),
    )
    yield "\n\n" + notice + "\n\n" + result.text
    yield result
