"""The content kind of a published article, from its title (and body): a transparent cue classifier.

The kinds are the content mix the national checks and our course look at: service information,
policy explained, notices, emergency, meetings and leaders' activities, publicity. The cues are
data (``health_kinds.yaml``: groups of words per kind, a weight each, a tie order and a fallback),
so a trainer can read why a post was counted as a meeting and an editor can fix a cue without code.
Accuracy per kind is measured by ``bench/health_classifier.py`` on titles kept in ``bench/``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from trainer.errors import TrainerError

KINDS: tuple[str, ...] = ("service", "policy", "notice", "emergency", "meeting", "publicity")
CUES_FILE = Path(__file__).resolve().parent / "health_kinds.yaml"
# Bodies are long and mention everything; only their first part says what the post is for.
BODY_CHARS = 600
_LATIN = re.compile(r"[a-zA-Z]")


class KindCueFileError(TrainerError):
    "The content-kind cue file cannot be read"


@dataclass(frozen=True)
class CueGroup:
    """One kind of evidence for a kind (see ``health_kinds.yaml``)."""

    name: str
    kind: str
    weight: float
    patterns: tuple[str, ...]
    _all: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _cjk: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One search per group: all its patterns as one expression, and the same without the
        # English ones, which cannot match a text without Latin letters (most Chinese titles).
        cjk = [p for p in self.patterns if not _needs_latin(p)]
        object.__setattr__(self, "_all", _either(self.patterns))
        object.__setattr__(self, "_cjk", _either(cjk) if cjk else None)


@dataclass(frozen=True)
class CueSet:
    groups: tuple[CueGroup, ...]
    body_weight: float
    tie_order: tuple[str, ...]
    fallback: str
    # Each group with its bound search, for texts with and without Latin letters (speed: the
    # district overview classifies every article of every account).
    _searches: dict[bool, tuple[tuple[CueGroup, Callable[[str], re.Match[str] | None]], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        searches = {
            True: tuple((g, g._all.search) for g in self.groups),
            False: tuple((g, g._cjk.search) for g in self.groups if g._cjk is not None),
        }
        object.__setattr__(self, "_searches", searches)

    def hits(self, text: str) -> list[tuple[CueGroup, str]]:
        """Each group found in ``text``, with the words that matched (one search per group)."""
        if not text:
            return []
        found = []
        for group, search in self._searches[_LATIN.search(text) is not None]:
            m = search(text)
            if m:
                found.append((group, m.group()))
        return found


@dataclass(frozen=True)
class KindResult:
    kind: str  # one of KINDS
    cues: tuple[str, ...]  # the cue words/patterns that decided it (shown to users)
    from_body: tuple[str, ...] = ()  # those of ``cues`` found only in the body
    groups: tuple[str, ...] = ()  # the cue groups behind ``cues``, for editors of the cue file
    fallback: bool = False  # no cue at all: the kind is the file's fallback


def _needs_latin(pattern: str) -> bool:
    """Whether every match of ``pattern`` contains a Latin letter: true for the English patterns,
    which are all of words (escapes such as ``\\b`` and ``\\w`` aside, no CJK character)."""
    bare = re.sub(r"\\[a-zA-Z]", "", pattern)
    return bool(re.search(r"[a-zA-Z]", bare)) and not re.search(r"[\u3000-\u9fff\uff00-\uffef]", pattern)


def _either(patterns: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _fail(where: str, what: str) -> KindCueFileError:
    return KindCueFileError(f"{where}: {what} - fix it or restore desk/health_kinds.yaml from the repository")


@functools.cache
def cue_set(path: Path = CUES_FILE) -> CueSet:
    """The cues of ``path``, checked: a broken file is a clear error, not a silent 'publicity'."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(str(path), f"cannot read the content-kind cue file ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise _fail(str(path), "expected body_weight, tie_order, fallback and a list of groups")
    tie_order = tuple(data.get("tie_order") or ())
    fallback = data.get("fallback")
    if sorted(tie_order) != sorted(KINDS):
        raise _fail(str(path), f"tie_order must list each of {', '.join(KINDS)} once")
    if fallback not in KINDS:
        raise _fail(str(path), f"fallback must be one of {', '.join(KINDS)}, not {fallback!r}")
    groups = []
    for i, item in enumerate(data["groups"]):
        where = f"{path}, group {i + 1}"
        if not isinstance(item, dict) or not {"name", "kind", "weight", "patterns"} <= set(item):
            raise _fail(where, "each group needs name, kind, weight and patterns")
        if item["kind"] not in KINDS:
            raise _fail(where, f"kind must be one of {', '.join(KINDS)}, not {item['kind']!r}")
        try:
            patterns = tuple(re.compile(p, re.IGNORECASE).pattern for p in item["patterns"])
        except (re.error, TypeError) as exc:
            raise _fail(f"{where} ({item['name']})", f"a pattern is not a regular expression ({exc})") from exc
        groups.append(CueGroup(str(item["name"]), item["kind"], float(item["weight"]), patterns))
    return CueSet(tuple(groups), float(data.get("body_weight", 0.5)), tie_order, fallback)


def classify(title: str, body: str = "") -> KindResult:
    """The kind of an article: each cue group found adds its weight to its kind once (title hits in
    full, body hits at ``body_weight`` for groups the title lacks); most evidence wins, ties go by
    the file's ``tie_order``, no cue at all is the ``fallback``."""
    return _classify(title, body[:BODY_CHARS])  # cut before caching: the cache must not hold whole bodies


@functools.lru_cache(maxsize=65536)  # accounts repeat column titles, and re-imports classify again
def _classify(title: str, body: str) -> KindResult:
    # Written for speed (an import classifies every new article), with the sums of the plain rule: each
    # kind's weights are added in the order the cues were found, title first, so ties fall the same way.
    cues = cue_set()
    title_hits = cues.hits(" ".join(title.split()))
    body_text = " ".join(body.split()) if body else ""
    body_hits = cues.hits(body_text) if body_text else []
    if not title_hits and not body_hits:
        return KindResult(cues.fallback, (), fallback=True)
    scores = dict.fromkeys(KINDS, 0.0)
    for group, _ in title_hits:
        scores[group.kind] += group.weight
    extra: list[tuple[CueGroup, str]] = []  # body hits of groups the title lacks
    if body_hits:
        in_title = {group.name for group, _ in title_hits}
        extra = [(group, word) for group, word in body_hits if group.name not in in_title]
        for group, _ in extra:
            scores[group.kind] += group.weight * cues.body_weight
    best = max(cues.tie_order, key=scores.__getitem__)  # max keeps the first of equals: the tie order
    if scores[best] == 0:
        return KindResult(cues.fallback, (), fallback=True)
    words = [word for group, word in title_hits if group.kind == best]
    names = [group.name for group, _ in title_hits if group.kind == best]
    body_words = [word for group, word in extra if group.kind == best]
    names += [group.name for group, _ in extra if group.kind == best]
    return KindResult(best, tuple(dict.fromkeys(words + body_words)), tuple(dict.fromkeys(body_words)), tuple(names))
