"""Follow-up questions: which ones cannot be understood alone, and what they then ask.

A question in a conversation is answered on its own unless it cannot be understood without the
question before it:

- it is elliptical: a connective opening with no question of its own ("那微信群呢？", "What about
  WeChat groups?", "And for complex requests?", "要是主编不在呢？", "What if the editor is away?"),
  a bare phrase ("节假日？", "Postal code?"), or "X too / X也一样吗";
- it refers back: a pronoun or demonstrative ("it", "that", "这个", "上述") with no referent in the
  question itself ("Does that apply to contractors?", "这个要报备吗？");
- it has no topic of its own: only a question word and a verb ("Why?", "Who approves?", "那要保存几年？").

A question with its own topic and predicate stands alone, however short ("密码多久换一次？",
"What is the district's postal code?"). A follow-up is resolved against the previous question
(itself resolved first). The phrase it is about takes the place of the previous question's word of
the same kind ("工作日每天几点查看后台？" + "节假日呢？" -> "节假日每天几点查看后台？"; "…a subscription
account send…" + "What about a service account?"), or in Chinese of the topic the previous question
opens with ("网民留言多久要回复？" + "那微信群呢？" -> "微信群多久要回复？"); a predicate without a topic
takes the previous topic ("那要保存几年？" -> "审核单要保存几年？"); otherwise the follow-up is added to the
previous question. ``own_terms`` are the content words the follow-up brings itself (not those it
repeats from the previous question): an answer must cover them, not only the previous question.

The word lists below are general language (pronouns, connectives, question words, modal verbs),
kept here and nowhere else; none is a word of the trade.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.lexical import _jieba, in_dictionary, is_cjk, tokenize

__all__ = ["Resolved", "resolve", "needs_context"]


@dataclass(frozen=True)
class Resolved:
    """What to search for a question asked after ``history``."""

    query: str  # the question alone, or the question with what it needs from the previous one
    follow_up: bool = False
    # The content words the follow-up itself brings (as knowledge.lexical.tokenize gives them:
    # lower case, English stemmed, Chinese jieba words): the answer must cover them on its own.
    own_terms: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- the word lists

# Chinese connectives that open an elliptical follow-up ("那微信群呢"); 那 only when it is not 那个/那些 (that).
_ZH_OPENER = re.compile(r"^(?:(?:那么|那(?![个些样种边里天时儿])|还有|另外|此外|至于|再就是|然后|那就)[，,、\s]*)+")
# Chinese openings of a condition whose question may be left unsaid ("要是主编不在呢").
_ZH_CONDITION = re.compile(r"^(?:如果是|如果|要是|假如|假设|万一|换成|换作|遇到)")
# Chinese question words and phrases: a question that has one asks something of its own.
_ZH_ASK = re.compile(
    r"多久|多长时间|多长|多大|多快|多远|多早|多晚|多高"
    r"|(?:多少|几)个?(?:工作日|分钟|小时|名|条|种|项|篇|道|遍|位|家|轮|层|次|天|年|月|周|日|号|点|级|审|字|岁|人)?"
    r"|什么时候|什么|啥|怎么样|怎么|怎样|咋|如何|哪(?:里|儿|些|个|天|种|位|家|类|一)?|谁|为何|为什么|是否|能否|可否"
    r"|([\u4e00-\u9fff])[不没]\1"  # A-not-A: 能不能, 要不要, 有没有, 是不是
)
# Chinese question words after which the next word is a verb ("谁来签发", "怎么转载"), not a topic.
_ZH_ASK_VERB = re.compile(r"^(?:怎么|怎样|咋|如何|谁|为何|为什么|是否|能否|可否|([\u4e00-\u9fff])[不没]\1)$")
# Chinese pronouns and demonstratives that point outside the question when nothing in it is their referent.
_ZH_REFER = re.compile(
    r"它们|它|上述|以上|上面(?:说的|提到的)?|前面(?:说的|提到的)?|刚才(?:说的|提到的)?|(?:同样|相同|一样)的"
    r"|[这那](?:个|些|样|种|条|项|篇|份|类|件|位|款)?(?![么里儿边会])"
)
# After a demonstrative: time and place words that make it "this month", "here" (now, not an earlier turn).
_ZH_DEICTIC = re.compile(r"^(?:个)?(?:月|周|星期|季度|年|天|时候|会儿|次|里|边|儿|么)")
# Chinese comparisons that need the previous question ("微信群也一样吗"); 和/跟/与 X 一样 compares inside.
_ZH_SAME = re.compile(r"(?:也|都|还|是不是|是否)*(?:是)?(?:一样|同样|相同|一致|这样|那样|如此|适用)(?:的)?$")
# Chinese comparisons whose two sides are both in the question ("英文版和中文版一样吗").
_ZH_SAME_INSIDE = re.compile(r"[和跟与同像].+(?:一样|同样|相同|一致)")
# Chinese modal verbs, adverbs and prepositions that open a predicate: what comes before the first
# one is the question's topic, and the word right after one is its verb.
_ZH_PREDICATE = frozenset(
    """要 需要 需 得 应该 应当 应 该 能 能够 可以 可 必须 须 会 来 去 是 有 还 也 都 再 就 才 先 一般 通常 最多
    至少 最晚 最迟 最好 最快 大概 具体 分别 到底 究竟 一定 不 没 没有 别 不用 不要 被 由 在 对 向 给 从 跟 和 与 把
    为 按 按照 对于 关于 并 又""".split()
)
# A demonstrative followed by one of these characters stands alone as a pronoun ("这个要报备吗", "这个对外包…").
_ZH_HEAD_STOPS = frozenset(
    "要需能可会应该得必也都还是有怎如多几哪谁什不没对向给在从跟和与把被为由比按就才先算属呢吗吧？?，,"
)
# Chinese words that join two nouns in a topic ("审核单和原稿").
_ZH_AND = frozenset("和 与 跟 及 以及 或".split())
# Chinese words that make the opening a time clause ("停水期间…", "发布后…"), not the question's topic.
_ZH_WHEN = frozenset("时 时候 期间 之前 之后 以前 以后 前 后 当天 当日 同时".split())
# Chinese predicate words after which comes a noun, not a verb ("什么是原创", "有时限吗", "对外包人员").
_ZH_NOUN_AFTER = frozenset("是 有 由 在 对 向 给 从 跟 和 与 把 为 按 按照 对于 关于".split())
# Chinese question words that ask for a noun ("多少艘冲锋舟？", "哪些材料？", "什么材料？").
_ZH_WHICH = re.compile(r"^(?:多少|几|哪|什么(?!时候))")
# Chinese adverbs that compare with something else: opening a question, they point back ("也要登记吗").
_ZH_ALSO = frozenset("也 还 都 又 同样 照样".split())
# Chinese words that end a question and say nothing about it.
_ZH_TAIL = re.compile(r"(?:的话)?(?:[呢吗吧啊呀嘛哦]|(?<![什怎这那多要])么)*$")
# Chinese phrases that open a question politely and carry nothing.
_ZH_POLITE = re.compile(r"^(?:请问|我想问一下|我想问|想问一下|想问下|想问|问一下|你好|您好)[，,、\s]*")

# English connectives that open an elliptical follow-up ("and for WeChat groups?").
_EN_CONNECTIVE = re.compile(r"^(?:(?:and|but|so|then|also|plus|or|ok|okay|well|even)\b[\s,]*)+", re.IGNORECASE)
# English openings that ask about something else in the previous question's terms.
_EN_ABOUT = re.compile(
    r"^(?:(?:what|how) about|as (?:for|to|regards)|(?:is it |and is it )?(?:the )?same (?:for|with|goes for|applies to)"
    r"|what if|even if)\b[\s,]*",
    re.IGNORECASE,
)
# English prepositions that can open a bare follow-up phrase ("for complex cases?", "during holidays?").
_EN_PREPOSITION = re.compile(
    r"^(?:for|in|on|at|during|with|about|from|to|under|regarding|over|within|after|before|without|by)\b\s*",
    re.IGNORECASE,
)
# English subordinators that open a condition whose question may be left unsaid ("what if it's urgent?").
_EN_CONDITION = re.compile(r"^(?:if|when|in case|once|unless)\b\s*", re.IGNORECASE)
# English words whose "'s" is "is" ("what's the limit?", "that's").
_EN_IS = re.compile(r"\b(what|who|where|when|how|why|which|it|that|this|there|here|he|she)'s\b", re.IGNORECASE)
# English question words.
_EN_WH = frozenset("what which who whom whose when where why how".split())
# English auxiliaries and modals: a clause that starts with one is a yes/no question.
_EN_AUX = frozenset(
    """is are was were be am do does did can could should must may might will would shall has have had
    isn't aren't wasn't don't doesn't didn't can't couldn't shouldn't won't wouldn't hasn't haven't""".split()
)
# English modal verbs: "who should approve" - the word after one is a verb.
_EN_MODAL = frozenset("can could should must may might will would shall do does did".split())
# English subject pronouns: the word after one is its verb ("should we change", "does that apply").
_EN_SUBJECT = frozenset("i we you they he she it one someone anyone somebody anybody this that these those".split())
# English pronouns and demonstratives that point outside the question when nothing in it is their referent.
_EN_REFER = frozenset(
    "it its they them their theirs this that these those such same above former latter next else".split()
)
# After a demonstrative: time words that make it "this month" (now, not an earlier turn).
_EN_DEICTIC = frozenset("morning afternoon evening night week weekend month year quarter time day today".split())
# English question phrases that only ask for a kind of answer ("how many days"): no topic.
_EN_ASK = re.compile(
    r"\bhow (?:long|often|soon|fast|quickly|far|much|many|early|late)"
    r"(?: (?:working |business )?(?:days?|hours?|minutes?|weeks?|months?|years?|times))?\b"
    r"|\bwhat (?:time|date|day)\b|\bwhich (?:day|date)\b",
    re.IGNORECASE,
)
# English question words that ask for a noun ("how many boats?", "which documents?").
_EN_WHICH = re.compile(r"^(?:how many|how much|which|what|whose)\s+\S", re.IGNORECASE)
# English words that tie a phrase to another ("messages in WeChat groups", "the passwords they knew"):
# such a phrase is added to the previous question, not put in place of one of its words.
_EN_LINKS = frozenset(
    "of in on at for with from to by about during under over within without between they them it its their".split()
)
# Nouns of any subject that name no topic ("this rule", "这种情况", "any other things?").
_SHELL = frozenset(
    """事 事情 东西 情况 问题 时候 地方 人 方面 方法 办法 规定 要求 做法 部分 种 类 样 内容 一个 别的
    thing case situation one matter stuff part kind way rule requirement question detail person people""".split()
)
# Verbs that carry no topic of their own ("what happens", "does it apply", "这个怎么办").
_LIGHT = frozenset("是 有 做 弄 搞 办 进行 适用 算 行 happen apply mean work take need count go come".split())

_PUNCT_END = re.compile(r"[\s?？。！!.…~～,，;；:：]+$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:\.\d+)?")
_POSSESSIVE = re.compile(r"['’]s?$")


# ---------------------------------------------------------------------------- reading one question


@dataclass(frozen=True)
class _Reading:
    """What one question says on its own."""

    language: str
    body: str  # the question without its connective, condition word, final particles and punctuation
    condition: str  # the condition word it opened with ("要是", "if"), if any
    elliptical: bool  # no question of its own after a connective, or a bare phrase
    refers_back: bool  # a pronoun, demonstrative or comparison with nothing in the question to point to
    topic: bool  # a content word that is not only the verb of a predicate
    own_terms: tuple[str, ...]
    subject: str = ""  # zh: the bare noun phrase an elliptical follow-up is about ("微信群")
    particles: str = ""  # zh: the final particles taken off the body ("吗", "呢")

    @property
    def needs_context(self) -> bool:
        return self.elliptical or self.refers_back or not self.topic


def _clean(text: str) -> str:
    return " ".join(text.split())


def needs_context(question: str) -> bool:
    """Whether ``question`` cannot be understood without an earlier question."""
    question = _clean(question)
    return bool(question) and _read(question).needs_context


def _read(question: str) -> _Reading:
    return _read_zh(question) if any(is_cjk(ch) for ch in question) else _read_en(question)


def _own_terms(pieces: Sequence[str]) -> tuple[str, ...]:
    terms: list[str] = []
    for piece in pieces:
        for token in tokenize(piece, characters=False, precise=True):
            token = _POSSESSIVE.sub("", token)
            if token and token not in _SHELL and token not in _LIGHT and token not in _EN_REFER:
                terms.append(token)
    long_terms = [t for t in terms if not (is_cjk(t) and len(t) == 1)]
    return tuple(dict.fromkeys(long_terms or terms))


# ----------------------------------------------------------------- Chinese


def _zh_pieces(body: str) -> list[tuple[str, str]]:
    """The body cut into (kind, text): kind is "ask" (a question word), "refer" (a pronoun pointing
    back), "mark" (a word that opens a predicate), "word" (a content word) or "other"."""
    pieces: list[tuple[str, str]] = []
    position = 0
    jieba = _jieba()
    spans = sorted(
        [(m.start(), m.end(), "ask") for m in _ZH_ASK.finditer(body)]
        + [(m.start(), m.end(), "refer") for m in _ZH_REFER.finditer(body) if _points_back(body, m)],
    )
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if not chosen or start >= chosen[-1][1]:
            chosen.append((start, end, kind))
    for start, end, kind in [*chosen, (len(body), len(body), "")]:
        for word in _zh_words(jieba.lcut(body[position:start])) if start > position else []:
            pieces.append((_zh_kind(word), word))
        if kind:
            pieces.append((kind, body[start:end]))
        position = end
    return pieces


def _zh_words(words: list[str]) -> list[str]:
    """jieba's words, with a modal verb or preposition its HMM glued to a guessed word cut off again
    ("审核单要保存" gives 单要: 单 + 要)."""
    out: list[str] = []
    for word in words:
        if len(word) > 1 and is_cjk(word) and not in_dictionary(word):
            if word[-1] in _ZH_PREDICATE:
                out += [word[:-1], word[-1]]
                continue
            if word[0] in _ZH_PREDICATE:
                out += [word[0], word[1:]]
                continue
        out.append(word)
    return out


def _zh_kind(word: str) -> str:
    if word in _ZH_PREDICATE or (len(word) > 1 and word[0] in "不没" and word not in _SHELL):
        return "mark"
    if not tokenize(word, characters=False, precise=True) or word in _SHELL or word in _LIGHT:
        return "other"
    return "word"


def _points_back(body: str, m: re.Match[str]) -> bool:
    """Whether a demonstrative points outside the question: not "这个月" (now), not a determiner
    before a noun of its own ("这篇稿子"), not the "那" of 那么/那里."""
    after = body[m.end() :]
    if m.group().startswith(("这", "那")):
        if _ZH_DEICTIC.match(after):
            return False
        head = after.removeprefix("的")
        if head and head[0] not in _ZH_HEAD_STOPS:
            words = _jieba().lcut(head)
            if words and words[0] not in _SHELL and len(words[0]) > 1 and tokenize(words[0], characters=False):
                return False  # a determiner: "这篇稿子" has its own topic
    return True


def _read_zh(question: str) -> _Reading:
    text = _ZH_POLITE.sub("", _PUNCT_END.sub("", question))
    opener = _ZH_OPENER.match(text)
    body = text[opener.end() :] if opener else text
    condition_match = _ZH_CONDITION.match(body)
    condition = condition_match.group() if condition_match else ""
    body = body[len(condition) :]
    tail = _ZH_TAIL.search(body)
    particles = tail.group() if tail else ""
    body = body[: len(body) - len(particles)] if particles else body
    body = _PUNCT_END.sub("", body)
    yes_no = "吗" in particles or "么" in particles

    same = _ZH_SAME.search(body)
    compares_back = same is not None and same.start() > 0 and not _ZH_SAME_INSIDE.search(body)
    if same is not None and compares_back:
        body = body[: same.start()]

    pieces = _zh_pieces(body)
    kinds = [k for k, _ in pieces]
    asks = "ask" in kinds or (yes_no and not compares_back)
    has_predicate = "mark" in kinds or asks
    elliptical = not asks and (bool(opener) or bool(condition) or "呢" in particles or not has_predicate)
    if compares_back:
        elliptical = True

    # "也是三审吗？", "还要报备吗？": "also" with nothing before it compares with what was said before
    refers_back = bool(pieces) and pieces[0][1] in _ZH_ALSO
    topic = False
    seen_predicate = False
    content: list[str] = []
    for i, (kind, word) in enumerate(pieces):
        if kind == "refer" and not topic:
            refers_back = True
        if kind in ("ask", "mark"):
            seen_predicate = True
        if kind != "word":
            continue
        if len(word) < 2 and not word.isascii():
            continue
        content.append(word)
        before = pieces[i - 1] if i else ("", "")
        verb_position = (before[0] == "mark" and before[1] not in _ZH_NOUN_AFTER) or (
            before[0] == "ask" and bool(_ZH_ASK_VERB.match(before[1]))
        )
        if not seen_predicate or not verb_position:
            topic = True
    if len(set(content)) >= 2:
        topic = True
    long_words = [w for k, w in pieces if k == "word" and len(w) > 1]
    if not elliptical and kinds and kinds[0] == "ask" and _ZH_WHICH.match(pieces[0][1]) and len(long_words) <= 1:
        if all(k in ("ask", "word", "other") for k in kinds):
            elliptical = True  # "多少艘冲锋舟？", "哪些材料？": a question word and a noun, no predicate
    bare = not [k for k in kinds if k in ("ask", "mark", "refer")]
    subject = body if elliptical and bare and body and "了" not in body else ""
    own = _own_terms([w for k, w in pieces if k == "word"])
    return _Reading("zh", body, condition, elliptical, refers_back, topic, own, subject, particles)


# ----------------------------------------------------------------- English


def _en_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(_expand(text))]


def _expand(text: str) -> str:
    """ "what's" -> "what is", "that's" -> "that is" (but "the district's" stays a possessive)."""
    text = text.replace("’", "'")
    return _EN_IS.sub(lambda m: m.group(1) + " is", text)


def _content(word: str) -> str:
    """The word as tokenize gives it, or "" for a stop word, a shell noun or a light verb."""
    tokens = tokenize(_POSSESSIVE.sub("", word), characters=False)
    token = tokens[0] if tokens else ""
    return "" if token in _SHELL or token in _LIGHT or word in _EN_REFER else token


def _read_en(question: str) -> _Reading:
    text = _expand(_PUNCT_END.sub("", question))
    rest = _EN_CONNECTIVE.sub("", text)
    connective = rest != text
    about = _EN_ABOUT.match(rest)
    if about:
        rest = rest[about.end() :]
    condition = ""
    if about and about.group().lower().strip().endswith("if"):
        condition = "if"
    elif connective or about:
        condition_match = _EN_CONDITION.match(rest)
        if condition_match:
            condition = condition_match.group().strip()
            rest = rest[condition_match.end() :]
    opened = connective or bool(about)
    body = rest
    while opened and (m := _EN_PREPOSITION.match(body)):
        body = body[m.end() :]
    tail = re.search(r"[\s,]+(?:too|as well|also)$", body, re.IGNORECASE)
    if tail:
        body = body[: tail.start()]
        opened = True

    masked = _EN_ASK.sub(" ", body)
    clauses = [_en_words(c) for c in re.split(r"[,;:]", masked) if _en_words(c)]
    words = [w for c in clauses for w in c]
    asks = bool(_EN_ASK.search(body)) or any(_clause_asks(c) for c in clauses)
    has_aux = any(w in _EN_AUX or w.endswith("n't") for w in words)
    # a bare phrase of one or two content words ("Weekends?", "The English version?"); three or more
    # ("Password rules for contractors?") read as a query of their own
    bare = not asks and not has_aux and len([w for w in _en_words(body) if _content(w)]) <= 2
    elliptical = not asks and (opened or bool(condition) or bare)

    topic = False
    refers_back = False
    for clause in clauses:
        clause_topic, clause_refers = _en_clause(clause)
        refers_back = refers_back or (clause_refers and not topic)  # "if an account is hijacked, … it"
        topic = topic or clause_topic
    body_words = _en_words(body)
    if not elliptical and clauses and len(words) <= 4 and not has_aux and _EN_WHICH.match(body.strip()):
        elliptical = True  # "how many boats?", "which documents?": a question word and a noun, no predicate
    own = _own_terms([masked])
    subject = ""
    if elliptical and not condition and body_words and not (set(body_words) & (_EN_WH | _EN_AUX | _EN_LINKS)):
        subject = re.sub(r"^(?:a|an|the)\s+", "", body.strip(), flags=re.IGNORECASE)
    return _Reading("en", body.strip(), condition, elliptical, refers_back, topic, own, subject)


def _clause_asks(words: list[str]) -> bool:
    first = words[0]
    if first in _EN_AUX:
        return True
    if first in _EN_WH:
        if first in ("when", "where") and len(words) > 1 and words[1] not in _EN_AUX:
            return False  # "when the editor is away": a condition, not a question
        return True
    return False


def _en_clause(words: list[str]) -> tuple[bool, bool]:
    """(has a topic, refers back) for one clause's words."""
    topic = False
    refers_back = False
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in _EN_REFER:
            refers_back = refers_back or _refers_back(words, i)
            continue
        token = _content(word)
        if not token:
            continue
        if before in _EN_SUBJECT and not (before in ("this", "that", "these", "those") and i == 1):
            continue  # "should we change", "does that apply": the verb
        if i == 1 and before in ("who", "what", "which") and after not in _EN_AUX:
            continue  # "who approves": the verb (but "what documents are needed": a noun)
        if i == 2 and words[0] in ("who", "what", "which") and before in _EN_MODAL:
            continue  # "who should approve" (but "what is Liutang": a noun)
        topic = True
    return topic, refers_back


def _refers_back(words: list[str], i: int) -> bool:
    word = words[i]
    before = words[i - 1] if i else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    if word == "same":
        return "as" not in words[i + 1 :]
    if word == "such":
        return after != "as"
    if word in ("next", "else"):
        return not after  # "what happens next?", "what else?" (but "the next update")
    if word == "it" and _expletive(words, i):
        return False
    if word in ("this", "that", "these", "those"):
        if _POSSESSIVE.sub("", after) in _EN_DEICTIC:
            return False  # "this month's report"
        if not after:
            return True  # "what is the penalty for that?"
        if word == "that" and any(_content(w) for w in words[:i]):
            return False  # "is it true that…", "the rule that…": a conjunction
        if _content(after) and after not in _EN_AUX:
            if before not in _EN_MODAL or (i + 2 < len(words) and words[i + 2] in _EN_AUX):
                return False  # "is that hotline free", "can this post be deleted": a determiner with its noun
    # a referent inside the question: a content word (not a verb) before the pronoun
    for j in range(i):
        if _content(words[j]) and not (j and words[j - 1] in _EN_SUBJECT) and not (j == 1 and words[0] in _EN_WH):
            return False
    return True


def _expletive(words: list[str], i: int) -> bool:
    """ "is it OK to…", "it is true that…", "how long does it take to…": an "it" that points at nothing."""
    near = words[max(0, i - 1) : i + 2]
    if not any(w in ("is", "was", "it's", "'s", "be", "isn't", "take", "takes", "took") for w in near):
        return False
    return any(w in ("to", "that", "if", "whether", "when") for w in words[i + 1 : i + 6])


# ---------------------------------------------------------------------------- resolving


def _previous(history: Sequence[str], depth: int = 3) -> str:
    """The last earlier question as it was resolved (a follow-up of a follow-up carries both)."""
    items = [_clean(h) for h in history if h and h.strip()]
    if not items:
        return ""
    if depth == 0:
        return items[-1]
    return resolve(items[-1], items[:-1], _depth=depth - 1).query


def _split_topic(previous: str) -> tuple[str, str]:
    """A Chinese question that opens with its topic, cut before its predicate: ("网民留言", "多久要回复？"),
    or ("", "") when it does not open that way (a condition, a time clause, "每季度评选…")."""
    text = _ZH_POLITE.sub("", previous)
    if re.search(r"[，,；;]|了", text) or _ZH_CONDITION.match(text):
        return "", ""
    pieces = _zh_pieces(_PUNCT_END.sub("", text))
    prefix = ""
    for kind, word in pieces:
        if kind in ("ask", "refer") or (kind == "mark" and word not in _ZH_AND):
            break
        if word in _ZH_WHEN or word.startswith("每"):
            return "", ""
        prefix += word
    else:
        return "", ""
    words = [w for k, w in pieces if k == "word" and w in prefix]
    if not prefix or len(prefix) > 12 or not any(len(w) > 1 for w in words) or not text.startswith(prefix):
        return "", ""
    return prefix, text[len(prefix) :]


def _parallel(new: str, old: str) -> bool:
    """Two different words of one kind: the same last character (工作日 / 节假日, 订阅号 / 服务号) or the
    same first character and length (周六 / 周日, 线上 / 线下)."""
    if new == old or len(new) < 2 or len(old) < 2 or not (is_cjk(new) and is_cjk(old)):
        return False
    return new[-1] == old[-1] or (new[0] == old[0] and len(new) == len(old))


def _substitute(previous: str, subject: str, language: str) -> str:
    """``previous`` with the phrase that ``subject`` stands in for replaced by it, or "" when no word of
    ``previous`` is of the same kind as the subject's head word."""
    if language == "zh":
        new_words = [w for w in _zh_words(_jieba().lcut(subject)) if _zh_kind(w) == "word"]
        old_words = _zh_words(_jieba().lcut(previous))
        joiner = ""
    else:
        new_words = [w for w in subject.split() if _content(w)]
        old_words = previous.split()
        joiner = " "
    if not new_words:
        return ""
    if subject in previous:
        return previous  # already about it
    head = new_words[-1] if len(new_words[-1]) > 1 else subject

    def key(word: str) -> str:
        return _content(word.strip("?.,!:;")) if language == "en" else word

    for j, old in enumerate(old_words):
        exact = key(old) == key(head) and bool(key(head))
        if not exact and not (language == "zh" and _parallel(head, old)):
            continue
        first = j
        if exact:  # "常规稿件" for "紧急稿件": the head's modifiers go too
            while first > 0 and j - first < len(new_words) - 1 and _is_modifier(old_words[first - 1], language):
                first -= 1
        end = old[len(old.rstrip("?.,!:;")) :] if language == "en" else ""
        return joiner.join([*old_words[:first], subject + end, *old_words[j + 1 :]])
    return ""


def _is_modifier(word: str, language: str) -> bool:
    if language == "zh":
        return _zh_kind(word) == "word" and word not in _ZH_WHEN
    word = word.lower()
    return bool(_content(word)) and word not in _EN_WH | _EN_AUX | _EN_SUBJECT


def resolve(question: str, history: Sequence[str], *, _depth: int = 3) -> Resolved:
    """What to search for ``question`` asked after the earlier questions ``history`` (oldest first).

    A question that can be understood alone is searched alone (``query`` is the question, unchanged);
    a follow-up carries what it needs from the previous question, and ``own_terms`` are the words it
    brings itself."""
    question = _clean(question)
    previous = _previous(history, _depth) if question else ""
    if not previous:
        return Resolved(question)
    reading = _read(question)
    if not reading.needs_context:
        return Resolved(question)
    said = {_fold(t) for t in tokenize(previous, characters=False)}  # the previous question's words are not its own
    own = tuple(t for t in reading.own_terms if _fold(t) not in said)
    return Resolved(_combine(question, reading, previous), True, own)


def _fold(token: str) -> str:
    """The light stemmer makes "messages" "messag" but leaves "message": both compare as "messag"."""
    return token[:-1] if token.isascii() and len(token) > 4 and token.endswith("e") else token


def _combine(question: str, reading: _Reading, previous: str) -> str:
    same_script = any(is_cjk(ch) for ch in previous) == (reading.language == "zh")
    if reading.subject and same_script:
        # 那微信群呢 after 网民留言多久要回复 -> 微信群多久要回复; "what about a service account?"
        substituted = _substitute(previous, reading.subject, reading.language)
        if substituted:
            return substituted
        topic, predicate = _split_topic(previous) if reading.language == "zh" else ("", "")
        if topic and "的" in topic and "的" not in reading.subject:
            # 那镇街呢 after 区直部门的账号怎么命名 -> 镇街的账号怎么命名: the owner changes, not the thing
            return reading.subject + topic[topic.rindex("的") :] + predicate
        if topic:
            return reading.subject + predicate
    if reading.language == "zh" and same_script:
        topic, predicate = _split_topic(previous)
        if topic and not reading.elliptical and (reading.own_terms or reading.refers_back):
            # 这个要报备吗 -> 停更公告要报备吗？; 那要保存几年 -> 审核单要保存几年？
            body = reading.body
            pointer = next((m for m in _ZH_REFER.finditer(body) if _points_back(body, m)), None)
            body = body[: pointer.start()] + topic + body[pointer.end() :] if pointer else topic + body
            return body + reading.particles.replace("呢", "") + "？"
        if reading.condition and reading.body:
            return f"{reading.condition}{reading.body}，{previous}"  # 要是主编不在 -> 要是主编不在，…
    elif reading.condition and reading.body and reading.language == "en":
        return f"{reading.condition.capitalize()} {reading.body}, {previous[:1].lower()}{previous[1:]}"
    addition = reading.body if reading.elliptical and reading.own_terms else question
    return f"{previous} {addition}"
