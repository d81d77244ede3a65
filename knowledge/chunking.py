"""Sentence-aware chunking for Chinese and English, sized in the embedder's own tokens.

Chunks never cross a page (so a citation's page is exact) and each chunk is an exact
slice of its page's text (so a cited snippet can be found again in the document).
Sentences end at 。！？； and at . ! ? ; followed by space; a heading starts a new chunk
once the current one has some substance. A sentence longer than the model's limit is
cut by token count, so the model never truncates silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from knowledge.language import detect_language
from knowledge.loaders import LoadedDocument

# Ends of sentences: CJK punctuation (no space needed), Latin punctuation before space or
# end, closing quotes/brackets kept with their sentence, and line breaks.
_SENTENCE_END = re.compile(
    r"[。！？；]+[”’」』）)\"']*"
    r"|[!?;]+[\"')\]]*(?=\s|$)"
    r"|\.[\"')\]]*(?=\s+[^a-z]|\s*$)"
    r"|\n"
)
# The same without the semicolon: a whole sentence, as a quote gives it. A regulation's sentence
# is often several clauses joined by "；", and a clause alone loses the condition it depends on.
_FULL_STOP = re.compile(
    r"[。！？]+[”’」』）)\"']*"
    r"|[!?]+[\"')\]]*(?=\s|$)"
    r"|\.[\"')\]]*(?=\s+[^a-z]|\s*$)"
    r"|\n"
)
# Leave room for a few tokens of drift between summed sentence counts and the real count.
_MARGIN = 8


@dataclass(frozen=True)
class Chunk:
    ord: int
    page: int
    heading: str
    text: str
    start: int  # offset in the page text
    language: str
    tokens: int


def sentence_spans(text: str, *, clauses: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed; spans are in order and disjoint.
    With ``clauses`` a semicolon ends a span too (chunks may be cut there)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in (_SENTENCE_END if clauses else _FULL_STOP).finditer(text):
        if m.group().startswith(".") and _is_abbreviation(text, m.start()):
            continue
        _add_span(text, pos, m.end(), spans)
        pos = m.end()
    _add_span(text, pos, len(text), spans)
    return spans


_ABBREVIATIONS = {"e.g", "i.e", "etc", "no", "mr", "ms", "dr", "art", "vs", "fig", "p", "pp"}


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.findall(r"[A-Za-z.]*$", text[max(0, dot - 8) : dot])[0].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def embedding_text(title: str, heading: str, text: str) -> str:
    """What the model embeds for a chunk: its text with the document title and heading as context."""
    context = " / ".join(p for p in (title, heading) if p and p not in text[: len(p) + 2])
    return f"{context}\n{text}" if context else text


def chunk_document(
    doc: LoadedDocument,
    count_tokens: Callable[[str], int],
    *,
    max_tokens: int,
    target_tokens: int = 256,
) -> list[Chunk]:
    """Split ``doc`` into chunks of about ``target_tokens``, each at most ``max_tokens`` embedded."""
    overhead = count_tokens(embedding_text(doc.title, "", "x"))
    heading_room = 24  # a heading added as context must still fit
    limit = max_tokens - overhead - heading_room - _MARGIN
    if limit < 16:
        raise ValueError(f"max_tokens={max_tokens} leaves no room for text")
    target = max(16, min(target_tokens, limit))
    chunks: list[Chunk] = []
    for page in sorted({s.page for s in doc.sections}):
        sections = [s for s in doc.sections if s.page == page]
        page_text = "\n".join(s.text for s in sections)
        starts, offset = [], 0
        for s in sections:
            starts.append((offset, s.heading))
            offset += len(s.text) + 1
        for start, end in _pack(page_text, starts, count_tokens, target, limit):
            text = page_text[start:end]
            heading = next((h for off, h in reversed(starts) if off <= start), "")
            full = embedding_text(doc.title, heading, text)
            chunks.append(Chunk(len(chunks), page, heading, text, start, detect_language(text), count_tokens(full)))
    return chunks


def _pack(
    text: str,
    section_starts: list[tuple[int, str]],
    count_tokens: Callable[[str], int],
    target: int,
    limit: int,
) -> Iterator[tuple[int, int]]:
    boundaries = {off for off, _ in section_starts}
    cur_start, cur_end, cur_tokens = -1, -1, 0
    min_tokens = target // 4
    base = count_tokens("")  # special tokens counted once per chunk, not per sentence
    for s, e, n in _pieces(text, count_tokens, base, limit):
        new_section = cur_start >= 0 and any(cur_end < b <= s for b in boundaries)
        if cur_start >= 0 and (cur_tokens + n > target or (new_section and cur_tokens >= min_tokens)):
            yield cur_start, cur_end
            cur_start, cur_tokens = -1, 0
        if n > limit:
            yield from _split_long(text, s, e, count_tokens, limit)
            continue
        if cur_start < 0:
            cur_start = s
        cur_end, cur_tokens = e, cur_tokens + n
    if cur_start >= 0:
        yield cur_start, cur_end


def _pieces(text: str, count_tokens: Callable[[str], int], base: int, limit: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, tokens) of whole sentences, so that no chunk ends inside one (a rule and its
    condition are often one sentence of clauses joined by "；"); a sentence too long for a chunk
    is given as its clauses."""
    for s, e in sentence_spans(text, clauses=False):
        n = max(1, count_tokens(text[s:e]) - base)
        if n <= limit:
            yield s, e, n
            continue
        for cs, ce in sentence_spans(text[s:e]):
            yield s + cs, s + ce, max(1, count_tokens(text[s + cs : s + ce]) - base)


def _split_long(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], limit: int
) -> Iterator[tuple[int, int]]:
    """Cut one over-long sentence into pieces of at most ``limit`` tokens (binary search on length)."""
    base = count_tokens("")
    while start < end:
        lo, hi = start + 1, end
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count_tokens(text[start:mid]) - base <= limit:
                lo = mid
            else:
                hi = mid - 1
        cut = lo
        if cut < end:  # prefer to cut at a space so English words stay whole
            space = text.rfind(" ", start + 1, cut)
            if space > start + (cut - start) // 2:
                cut = space
        piece_start = start
        while piece_start < cut and text[piece_start].isspace():
            piece_start += 1
        if cut > piece_start:
            yield piece_start, cut
        start = cut
