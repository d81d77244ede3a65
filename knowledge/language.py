"""Script-level language detection: enough to tell Chinese from English text.

Documents here are Simplified Chinese or English; counting scripts is exact for that
and needs no model. A Chinese character carries about as much as an English word,
so characters are weighed against words, not letters.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def detect_language(text: str) -> str:
    """'zh', 'en', or 'und' when the text has neither script."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if cjk == 0 and words == 0:
        return "und"
    return "zh" if cjk >= words else "en"


def cjk_ratio(text: str) -> float:
    letters = sum(1 for ch in text if ch.isalpha())
    return len(_CJK.findall(text)) / letters if letters else 0.0
