"""What a passage offers to quote: its sentences, each with the heading and lead-in it stands under.

Used twice with the same result: at ingest, to embed every quotable unit of a chunk (its
vector is stored with the chunk), and when answering, to find those units again in the
retrieved passage and choose among them. A unit is an exact slice of the chunk's text, so a
citation's snippet can always be found in the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.chunking import sentence_spans
from knowledge.loaders import CELL_SEPARATOR


@dataclass(frozen=True)
class Unit:
    start: int  # text[start:end] is what a citation quotes
    end: int
    text: str
    context: str  # the passage's title and heading, and the line that introduced a list item
    quotable: bool = True  # a question ("问题6：…多久能收到答复？") is context for its answer, not an answer


_LIST_MARK = re.compile(r"^(?:[-*•·]\s*)?(?:\[[ xX]?\]\s*)?")
# A sentence ending so announces what follows ("as follows:", "包括：").
_INTRODUCES = ("：", ":", "如下", "包括", "following")
_SENTENCE_END = ("。", "！", "？", "；", ".", "!", "?", ";", "”", ")", "）")
# Openings that refer back to the sentence before: quoted together with it.
_CONTINUES = re.compile(r"(?:(?:they|it|this|these|those|such)\b|该|其(?!他)|此|上述|以上)", re.IGNORECASE)
# A list is quoted whole with its introducing line when it fits in this many characters, else
# its items are quoted one by one (each keeps the introducing line as context).
MAX_LIST_CHARS = 400
# Clause and list numbering at the start of a sentence: not part of what it says.
NUMBERING = re.compile(
    r"^\s*(?:(?:第[一二三四五六七八九十百零\d]+[条章节款项]|article\s+\d+[.:]?|\d+(?:\.\d+)*[.、)]?(?=\s)"
    r"|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+、|问题\d+[：:]|[-*•·]|\[[ xX]?\])\s*)+",
    re.IGNORECASE,
)
# A link, up to the first space or full-width character, without its closing punctuation. A line
# that is a link and labels around it ("Source: https://…", a title followed by where it came
# from) states nothing a question asks.
_LINK = re.compile(r"(?:https?://|www\.)[!-~]*[A-Za-z0-9/#=_-]", re.IGNORECASE)
_CLAUSE = re.compile(r"(?:第[一二三四五六七八九十百零\d]+[条章节]|article\s+\d+|\d+\.\d+\s)", re.IGNORECASE)


# What starts a list item: a bullet or checkbox, or an enumerator ("（一）", "(2)", "三、", "4.", "b)").
_ITEM = re.compile(
    r"\s*(?:[-*•·]|\[[ xX]?\]|[（(](?:[一二三四五六七八九十]+|\d{1,2}|[a-z])[）)]|[一二三四五六七八九十]+、"
    r"|\d{1,2}(?:[.、](?!\d)|\))|[a-z]\))",
    re.IGNORECASE,
)


def _bare(span: str) -> bool:
    """A span that is only a number ("1." cut off from its sentence, "Article 8.")."""
    rest = span[m.end() :] if (m := _ITEM.match(span)) else NUMBERING.sub("", span, count=1)
    return len(rest.strip()) < 2 or not any(ch.isalnum() for ch in span)


def _ends_list(gap: str, item: bool, sentence: str, marked: bool) -> bool:
    """Whether a line no longer belongs to the list being read: the start of a new clause
    ("第五条", "Article 9", "3.2"), a line that is not an item where the items are marked, or,
    in a list of unmarked lines, a blank line before it (documents that put a blank line between
    all paragraphs put one between numbered items too)."""
    if _CLAUSE.match(sentence):
        return True
    return not item if marked else "\n\n" in gap


def _list_end(text: str, spans: list[tuple[int, int]], i: int) -> int | None:
    """The index of the last item of the list introduced by ``spans[i]``, or None when the list
    is longer than MAX_LIST_CHARS: a list is quoted whole or not at all (four of eight steps
    read as if they were all)."""
    j = i
    first_marked = numbered = False
    while j + 1 < len(spans):
        start, end = spans[j + 1]
        mark = _LIST_MARK.match(text[start:end]).group()  # type: ignore[union-attr]
        item = numbered or bool(_ITEM.match(text[start:end]))
        numbered = _bare(text[start:end])
        if j == i:
            first_marked = item
        elif not numbered and _ends_list(text[spans[j][1] : start], item, text[start + len(mark) : end], first_marked):
            break
        j += 1
    if spans[j][1] - spans[i][0] > MAX_LIST_CHARS:
        return None
    return j


def _source_line(sentence: str) -> bool:
    """A line that holds a link and, without it, no sentence: where a text came from, not what
    it says ("Title: … | Source: https://…", "来源：https://…")."""
    if not _LINK.search(sentence):
        return False
    rest = _LINK.sub("", sentence).strip().rstrip("|:：").strip()
    return not rest.endswith(_SENTENCE_END)


def units(text: str, title: str = "", heading: str = "") -> list[Unit]:
    """The sentences of a passage that can be quoted, with what they stand under.

    Titles and headings (short lines with no sentence end) are not quoted but become the
    context of the sentences that follow; a sentence that introduces a list ("...as follows:")
    is quoted together with the whole list when it is short, and each item keeps it as context;
    a question (as in an FAQ post) is context for the sentence after it; a sentence that refers
    back ("They may not...", "该...") is also quoted together with the one before it; list
    markers are trimmed and bare clause numbers ("Article 8.") skipped."""
    spans = sentence_spans(text, clauses=False)
    title = " ".join(title.split())
    lead, lead_kind = "", ""  # the line that introduced the list being read ("list"), or a question just asked
    marked = False  # the list's items carry list markers
    numbered = False  # the span before was a bare number: this one is an item
    found: list[Unit] = []
    previous_end = 0
    for i, (start, end) in enumerate(spans):
        gap, previous_end = text[previous_end:start], end
        mark = _LIST_MARK.match(text[start:end]).group()  # type: ignore[union-attr]
        offset = start + len(mark)
        sentence = text[offset:end]
        if " ".join(sentence.split()) in title:  # the title, or part of it
            continue
        item = numbered or bool(_ITEM.match(text[start:end]))
        numbered = _bare(sentence)
        if numbered:  # "Article 8." before its sentence, a table's "--- | ---" rule
            continue
        introduces = sentence.endswith(_INTRODUCES)
        row = CELL_SEPARATOR in sentence  # a table row says something, however short
        heading_like = len(sentence) < 40 and not sentence.endswith(_SENTENCE_END) and not introduces and not row
        if heading_like or _source_line(sentence):
            heading, lead, lead_kind = sentence, "", ""
            continue
        if lead_kind == "list-start":
            lead_kind, marked = "list", item  # a blank line may follow the introducing line
        elif lead_kind == "list" and _ends_list(gap, item, sentence, marked):
            lead, lead_kind = "", ""  # a blank line, an unmarked line or a new clause ends the list
        context = " ".join(p for p in (title, heading, lead) if p)
        if lead_kind == "question":
            lead, lead_kind = "", ""  # a question leads the one answer after it
        if len(sentence) < 8:
            continue
        if sentence.endswith(("？", "?")):
            found.append(Unit(offset, end, sentence, context, quotable=False))
            lead, lead_kind = sentence, "question"
            continue
        if introduces:
            j = _list_end(text, spans, i)
            if j is not None and j > i:
                found.append(Unit(offset, spans[j][1], text[offset : spans[j][1]], context))
            found.append(Unit(offset, end, sentence, context, quotable=False))
            lead, lead_kind = sentence, "list-start"
            continue
        if found and found[-1].quotable and _CONTINUES.match(sentence):
            # "They may not act as reviewers" says nothing without the sentence before it
            previous = found[-1]
            found.append(Unit(previous.start, end, text[previous.start : end], previous.context))
        found.append(Unit(offset, end, sentence, context))
    return found


def quotable(text: str, title: str = "", heading: str = "") -> list[Unit]:
    """The units a citation may quote (see :func:`units`)."""
    return [u for u in units(text, title, heading) if u.quotable]
