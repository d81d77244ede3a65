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
# Words jieba's default dictionary splits apart, but the trade uses as one term.
_DOMAIN_WORDS = (
    "政务新媒体 三审三校 先审后发 公众号 订阅号 服务号 答问库 咨询答问库 融媒体中心 政务舆情 舆情 群发 错敏字词 "
    "错别字 值班值守 主管单位 主办单位 备案 停更公告 僵尸号 原创 阅读量 粉丝 留言 网民留言 工作日 双因素 "
    "管理员 运营者 矩阵 信息同源 执法公示 一图读懂 办事指南 政务公开 掌上办 单项否决"
).split()

# zh -> en terms of the trade; used both ways for cross-language keyword search.
GLOSSARY: dict[str, tuple[str, ...]] = {
    "审核": ("review", "approve"),
    "审": ("review",),
    "三审三校": ("three", "review", "proofread"),
    "校对": ("proofread",),
    "发布": ("publish", "release"),
    "群发": ("mass", "message"),
    "留言": ("message", "comment"),
    "回复": ("reply", "respond"),
    "答复": ("reply", "answer"),
    "工作日": ("working", "day"),
    "小时": ("hour",),
    "天": ("day",),
    "期限": ("deadline",),
    "时限": ("deadline",),
    "密码": ("password",),
    "账号": ("account",),
    "安全": ("security",),
    "管理员": ("administrator", "admin"),
    "权限": ("access", "permission"),
    "离职": ("leave", "leaver"),
    "设备": ("device",),
    "无线": ("wi-fi", "wifi"),
    "公共": ("public",),
    "被盗": ("hijack", "compromise"),
    "盗号": ("hijack",),
    "应急": ("emergency", "incident"),
    "舆情": ("opinion", "incident"),
    "谣言": ("rumour", "rumor"),
    "标题": ("title", "headline"),
    "字节": ("byte",),
    "段落": ("paragraph",),
    "图片": ("image", "picture"),
    "说明": ("caption", "description"),
    "手机": ("phone", "mobile"),
    "频率": ("frequency",),
    "更新": ("update",),
    "时间": ("time",),
    "时段": ("time", "window"),
    "日历": ("calendar",),
    "选题": ("topic",),
    "节假日": ("holiday",),
    "值班": ("duty", "rota"),
    "数据": ("data", "statistics"),
    "统计": ("statistics",),
    "阅读": ("read", "reads"),
    "分享": ("share",),
    "转发": ("repost", "share"),
    "粉丝": ("follower",),
    "关注": ("follow", "follower"),
    "报告": ("report",),
    "月度": ("monthly",),
    "考核": ("assessment", "evaluation"),
    "激励": ("incentive", "reward"),
    "评分": ("score",),
    "不合格": ("fail",),
    "原创": ("original",),
    "开设": ("open", "opening"),
    "注销": ("close", "closure", "cancel"),
    "关停": ("close", "closure"),
    "备案": ("file", "register", "registration"),
    "命名": ("name", "naming"),
    "冒充": ("impostor",),
    "仿冒": ("impostor",),
    "个人信息": ("personal", "information"),
    "隐私": ("privacy",),
    "网站": ("website",),
    "短视频": ("short", "video"),
    "热线": ("hotline",),
    "志愿者": ("volunteer",),
    "暴雨": ("rain", "rainstorm"),
    "预警": ("warning",),
    "避难": ("shelter",),
    "转移": ("evacuate",),
    "双因素": ("two-factor", "2fa"),
    "认证": ("authentication", "verification"),
    "培训": ("training",),
    "纠错": ("correction", "correct"),
    "更正": ("correction",),
    "删除": ("delete",),
    "存档": ("archive",),
    "复盘": ("after-action", "review"),
    "通知": ("notice",),
    "公告": ("notice",),
    "联系方式": ("contact",),
    "电话": ("phone",),
    "缩写": ("acronym",),
    "图表": ("chart",),
    "政策": ("policy",),
    "解读": ("interpretation", "explain"),
    "服务": ("service",),
}
# Everyday words of the trade that mean the same, in one language and across: groups, each
# read every way. Search uses the same-language ones in a low-weight keyword list of their own
# (see knowledge/retrieval.py); quotes use all of them. English words are stemmed when read.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("发布", "推送", "群发", "发文", "发出", "publish", "post", "release", "send"),
    ("回复", "答复", "回应", "reply", "answer", "respond", "response"),
    ("删除", "删掉", "撤下", "delete", "remove"),
    ("更换", "修改", "变更", "换", "change", "replace", "update"),
    ("差错", "错误", "出错", "写错", "error", "mistake", "wrong"),
    ("网民", "群众", "公众", "市民", "居民", "留言人", "citizen", "public", "resident", "people"),
    ("外包", "第三方", "contractor", "outsource", "third-party"),
    ("拉黑", "屏蔽", "block", "ban"),
    ("登录", "登", "log", "login"),
    ("批评", "criticism", "criticise", "criticises", "critic"),
    ("投诉", "complaint", "complain"),
    ("领导", "负责人", "leader", "head"),
    ("名称", "名字", "name"),
    ("年度", "每年", "annual", "year"),
    ("长度", "字数", "length", "long"),
)
_SYNONYMS: dict[str, frozenset[str]] | None = None


def is_cjk(word: str) -> bool:
    return "\u3400" <= word[:1] <= "\ufaff"


def synonyms(token: str, *, cross: bool = True) -> frozenset[str]:
    """Words that mean the same as ``token`` (a token as :func:`tokenize` gives it); only the
    same language's unless ``cross``."""
    global _SYNONYMS
    if _SYNONYMS is None:  # built on first use: stem() is defined further down
        table: dict[str, frozenset[str]] = {}
        for group in SYNONYMS:
            stems = frozenset(w if is_cjk(w) else stem(w) for w in group)
            for word in stems:
                table[word] = table.get(word, frozenset()) | (stems - {word})
        _SYNONYMS = table
    words = _SYNONYMS.get(token, frozenset())
    if cross:
        return words
    return frozenset(w for w in words if is_cjk(w) == is_cjk(token))


def synonym_tokens(tokens: list[str]) -> list[str]:
    """Same-language synonyms of ``tokens`` that are not among them, in order, without repeats."""
    present = set(tokens)
    return list(dict.fromkeys(s for t in tokens for s in sorted(synonyms(t, cross=False)) if s not in present))


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
