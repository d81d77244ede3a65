"""GIFT (Moodle's plain-text quiz format) import and export, one language at a time.

Covered: single choice (``{=right ~wrong}``), multiple answers (``{~%50%right ~%-50%wrong}``, the weights
are the app's own scoring: equal shares, equal penalties), true/false (``{T}``/``{F}``), short answer
(``{=a =b}``). Ordering has no GIFT form and is skipped with a warning; so are Moodle types the app does
not have (numerical, matching, essay, description).

Fields GIFT has no place for (kind, topic, lesson, kb_doc, points, option ids, fixed_last) travel in a
``// @govmedia {...}`` comment line before each question: Moodle ignores comments, and importing an
exported file gives back the same questions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from courses.models import (
    ID_RE,
    AcceptedAnswers,
    Lang,
    MultipleChoice,
    Option,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    Text,
    TrueFalse,
    parse_question,
)

META_PREFIX = "// @govmedia "
_ESCAPED = {"\\\\": "\ue000", "\\:": "\ue001", "\\#": "\ue002", "\\=": "\ue003", "\\{": "\ue004", "\\}": "\ue005",
            "\\~": "\ue006", "\\n": "\ue007"}
_RESTORE = {"\ue000": "\\", "\ue001": ":", "\ue002": "#", "\ue003": "=", "\ue004": "{", "\ue005": "}",
            "\ue006": "~", "\ue007": "\n"}
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_FORMAT_RE = re.compile(r"^\[(?:moodle|html|plain|markdown)\]")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z]")


def other_lang(lang: Lang) -> Lang:
    return "en" if lang == "zh" else "zh"


def guess_lang(text: str) -> Lang:
    """zh when a fair share of the letters are Chinese characters (one carries about as much as a word)."""
    return "zh" if len(_CJK_RE.findall(text)) * 5 >= len(_LATIN_RE.findall(text)) else "en"


# --- export ---------------------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """GIFT escaping: backslash before ~ = # { } : and the backslash itself; newlines as \\n."""
    text = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class GiftExport:
    text: str
    exported: list[str]
    warnings: list[str]


def export_gift(questions: Iterable[Question], lang: Lang, *, category: str | None = None) -> GiftExport:
    """The questions as GIFT in ``lang``; ordering questions are left out and named in ``warnings``."""
    blocks = [f"// GovMedia Academy questions ({lang}). Format: Moodle GIFT. Ordering questions are not included."]
    if category:
        blocks.append(f"$CATEGORY: {category}")
    exported: list[str] = []
    warnings: list[str] = []
    for q in questions:
        if isinstance(q, Ordering):
            warnings.append(f"{q.id}: ordering questions have no GIFT form - skipped")
            continue
        if q.untranslated == lang:
            warnings.append(f"{q.id}: the {lang} texts are untranslated copies of the {other_lang(lang)} ones")
        blocks.append(_export_one(q, lang))
        exported.append(q.id)
    return GiftExport("\n\n".join(blocks) + "\n", exported, warnings)


def _meta(q: Question) -> dict[str, Any]:
    meta: dict[str, Any] = {k: getattr(q, k) for k in ("kind", "topic", "lesson", "kb_doc") if getattr(q, k)}
    if q.points != 1:
        meta["points"] = q.points
    if isinstance(q, SingleChoice | MultipleChoice):
        meta["options"] = [o.id for o in q.options]
        fixed = [o.id for o in q.options if o.fixed_last]
        if fixed:
            meta["fixed_last"] = fixed
    return meta


def _export_one(q: Question, lang: Lang) -> str:
    head = f"{META_PREFIX}{json.dumps(_meta(q), ensure_ascii=False)}\n::{escape(q.id)}::{escape(q.prompt[lang])}"
    general = f"####{escape(q.explanation[lang])}"
    if isinstance(q, TrueFalse):
        wrong = f"#{escape(q.feedback_wrong[lang])}" if q.feedback_wrong else ""
        return f"{head}{{{'TRUE' if q.answer else 'FALSE'}{wrong}{general}}}"
    lines: list[str] = []
    if isinstance(q, SingleChoice | MultipleChoice):
        share = 100 / len(q.correct_ids)
        for o in q.options:
            if isinstance(q, SingleChoice):
                # A text that starts with %n% would read as a weight: an explicit weight keeps it text.
                mark = ("=" if o.correct else "~%0%" if o.text[lang].startswith("%") else "~")
            else:
                mark = f"~%{_weight(share if o.correct else -share)}%"
            feedback = f"#{escape(o.feedback[lang])}" if o.feedback else ""
            lines.append(f"{mark}{escape(o.text[lang])}{feedback}")
    elif isinstance(q, ShortAnswer):
        lines += [f"={'%100%' if a.startswith('%') else ''}{escape(a)}" for a in q.accept[lang]]
        if q.feedback_wrong:
            # Moodle's short answer matches `*` against anything: a 0% catch-all carries the wrong-answer feedback.
            lines.append(f"=%0%*#{escape(q.feedback_wrong[lang])}")
    body = "".join(f"\t{line}\n" for line in [*lines, general])
    return f"{head}{{\n{body}}}"


# --- import ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GiftProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class GiftImport:
    """Imported questions: ``lang`` texts from the file, the other language copied and flagged ``untranslated``."""

    questions: list[Question] = field(default_factory=list)
    errors: list[GiftProblem] = field(default_factory=list)
    warnings: list[GiftProblem] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


def _pre(text: str) -> str:
    for seq, placeholder in _ESCAPED.items():
        text = text.replace(seq, placeholder)
    return text


def _post(text: str) -> str:
    text = _FORMAT_RE.sub("", text.strip())
    for placeholder, ch in _RESTORE.items():
        text = text.replace(placeholder, ch)
    return text.strip()


def _blocks(text: str) -> list[tuple[int, list[str], list[str]]]:
    """Questions are separated by blank lines: (first line number, content lines, comment lines) per block."""
    blocks: list[tuple[int, list[str], list[str]]] = []
    start, content, comments = 0, list[str](), list[str]()
    for n, line in enumerate([*text.replace("\r\n", "\n").split("\n"), ""], start=1):
        if not line.strip():
            if content:
                blocks.append((start, content, comments))
            start, content, comments = 0, [], []
            continue
        if line.strip().startswith("//"):
            comments.append(line.strip())
            continue
        if not content:
            start = n
        content.append(line)
    return blocks


def import_gift(text: str, lang: Lang, *, id_prefix: str = "q", reserved_ids: Collection[str] = ()) -> GiftImport:
    """Parse GIFT into questions. ``::name::`` becomes the id when it is a valid id; otherwise ids
    ``<id_prefix>-NN`` are made up, avoiding ``reserved_ids``. Nothing is raised: see ``errors``."""
    result = GiftImport()
    used: set[str] = set()
    taken = set(reserved_ids)
    counter = 0
    for line, content, comments in _blocks(text):
        meta: dict[str, Any] = {}
        for comment in comments:
            if comment.startswith(META_PREFIX):
                try:
                    loaded = json.loads(comment[len(META_PREFIX):])
                    meta = loaded if isinstance(loaded, dict) else {}
                except json.JSONDecodeError:
                    result.warnings.append(GiftProblem(line, "a // @govmedia comment is not valid JSON - ignored"))
        raw = _pre("\n".join(content).strip())
        if raw.startswith("$CATEGORY:"):
            result.categories.append(_post(raw[len("$CATEGORY:"):]))
            continue
        name = ""
        if raw.startswith("::"):
            end = raw.find("::", 2)
            if end < 0:
                result.errors.append(GiftProblem(line, "the question name is not closed: write ::name:: first"))
                continue
            name, raw = _post(raw[2:end]), raw[end + 2:].strip()
        if name and ID_RE.fullmatch(name):
            qid = name
        else:
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            qid = slug if slug and len(slug) <= 40 else ""
            while not qid or qid in taken or qid in used:
                counter += 1
                qid = f"{id_prefix}-{counter:02d}"
        if qid in used:
            result.errors.append(GiftProblem(line, f"question name ::{qid}:: is used twice in the file: rename one"))
            continue
        used.add(qid)
        try:
            question = _import_one(raw, qid, lang, meta, line, result)
        except _Skip as skip:
            result.warnings.append(GiftProblem(line, f"{name or qid}: {skip}"))
            continue
        except _Bad as bad:
            result.errors.append(GiftProblem(line, f"{name or qid}: {bad}"))
            continue
        result.questions.append(question)
    return result


class _Skip(Exception):
    "A question of a kind the app does not have"


class _Bad(Exception):
    "A question that cannot be imported as written"


def _import_one(raw: str, qid: str, lang: Lang, meta: dict[str, Any], line: int, result: GiftImport) -> Question:
    start, finish = raw.find("{"), raw.find("}")
    if start < 0 and finish < 0:
        raise _Skip("no answer block {...}: a description, not a question - skipped")
    if start < 0 or finish < start:
        raise _Bad("braces do not match: one { ... } answer block per question (escape literal braces as \\{ \\})")
    answer = raw[start + 1:finish].strip()
    after = raw[finish + 1:].strip()
    if "{" in after or "}" in after:
        raise _Bad("more than one answer block: one { ... } per question (escape literal braces as \\{ \\})")
    # Missing-word format (text after the answers): the blank is shown as _____, as Moodle does.
    prompt_raw = raw[:start] + "_____" + raw[finish + 1:] if after else raw[:start]
    general = ""
    gf = answer.rfind("####")
    if gf >= 0:
        general, answer = answer[gf + 4:], answer[:gf].strip()
    prompt, explanation = _post(prompt_raw), _post(general)

    # Types the app does not have are skipped before anything else is asked of them.
    if answer == "":
        raise _Skip("an essay question ({}) - skipped, the app has no essay questions")
    if answer.startswith("#"):
        raise _Skip("a numerical question ({#...}) - skipped, use a short answer question instead")
    if "~" not in answer and "=" in answer and "->" in answer:
        raise _Skip("a matching question - skipped, the app has no matching questions")
    if not prompt:
        raise _Bad("the question has no text before the answer block")
    if not explanation:
        raise _Bad("no general feedback: add ####<explanation> before the closing } (every question needs one)")

    data: dict[str, Any] = {"id": qid, "prompt": {"zh": prompt, "en": prompt}}
    for key in ("kind", "topic", "lesson", "kb_doc", "points"):
        if key in meta:
            data[key] = meta[key]
    data["explanation"] = {"zh": explanation, "en": explanation}
    if "~" in answer:
        data.update(_choices(answer, meta, line, result))
    else:
        head = answer.split("#", 1)[0].strip()
        if head in ("T", "TRUE", "F", "FALSE"):
            bits = answer.split("#", 2)
            data["type"] = "truefalse"
            data["answer"] = head.startswith("T")
            if len(bits) > 1 and _post(bits[1]):
                data["feedback_wrong"] = {"zh": _post(bits[1]), "en": _post(bits[1])}
            if len(bits) > 2 and _post(bits[2]):
                result.warnings.append(GiftProblem(line, f"{qid}: feedback for a right answer is not kept"))
        else:
            data.update(_short(answer, qid, line, result))
    data["untranslated"] = other_lang(lang)
    try:
        return parse_question(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:] if p not in ("zh", "en")) or "question"
        message = str(first.get("ctx", {}).get("error") or first["msg"])
        raise _Bad(f"{where}: {message}") from exc


def _choices(answer: str, meta: dict[str, Any], line: int, result: GiftImport) -> dict[str, Any]:
    parts = answer.replace("=", "~=").split("~")
    if parts[0].strip():
        raise _Bad("text before the first answer: each answer starts with = (right) or ~ (wrong)")
    answers: list[tuple[str, str, float | None]] = []  # text, feedback, weight (None for =)
    for part in parts[1:]:
        part = part.strip()
        weight: float | None
        if part.startswith("="):
            weight, part = None, part[1:]
        elif m := _WEIGHT_RE.match(part):
            weight, part = float(m.group(1)), part[m.end():]
        else:
            weight = 0.0
        text, _, feedback = part.partition("#")
        answers.append((_post(text), _post(feedback), weight))
    if any(not text for text, _, _ in answers):
        raise _Bad("an answer is empty")
    single = any(w is None for _, _, w in answers)
    if single:
        correct = [w is None for _, _, w in answers]
        if sum(correct) > 1:
            raise _Bad(f"{sum(correct)} answers are marked = : a single-choice question has exactly one right "
                       "answer (for several right answers use ~%50% weights)")
        if any(w for _, _, w in answers if w):
            result.warnings.append(GiftProblem(line, "partial-credit weights on ~ answers are dropped: they count "
                                               "as wrong in a single-choice question"))
    else:
        correct = [(w or 0) > 0 for _, _, w in answers]
        if not any(correct):
            raise _Bad("no answer is right: mark one with = or give right answers a positive weight like ~%50%")
        share = 100 / sum(correct)
        if any(abs((w or 0) - (share if c else -share)) > 0.01 for (_, _, w), c in zip(answers, correct, strict=True)):
            result.warnings.append(GiftProblem(line, f"the weights differ from the app's scoring (right answers "
                                               f"+{_weight(share)}%, wrong answers -{_weight(share)}%): the app "
                                               "scores its own way"))
    ids = meta.get("options")
    if not (isinstance(ids, list) and len(ids) == len(answers) and all(isinstance(i, str) for i in ids)):
        ids = [chr(ord("a") + i) for i in range(len(answers))]
    fixed = set(meta.get("fixed_last") or [])
    options = []
    for option_id, (text, feedback, _), right in zip(ids, answers, correct, strict=True):
        if not right and not feedback:
            raise _Bad(f"wrong answer '{text}' has no feedback: add #<why it is wrong> after it")
        option: dict[str, Any] = {"id": option_id, "text": {"zh": text, "en": text}, "correct": right}
        if feedback:
            option["feedback"] = {"zh": feedback, "en": feedback}
        if option_id in fixed:
            option["fixed_last"] = True
        options.append(option)
    return {"type": "single" if single else "multiple", "options": options}


def _short(answer: str, qid: str, line: int, result: GiftImport) -> dict[str, Any]:
    accept: list[str] = []
    data: dict[str, Any] = {"type": "short"}
    dropped_feedback = False
    parts = answer.split("=")
    for part in parts[1:] if not parts[0].strip() else parts:
        part = part.strip()
        weight = 100.0
        if m := _WEIGHT_RE.match(part):
            weight, part = float(m.group(1)), part[m.end():]
        text, _, feedback = part.partition("#")
        text, feedback = _post(text), _post(feedback)
        if text == "*" and weight == 0:
            if feedback:
                data["feedback_wrong"] = {"zh": feedback, "en": feedback}
        elif weight >= 100:
            accept.append(text)
            dropped_feedback = dropped_feedback or bool(feedback)
        else:
            result.warnings.append(GiftProblem(line, f"{qid}: answer '{text}' at {_weight(weight)}% is dropped - "
                                               "short answers are right or wrong"))
    if not accept:
        raise _Bad("no accepted answer: write the right answers as =answer")
    if dropped_feedback:
        result.warnings.append(GiftProblem(line, f"{qid}: feedback on right answers is not kept"))
    data["accept"] = {"zh": accept, "en": accept}
    return data


# --- merging into an existing pool -------------------------------------------------------------------------------


@dataclass
class MergeResult:
    questions: list[Question]
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # same structure: only the language's texts changed
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # structure changed: the other language is a copy again


def merge_questions(existing: Sequence[Question], imported: Sequence[Question], lang: Lang) -> MergeResult:
    """Imported questions into a pool: new ids are added at the end; for a known id only ``lang``'s texts
    are replaced when the structure (type, options and which are right, the answer) is unchanged, so the
    other language's translation is kept; otherwise the question is replaced."""
    index = {q.id: i for i, q in enumerate(existing)}
    result = MergeResult(list(existing))
    for new in imported:
        if new.id not in index:
            result.questions.append(new)
            result.added.append(new.id)
            continue
        old = result.questions[index[new.id]]
        merged = _translate_into(old, new, lang)
        if merged == old:
            result.unchanged.append(new.id)
        elif merged is not None:
            result.updated.append(new.id)
        else:
            carried = {k: getattr(old, k) for k in ("kind", "topic", "lesson", "kb_doc", "points")
                       if k not in new.model_fields_set}
            merged = new.model_copy(update=carried)
            result.replaced.append(new.id)
        result.questions[index[new.id]] = merged
    return result


def _translate_into(old: Question, new: Question, lang: Lang) -> Question | None:
    if old.type != new.type or isinstance(old, Ordering):
        return None
    copied = False

    def put(old_text: Text | None, new_text: Text | None) -> Text | None:
        nonlocal copied
        if new_text is None:
            return old_text
        if old_text is None:
            copied = True
            return Text.same(new_text[lang])
        return old_text.replace(lang, new_text[lang])

    update: dict[str, Any] = {
        "prompt": put(old.prompt, new.prompt),
        "explanation": put(old.explanation, new.explanation),
    }
    if isinstance(old, SingleChoice | MultipleChoice) and isinstance(new, SingleChoice | MultipleChoice):
        if [o.correct for o in old.options] != [o.correct for o in new.options]:
            return None
        options: list[Option] = []
        for o, n in zip(old.options, new.options, strict=True):
            options.append(o.model_copy(update={"text": put(o.text, n.text), "feedback": put(o.feedback, n.feedback)}))
        update["options"] = options
    elif isinstance(old, TrueFalse) and isinstance(new, TrueFalse):
        if old.answer != new.answer:
            return None
        update["feedback_wrong"] = put(old.feedback_wrong, new.feedback_wrong)
    elif isinstance(old, ShortAnswer) and isinstance(new, ShortAnswer):
        update["accept"] = AcceptedAnswers.model_validate({**old.accept.model_dump(), lang: new.accept[lang]})
        update["feedback_wrong"] = put(old.feedback_wrong, new.feedback_wrong)
    for key in ("kind", "topic", "lesson", "kb_doc", "points"):
        if key in new.model_fields_set:
            update[key] = getattr(new, key)
    if copied:
        update["untranslated"] = other_lang(lang)
    elif old.untranslated == lang:
        update["untranslated"] = None
    return old.model_copy(update=update)
