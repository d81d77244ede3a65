"""Tokens for the keyword index: jieba words for Chinese, stemmed words for English.

SQLite FTS5 indexes the space-joined output, so Chinese words become whole FTS tokens
(FTS5's own tokenizer would otherwise treat a run of Chinese characters as one word).
A bilingual glossary of the trade's terms lets a Chinese question find an English
passage by keywords too, and the reverse.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

import yaml

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?")

_EN_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves s t d ll m re ve y also may must shall us get got
    let lets do does one ones much many""".split()
)
_ZH_STOP = frozenset(
    """的 了 是 在 和 与 及 或 吗 呢 吧 啊 呀 么 什么 怎么 怎样 如何 哪些 哪个 多少 几 要 需要 应该 应当 可以
    能 能不能 是否 有 有没有 没有 我们 我 你 他 她 它 他们 这 那 这个 那个 之 其 对 对于 把 被 让 给 从 到 为 为了
    就 都 也 还 又 再 才 但 而 并 等 等等 请问 一下 一个 个 上 下 中 里 时 时候 后 前 吗 呢 啥 咋
    多长时间 多长 多久 多少天 几天 几次 几个 什么时候 哪里 哪儿 谁 怎么办 是什么 为什么 必须 一定 能否 分别""".split()
)
_ZH_STOP_CHARS = frozenset(
    "的了是在和与及或吗呢吧啊呀么什怎样如何哪些个多少几要需应该当可以能否有没"
    "我你他她它们这那之其对把被让给从到为就都也还又再才但而并等请问一下上中里时后前啥咋"
)
# The trade's word tables live in lexicon.yaml, each with a line saying why.
_LEXICON = yaml.safe_load((Path(__file__).with_name("lexicon.yaml")).read_text(encoding="utf-8"))
# Words jieba's default dictionary splits apart, but the trade uses as one term.
_DOMAIN_WORDS: list[str] = list(_LEXICON["domain_words"])
# zh -> en terms of the trade; used both ways for cross-language coverage (and optional search).
GLOSSARY: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _LEXICON["glossary"].items()}


def is_cjk(word: str) -> bool:
    return "\u3400" <= word[:1] <= "\ufaff"


_REVERSE: dict[str, tuple[str, ...]] = {}
for _zh, _ens in GLOSSARY.items():
    for _en in _ens:
        _REVERSE[_en] = _REVERSE.get(_en, ()) + (_zh,)

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():  # type: ignore[no-untyped-def]
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            for word in _DOMAIN_WORDS:
                jieba.add_word(word, freq=20000)
            jieba.initialize()
            _jieba_ready = True
    return jieba


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """A light English stemmer: enough to match 'replies'/'reply', 'reviewed'/'review'."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def tokenize(text: str, *, characters: bool = True, precise: bool = False) -> list[str]:
    """Lower-cased tokens; Chinese runs cut by jieba (search mode adds the sub-words, unless
    ``precise``) and, with ``characters``, their single characters too."""
    tokens: list[str] = []
    jieba = None
    for m in _CJK_RUN.finditer(text):
        piece = m.group()
        if "\u3400" <= piece[0] <= "\ufaff":
            jieba = jieba or _jieba()
            words = jieba.lcut(piece) if precise else jieba.lcut_for_search(piece)
            tokens.extend(w for w in words if w not in _ZH_STOP)
            # Single characters too: a question's word ("几审") often differs from the
            # document's ("三审"), and the shared character still carries the meaning.
            if characters:
                tokens.extend(ch for ch in piece if ch not in _ZH_STOP_CHARS and ch not in words)
        else:
            word = piece.lower()
            if word not in _EN_STOP and (len(word) > 1 or word.isdigit()):
                tokens.append(stem(word))
    return tokens


@lru_cache(maxsize=4096)
def translations(token: str) -> tuple[str, ...]:
    """Glossary translations of one token into the other language (zh->en stems, en->zh words)."""
    out: list[str] = []
    for other in GLOSSARY.get(token, ()):
        out.extend(stem(w) for w in other.split())
    out.extend(_REVERSE.get(token, ()))
    for en, zhs in _REVERSE.items():  # stems of glossary words ('replies' -> 'reply')
        if stem(en) == token and en != token:
            out.extend(zhs)
    return tuple(dict.fromkeys(out))


def translate_tokens(tokens: list[str]) -> list[str]:
    """Glossary translations of ``tokens``, in order, without repeats."""
    return list(dict.fromkeys(t for token in tokens for t in translations(token)))


def subwords(word: str) -> list[str]:
    """The shorter words jieba's search mode finds inside a Chinese compound (not the word itself)."""
    if len(word) < 3 or not ("\u3400" <= word[0] <= "\ufaff"):
        return []
    return [w for w in _jieba().lcut_for_search(word) if w != word and w not in _ZH_STOP]


def match_expression(tokens: list[str]) -> str:
    """An FTS5 MATCH expression that ORs the quoted tokens (quotes neutralise FTS syntax)."""
    unique = dict.fromkeys(t.replace('"', "") for t in tokens if t.strip('"'))
    return " OR ".join(f'"{t}"' for t in unique)


def in_dictionary(word: str) -> bool:
    """Whether jieba's dictionary has ``word`` (a word it did not guess with its HMM)."""
    return bool(_jieba().dt.FREQ.get(word))
