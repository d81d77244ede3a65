"""Reading the course content tree (``courses/FORMAT.md``) into validated models, with every problem located.

:func:`load_catalog` is what the app calls: the valid courses (a broken course is left out and logged); it raises
:class:`ContentInvalid` listing all problems only when no course is valid.
:func:`check` / :func:`validate` collect problems (file, line, what to do) without raising, for the CLI and CI.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from courses import yamlio
from courses.errors import ContentInvalid, ContentNotFound, NotFound
from courses.models import (
    LANGS,
    QUESTION_ADAPTER,
    QUESTION_TYPES,
    Catalog,
    Course,
    CourseMeta,
    Lang,
    Lesson,
    LessonFrontMatter,
    LessonPage,
    Module,
    ModuleMeta,
    Question,
    QuizFile,
    Section,
    parse_question,
    question_to_data,
)
from courses.yamlio import Located, YamlError

log = logging.getLogger(__name__)

ENV_VAR = "APP_COURSES_DIR"
PACKAGE_CONTENT = Path(__file__).resolve().parent / "content"
KB_MANIFEST = Path(__file__).resolve().parent.parent / "knowledge" / "samples" / "manifest.yaml"
FORMAT_DOC = "courses/FORMAT.md"

MODULE_DIR_RE = re.compile(r"(\d+)-([a-z0-9-]+)")
LESSON_FILE_RE = re.compile(r"(\d+)-([a-z0-9-]+)\.(zh|en)\.md")
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_ANCHOR_RE = re.compile(r"^(.*?)[ \t]*\{#([^}]*)\}$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

_REQUIRED_QUESTION_KEYS = {
    "kind": "add kind: recall or kind: scenario",
    "topic": "add topic: <short-topic-id> (used for weak-topic reports)",
    "lesson": "add lesson: <lesson-id>#<anchor> pointing at the section that explains it",
}


def default_root() -> Path:
    """``$APP_COURSES_DIR`` if set, else ``courses/content`` inside the package."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else PACKAGE_CONTENT


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the content: where it is and what to do about it."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "line": self.line, "message": self.message}


@dataclass
class Report:
    """What :func:`check` found: the courses without any problem, counts of everything seen, and all problems.

    A page can show ``courses`` to learners and ``problems`` to admins while content is being written."""

    root: Path
    courses: list[Course] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"courses": 0, "modules": 0, "lessons": 0, "questions": 0}
    )
    languages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {**self.counts, "languages": self.languages, "problems": [p.as_json() for p in self.problems]}


def check(root: Path | None = None) -> Report:
    """Read the whole tree under ``root`` and collect every problem; raises only if ``root`` is missing."""
    return _Reader(_resolve_root(root)).read()


def validate(root: Path | None = None) -> list[Problem]:
    """Every problem in the tree, in folder order; empty when the content is valid."""
    return check(root).problems


def load_catalog(root: Path | None = None, *, strict: bool = False) -> Catalog:
    """The valid courses under ``root`` (default: :func:`default_root`).

    A course with a problem is left out and the others are served: one broken file used to take every
    course off the app (issue 8). The problems are logged with file and line, and ``python -m courses
    validate`` lists them. Raises :class:`ContentInvalid` when there are problems and no course is valid,
    or on any problem with ``strict=True``.
    """
    report = check(root)
    if report.problems and (strict or not report.courses):
        raise ContentInvalid(report.problems)
    if report.problems:
        log.warning(
            "%s: %d problem(s) in the course content; serving the %d valid course(s) - fix them and run "
            "`python -m courses validate`:\n%s",
            report.root, len(report.problems), len(report.courses), "\n".join(f"  {p}" for p in report.problems),
        )
    return Catalog(root=report.root, courses=report.courses, problems=[str(p) for p in report.problems])


def _resolve_root(root: Path | None) -> Path:
    root = default_root() if root is None else Path(root)
    if not root.is_dir():
        raise ContentNotFound(
            f"No course content folder at {root}: create it (see {FORMAT_DOC}) or set {ENV_VAR} to the right folder"
        )
    return root


@lru_cache(maxsize=4)
def kb_documents(manifest: Path = KB_MANIFEST) -> frozenset[str] | None:
    """Files of the sample knowledge base, by manifest path and by file name; None if the manifest is missing."""
    try:
        entries = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError):
        return None
    names: set[str] = set()
    for entry in entries:
        if isinstance(entry, dict) and entry.get("file"):
            names.add(str(entry["file"]))
            names.add(str(entry["file"]).rsplit("/", 1)[-1])
    return frozenset(names)


# --- reading ---------------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, root: Path) -> None:
        self.report = Report(root=root)
        self.langs: set[str] = set()

    @property
    def problems(self) -> list[Problem]:
        return self.report.problems

    def problem(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def read(self) -> Report:
        for course_dir in sorted(p for p in self.report.root.iterdir() if p.is_dir() and p.name[0] not in "._"):
            course = self.read_course(course_dir)
            if course is not None:
                self.report.courses.append(course)
        self.report.languages = [lang for lang in LANGS if lang in self.langs]
        # Checks run per file and then across files; a sorted list reads top to bottom in each file.
        self.problems.sort(key=lambda p: (p.path.parent.parts, p.path.name, p.line or 0))
        return self.report

    # files

    def read_yaml(self, path: Path) -> Located | None:
        text = self.read_text(path)
        if text is None:
            return None
        try:
            located = yamlio.load(text)
        except YamlError as exc:
            self.problem(path, exc.line, exc.message)
            return None
        if located.data is None:
            self.problem(path, None, f"the file is empty: see {FORMAT_DOC} for what goes in it")
            return None
        if not isinstance(located.data, dict):
            self.problem(path, 1, "expected `key: value` lines at the top level")
            return None
        return located

    def read_text(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            # The line of the first bad byte, so an author can find it (issue 8: errors name file and line).
            line = exc.object[: exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else None
            self.problem(path, line, "is not UTF-8 text: save it as UTF-8")
        except OSError as exc:
            self.problem(path, None, f"cannot be read ({exc.strerror})")
        return None

    def model(self, cls: type[BaseModel] | TypeAdapter[Any], data: Any, located: Located, path: Path,
              prefix: tuple[str | int, ...] = ()) -> Any:
        try:
            if isinstance(cls, TypeAdapter):
                return cls.validate_python(data)
            return cls.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = (*prefix, *err["loc"])
                self.problem(path, located.line(located.data_path(loc)), describe_error(err, loc, located))
            return None

    # course

    def read_course(self, course_dir: Path) -> Course | None:
        """The course if it and everything in it is valid; its problems are recorded either way."""
        before = len(self.problems)
        path = course_dir / "course.yaml"
        if not path.is_file():
            if any(MODULE_DIR_RE.fullmatch(p.name) for p in course_dir.iterdir() if p.is_dir()):
                self.problem(course_dir, None, "has modules but no course.yaml: add one (id, title, summary)")
            return None
        self.report.counts["courses"] += 1
        located = self.read_yaml(path)
        meta: CourseMeta | None = self.model(CourseMeta, located.data, located, path) if located else None
        if meta is not None and located is not None and meta.id != course_dir.name:
            self.problem(path, located.line(("id",)), f"id '{meta.id}' differs from the folder name "
                         f"'{course_dir.name}': rename one so they match")

        modules: list[Module] = []
        orders: dict[int, Path] = {}
        dir_ids: list[tuple[str, Path]] = []
        question_ids: dict[str, tuple[Path, int | None]] = {}
        for module_dir in sorted(p for p in course_dir.iterdir() if p.is_dir() and p.name[0] not in "._"):
            match = MODULE_DIR_RE.fullmatch(module_dir.name)
            if not match:
                if (module_dir / "module.yaml").exists():
                    self.problem(module_dir, None, "module folders are named NN-module-id, e.g. 01-review-basics")
                continue
            order = int(match.group(1))
            dir_ids.append((match.group(2), module_dir))
            if order in orders:
                self.problem(module_dir, None, f"has the same number {match.group(1)} as {orders[order].name}: "
                             "renumber so the module order is clear")
            orders[order] = module_dir
            module = self.read_module(module_dir, order, match.group(2), question_ids)
            if module is not None:
                modules.append(module)
        ids = [module_id for module_id, _ in dir_ids]
        for module_id in sorted({i for i in ids if ids.count(i) > 1}):
            self.problem(course_dir, None, f"module id '{module_id}' is used by two modules: module ids are unique")
        if not orders and meta is not None:
            self.problem(course_dir, None, "has no modules: add a folder NN-module-id with module.yaml")
        if meta is None or len(self.problems) > before:
            return None
        return Course(**dict(meta), modules=modules)

    # module

    def read_module(self, module_dir: Path, order: int, dir_id: str,
                    question_ids: dict[str, tuple[Path, int | None]]) -> Module | None:
        self.report.counts["modules"] += 1
        path = module_dir / "module.yaml"
        meta: ModuleMeta | None = None
        located: Located | None = None
        if not path.is_file():
            self.problem(module_dir, None, "has no module.yaml: add one (id, title, summary, objectives, quiz)")
        else:
            located = self.read_yaml(path)
            meta = self.model(ModuleMeta, located.data, located, path) if located else None
            if meta is not None and located is not None and meta.id != dir_id:
                self.problem(path, located.line(("id",)), f"id '{meta.id}' differs from the folder name "
                             f"'{module_dir.name}': rename one so they match")
        lessons, lesson_ids = self.read_lessons(module_dir)
        pool_before = self.report.counts["questions"]
        questions = self.read_quiz(module_dir, lessons or [], lesson_ids, question_ids)
        pool = self.report.counts["questions"] - pool_before
        if meta is not None and located is not None and (pool or questions is not None):
            if meta.quiz.draw is not None and meta.quiz.draw > pool:
                self.problem(path, located.line(("quiz", "draw")), f"draw is {meta.quiz.draw} but quiz.yaml has "
                             f"{pool} questions: lower draw or add questions")
        if meta is None or lessons is None or questions is None:
            return None
        return Module(**dict(meta), order=order, lessons=lessons, questions=questions)

    # lessons

    def read_lessons(self, module_dir: Path) -> tuple[list[Lesson] | None, set[str]]:
        """The module's lessons (None if any has a problem) and the ids of all lesson files, broken or not."""
        folder = module_dir / "lessons"
        if not folder.is_dir():
            self.problem(module_dir, None, "has no lessons/ folder: add NN-lesson-id.zh.md and .en.md files to it")
            return None, set()
        ok = True
        found: dict[str, dict[Lang, tuple[int, LessonPage | None, Path]]] = {}
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.suffix != ".md":
                continue
            match = LESSON_FILE_RE.fullmatch(path.name)
            if not match:
                self.problem(path, None, "lesson files are named NN-lesson-id.zh.md / NN-lesson-id.en.md")
                ok = False
                continue
            order, lesson_id = int(match.group(1)), match.group(2)
            lang: Lang = "zh" if match.group(3) == "zh" else "en"
            self.langs.add(lang)
            versions = found.setdefault(lesson_id, {})
            if lang in versions:
                self.problem(path, None, f"lesson '{lesson_id}' already has a {lang} file "
                             f"({versions[lang][2].name}): lesson ids are unique in a module")
                ok = False
                continue
            page = self.read_lesson_page(path, lesson_id, lang)
            ok = ok and page is not None
            versions[lang] = (order, page, path)
        self.report.counts["lessons"] += len(found)
        if not found:
            self.problem(folder, None, "has no lessons: add NN-lesson-id.zh.md and NN-lesson-id.en.md")
            return None, set()
        lessons: list[Lesson] = []
        for lesson_id, versions in found.items():
            for lang in LANGS:
                if lang not in versions:
                    other = next(iter(versions.values()))[2]
                    name = other.name.rsplit(".", 2)[0] + f".{lang}.md"
                    self.problem(other, None, f"has no {'English' if lang == 'en' else 'Chinese'} version: "
                                 f"add {name} with the same id and anchors")
                    ok = False
            orders = {v[0] for v in versions.values()}
            if len(orders) > 1:
                self.problem(versions["en"][2], None, "has a different NN number from its zh version: use the same")
                ok = False
            pages: dict[Lang, LessonPage] = {lang: v[1] for lang, v in versions.items() if v[1] is not None}
            if len(pages) == 2:
                zh, en = [s.anchor for s in pages["zh"].sections], [s.anchor for s in pages["en"].sections]
                if zh != en:
                    missing, extra = [a for a in zh if a not in en], [a for a in en if a not in zh]
                    detail = "; ".join(
                        x for x in (
                            f"missing {', '.join('#' + a for a in missing)}" if missing else "",
                            f"not in zh: {', '.join('#' + a for a in extra)}" if extra else "",
                            "same anchors in another order" if not missing and not extra else "",
                        ) if x
                    )
                    self.problem(pages["en"].path, None, f"section anchors differ from the zh version ({detail}): "
                                 "both languages have the same sections with the same anchors")
                    ok = False
            if len(pages) == 2:
                lessons.append(Lesson(id=lesson_id, order=min(orders), pages=pages))
        return (sorted(lessons, key=lambda le: le.order) if ok else None), set(found)

    def read_lesson_page(self, path: Path, lesson_id: str, lang: Lang) -> LessonPage | None:
        text = self.read_text(path)
        if text is None:
            return None
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            self.problem(path, 1, "has no front matter: start with a --- line, then id, title and minutes, then ---")
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            self.problem(path, 1, "front matter is not closed: add a --- line after id, title and minutes")
            return None
        try:
            located = yamlio.load("\n".join(lines[1:end]), line_offset=1)
        except YamlError as exc:
            self.problem(path, exc.line, exc.message)
            return None
        if not isinstance(located.data, dict):
            self.problem(path, 2, "front matter needs id, title and minutes as `key: value` lines")
            return None
        meta: LessonFrontMatter | None = self.model(LessonFrontMatter, located.data, located, path)
        ok = meta is not None
        front_id = located.data.get("id")
        if isinstance(front_id, str) and front_id != lesson_id:
            self.problem(path, located.line(("id",)), f"id '{front_id}' differs from the file name "
                         f"'{lesson_id}': rename one so they match")
            ok = False
        body = self.parse_body(path, lines[end + 1:], first_line=end + 2)
        if body is None or meta is None or not ok:
            return None
        markdown, intro, sections = body
        return LessonPage(lang=lang, title=meta.title, minutes=meta.minutes, markdown=markdown, intro=intro,
                          sections=sections, path=path)

    def parse_body(self, path: Path, lines: list[str], first_line: int) -> tuple[str, str, list[Section]] | None:
        """Split the Markdown into sections at ``##`` headings (not inside code fences) and strip the anchors."""
        ok = True
        out: list[str] = []
        intro: list[str] = []
        sections: list[tuple[str, str, int, list[str]]] = []
        fence: str | None = None
        for n, line in enumerate(lines, start=first_line):
            fence_match = _FENCE_RE.match(line)
            if fence_match:
                mark = fence_match.group(1)
                if fence is None:
                    fence = mark
                elif mark[0] == fence[0] and len(mark) >= len(fence):
                    fence = None
            heading = None if fence is not None or fence_match else _HEADING_RE.match(line)
            if heading:
                level, title = len(heading.group(1)), heading.group(2) or ""
                anchored = _ANCHOR_RE.match(title)
                if anchored:
                    title = anchored.group(1)
                    line = f"{heading.group(1)} {title}"
                if level == 2:
                    if not anchored:
                        self.problem(path, n, "section heading has no anchor: end it with {#anchor} "
                                     "(lowercase a-z, 0-9, '-'), the same in both languages")
                        ok = False
                        anchor = ""
                    else:
                        anchor = anchored.group(2)
                        if not re.fullmatch(r"[a-z0-9-]+", anchor):
                            self.problem(path, n, f"anchor '{anchor}' is not valid: use lowercase a-z, 0-9 and '-'")
                            ok = False
                        elif any(s[0] == anchor for s in sections):
                            self.problem(path, n, f"anchor #{anchor} is used twice in this lesson: make it unique")
                            ok = False
                    if not title.strip():
                        self.problem(path, n, "section heading has no title: write the heading text before {#anchor}")
                        ok = False
                    sections.append((anchor, title.strip(), n, []))
                    out.append(line)
                    continue
            out.append(line)
            (sections[-1][3] if sections else intro).append(line)
        if fence is not None:
            self.problem(path, first_line + len(lines) - 1, f"a code block opened with {fence} is never closed")
            ok = False
        if not any(line.strip() for line in out):
            self.problem(path, first_line, "the lesson has no text after the front matter")
            ok = False
        if not ok:
            return None
        parsed = [Section(anchor=a, title=t, line=n, markdown="\n".join(body).strip()) for a, t, n, body in sections]
        return "\n".join(out).strip() + "\n", "\n".join(intro).strip(), parsed

    # quiz

    def read_quiz(self, module_dir: Path, lessons: list[Lesson], lesson_ids: set[str],
                  question_ids: dict[str, tuple[Path, int | None]]) -> list[Question] | None:
        path = module_dir / "quiz.yaml"
        if not path.is_file():
            self.problem(module_dir, None, "has no quiz.yaml: every module needs a question pool")
            return None
        located = self.read_yaml(path)
        if located is None or self.model(QuizFile, located.data, located, path) is None:
            return None
        raw = located.data["questions"]
        self.report.counts["questions"] += len(raw)
        if not raw:
            self.problem(path, located.line(("questions",)), "has no questions: add at least one")
            return None
        by_id = {lesson.id: lesson for lesson in lessons}
        questions: list[Question] = []
        ok = True
        for i, data in enumerate(raw):
            where: tuple[str | int, ...] = ("questions", i)
            qid = data.get("id") if isinstance(data, dict) else None
            if isinstance(qid, str):
                if qid in question_ids:
                    first_path, first_line = question_ids[qid]
                    self.problem(path, located.line((*where, "id")), f"question id '{qid}' is already used at "
                                 f"{first_path}:{first_line}: question ids are unique in a course")
                    ok = False
                else:
                    question_ids[qid] = (path, located.line((*where, "id")))
            question: Question | None = self.model(QUESTION_ADAPTER, data, located, path, prefix=where)
            # The checks below read the raw mapping, so they also run for a question with schema errors.
            if isinstance(data, dict) and not self.check_question(data, where, located, path, by_id, lesson_ids):
                ok = False
            if question is None:
                ok = False
            else:
                questions.append(question)
        return questions if ok else None

    def check_question(self, data: dict[str, Any], where: tuple[str | int, ...], located: Located, path: Path,
                       lessons: dict[str, Lesson], lesson_ids: set[str]) -> bool:
        """Checks against other files and the import flag; False if any failed."""
        problems = len(self.problems)
        qid = data.get("id")
        name = f"question {qid}" if isinstance(qid, str) else f"questions[{where[-1]}]"
        line = located.line(where)
        for key, hint in _REQUIRED_QUESTION_KEYS.items():
            if data.get(key) is None:
                self.problem(path, line, f"{name} has no {key}: {hint}")
        ref = data.get("lesson")
        lesson_id, _, anchor = ref.partition("#") if isinstance(ref, str) else ("", "", "")
        # A link into a lesson file that has its own problem is not checked: that problem is reported already.
        if lesson_id and (lesson_id in lessons or lesson_id not in lesson_ids):
            ref_line = located.line((*where, "lesson"))
            lesson = lessons.get(lesson_id)
            if lesson is None:
                known = ", ".join(sorted(lesson_ids)) or "none"
                self.problem(path, ref_line, f"{name}: lesson '{lesson_id}' is not in this module (lessons: {known})")
            elif anchor and anchor not in lesson.anchors:
                known = ", ".join("#" + a for a in lesson.anchors) or "none"
                self.problem(path, ref_line, f"{name}: lesson '{lesson_id}' has no section #{anchor} "
                             f"(sections: {known})")
        kb_doc = data.get("kb_doc")
        if isinstance(kb_doc, str) and kb_doc:
            docs = kb_documents()
            if docs is None:
                self.problem(path, located.line((*where, "kb_doc")), f"{name}: cannot check kb_doc, {KB_MANIFEST} "
                             "is missing")
            elif kb_doc not in docs:
                self.problem(path, located.line((*where, "kb_doc")), f"{name}: kb_doc '{kb_doc}' is not a sample "
                             "knowledge-base file: use a file name from knowledge/samples/manifest.yaml, "
                             "e.g. zh-content-review.pdf")
        flag = data.get("untranslated")
        if flag in LANGS:
            other = "zh" if flag == "en" else "en"
            self.problem(path, located.line((*where, "untranslated")), f"{name}: the {flag} texts are copies of "
                         f"the {other} ones (imported from GIFT): translate them, then remove `untranslated: {flag}`")
        return len(self.problems) == problems


# --- error messages -----------------------------------------------------------------------------------------------


def _where(path: tuple[str | int, ...], located: Located) -> str:
    parts: list[str] = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            if path[:i] == ("questions",) and isinstance(located.data, dict):
                try:
                    qid = located.data["questions"][part].get("id")
                except (AttributeError, IndexError, KeyError, TypeError):
                    qid = None
                parts = [f"question {qid}" if isinstance(qid, str) else f"questions[{part}]"]
            else:
                parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts)


def describe_error(err: Any, loc: tuple[Any, ...], located: Located) -> str:
    """A pydantic error as `where: what to do` in the words of FORMAT.md."""
    kind, data_input = err["type"], err.get("input")
    path = located.data_path(loc)
    key = loc[-1] if loc and isinstance(loc[-1], str) else None
    if kind == "missing" and key is not None:
        path = (*path, key)
    where = _where(path, located) or "top level"
    shown = repr(data_input) if len(repr(data_input)) <= 60 else repr(data_input)[:57] + "..."
    if kind == "missing":
        hint = " - every text needs both zh and en" if key in LANGS else f" (see {FORMAT_DOC})"
        return f"{where}: is missing{hint}"
    if kind == "extra_forbidden":
        if isinstance(key, str) and (" " in key or not key.isascii()):
            # `{zh: ..., en: Yes, 3 days.}` splits at the comma and makes "3 days." a key.
            return (f"{where}: looks like text cut at a comma - inside {{ }} put text with commas in quotes: "
                    'en: "First, second."')
        return f"{where}: is not a key this file uses - check the spelling (see {FORMAT_DOC})"
    if kind == "union_tag_invalid":
        return f"{where}: type '{err['ctx']['tag']}' is unknown: use one of {', '.join(QUESTION_TYPES)}"
    if kind == "union_tag_not_found":
        return f"{where}: has no type: add type: one of {', '.join(QUESTION_TYPES)}"
    if kind in ("value_error", "assertion_error"):
        return f"{where}: {err['ctx']['error']}"
    if kind == "bool_parsing" or kind == "bool_type":
        return f"{where}: must be true or false (found {shown})"
    if kind in ("string_type",):
        return f"{where}: must be text (found {shown}) - put it in quotes if it looks like a number or true/false"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{where}: must be `key: value` pairs (found {shown})"
    if kind == "list_type":
        return f"{where}: must be a list (found {shown})"
    return f"{where}: {err['msg']} (found {shown})"


# --- module files for the CLI (GIFT import / export) ------------------------------------------------------------


@dataclass(frozen=True)
class ModuleDir:
    course_dir: Path
    path: Path
    id: str

    @property
    def quiz_path(self) -> Path:
        return self.path / "quiz.yaml"

    @property
    def course_id(self) -> str:
        return self.course_dir.name


def find_module(root: Path | None, module: str) -> ModuleDir:
    """The folder of a module given as ``module-id`` or ``course-id/module-id``."""
    root = _resolve_root(root)
    course_ref, _, module_id = module.rpartition("/")
    hits = [
        ModuleDir(course_dir, module_dir, module_id)
        for course_dir in sorted(p for p in root.iterdir() if p.is_dir() and (not course_ref or p.name == course_ref))
        for module_dir in sorted(course_dir.iterdir())
        if module_dir.is_dir() and (m := MODULE_DIR_RE.fullmatch(module_dir.name)) and m.group(2) == module_id
    ]
    if not hits:
        raise NotFound(f"No module '{module}' under {root}: give the module id of a NN-module-id folder "
                       "(course-id/module-id if two courses have it)")
    if len(hits) > 1:
        options = ", ".join(f"{h.course_id}/{h.id}" for h in hits)
        raise NotFound(f"Module '{module}' is in more than one course: write one of {options}")
    return hits[0]


def read_questions(path: Path) -> list[Question]:
    """The questions of one quiz.yaml, each validated on its own; raises :class:`ContentInvalid` with lines."""
    reader = _Reader(path.parent)
    located = reader.read_yaml(path)
    questions: list[Question] = []
    if located is not None and reader.model(QuizFile, located.data, located, path) is not None:
        for i, data in enumerate(located.data["questions"]):
            question = reader.model(QUESTION_ADAPTER, data, located, path, prefix=("questions", i))
            if question is not None:
                questions.append(question)
    if reader.problems:
        raise ContentInvalid(reader.problems, what=str(path))
    return questions


def course_question_ids(course_dir: Path) -> set[str]:
    """Question ids already used anywhere in a course (read leniently: broken files add nothing)."""
    ids: set[str] = set()
    for quiz in course_dir.glob("*/quiz.yaml"):
        try:
            data = yamlio.load(quiz.read_text(encoding="utf-8")).data
        except (OSError, UnicodeDecodeError, YamlError):
            continue
        for item in data.get("questions") or [] if isinstance(data, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                ids.add(item["id"])
    return ids


QUIZ_HEADER = "# Question pool of this module; format: courses/FORMAT.md. Check with `python -m courses validate`.\n"


def save_questions(path: Path, questions: Sequence[Question]) -> None:
    """Write a quiz.yaml. An existing file whose questions are only changed or added to is edited in place,
    so comments and hand formatting of the other questions survive."""
    new = [question_to_data(q) for q in questions]
    text: str | None = None
    if path.exists():
        old_text = path.read_text(encoding="utf-8")
        try:
            old = yamlio.load(old_text).data
        except YamlError:
            old = None
        raw = old.get("questions") if isinstance(old, dict) else None
        if isinstance(raw, list) and [q.get("id") if isinstance(q, dict) else None for q in raw] == [
            d["id"] for d in new[: len(raw)]
        ]:
            replace = {i: new[i] for i in range(len(raw)) if _normalised(raw[i]) != new[i]}
            text = yamlio.splice_list_items(old_text, "questions", replace, new[len(raw):])
    if text is None:
        text = QUIZ_HEADER + yamlio.dump({"questions": new})
    _write_atomic(path, text)


def _normalised(data: Any) -> dict[str, Any] | None:
    try:
        return question_to_data(parse_question(data))
    except ValidationError:
        return None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
