"""Short-answer normalisation, shared by the schema (accepted answers must survive it) and grading."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_answer(text: str) -> str:
    """NFKC (full-width to half-width), lower-case, no spaces, no trailing punctuation.

    ``Ｔhree　Reviews。`` and ``three reviews`` both become ``threereviews``; trailing punctuation covers
    the Chinese 。！？， as well (NFKC maps ！？， to their ASCII forms, 。 has none).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    # Zero-width characters (Cf) come along when answers are pasted from WeChat; they are invisible, so drop them.
    text = "".join(ch for ch in _SPACE.sub("", text) if unicodedata.category(ch) != "Cf")
    end = len(text)
    while end and unicodedata.category(text[end - 1]).startswith("P"):
        end -= 1
    return text[:end]
