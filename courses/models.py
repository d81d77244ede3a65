"""The course content schema (see ``courses/FORMAT.md``): pydantic models with the format's rules.

Rules that need one file are checked here; rules across files (a question's ``lesson`` link, unique
question ids in a course, ``draw`` against the pool, ``kb_doc``) are checked by :mod:`courses.content`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from courses.errors import NotFound
from courses.normalize import normalize_answer

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
ID_RE = re.compile(r"[a-z0-9-]+")
QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "ordering")
MAX_OPTIONS = 6


def _check_id(value: str) -> str:
    if not ID_RE.fullmatch(value):
        raise ValueError(f"'{value}' is not a valid id: use lowercase ASCII letters, digits and '-'")
    return value


Id = Annotated[str, AfterValidator(_check_id)]


def _check_lesson_ref(value: str) -> str:
    lesson, _, anchor = value.partition("#")
    if not ID_RE.fullmatch(lesson) or (anchor and not ID_RE.fullmatch(anchor)) or value.endswith("#"):
        raise ValueError(f"'{value}' is not a lesson link: write lesson-id#anchor, e.g. three-reviews#why")
    return value


class _Model(BaseModel):
    # Typos in keys are errors, not silently ignored settings. Numbers in text fields (`accept: [3]`) are text.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Text(_Model):
    """A text in both languages: ``{zh: ..., en: ...}``."""

    zh: str
    en: str

    @model_validator(mode="before")
    @classmethod
    def _both_languages(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError("needs both languages: write {zh: ..., en: ...}")
        return data

    @field_validator("zh", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty: write the text in this language")
        return value.strip()

    def __getitem__(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def get(self, lang: str) -> str:
        """The text in ``lang``; Chinese for any language the content does not have."""
        return self.en if lang == "en" else self.zh

    @classmethod
    def same(cls, text: str) -> Text:
        """One text for both languages (an import from a one-language source)."""
        return cls(zh=text, en=text)

    def replace(self, lang: Lang, text: str) -> Text:
        return self.model_copy(update={lang: text.strip()})


class _ListPair(_Model):
    """A list per language, written ``{zh: [...], en: [...]}``."""

    zh: list[str]
    en: list[str]

    @model_validator(mode="before")
    @classmethod
    def _both_languages(cls, data: Any) -> Any:
        if isinstance(data, list | str):
            raise ValueError("needs both languages: write {zh: [...], en: [...]}")
        return data

    def __getitem__(self, lang: Lang) -> list[str]:
        return self.zh if lang == "zh" else self.en


class TextList(_ListPair):
    """Parallel lists in both languages, e.g. objectives: the n-th items translate each other."""

    @field_validator("zh", "en")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("is empty: list at least one item")
        if any(not item.strip() for item in value):
            raise ValueError("has an empty item")
        return [item.strip() for item in value]

    @model_validator(mode="after")
    def _parallel(self) -> TextList:
        if len(self.zh) != len(self.en):
            raise ValueError(
                f"zh has {len(self.zh)} items and en has {len(self.en)}: the lists translate each other item by item"
            )
        return self


# --- course and module files ---------------------------------------------------------------------------------------


class QuizSettings(_Model):
    """The ``quiz:`` block of module.yaml; every key is optional."""

    pass_mark: float = Field(default=0.8, gt=0, le=1, description="share of the maximum mark needed to pass")
    draw: int | None = Field(default=None, ge=1, description="questions drawn per attempt; None = the whole pool")
    max_attempts: int = Field(default=0, ge=0, description="0 = unlimited")
    time_limit_min: int | None = Field(default=None, ge=1, description="None = no limit")
    grading: Literal["highest", "last"] = "highest"
    shuffle_questions: bool = True
    shuffle_options: bool = True

    def draw_count(self, pool: int) -> int:
        return pool if self.draw is None else min(self.draw, pool)


class CourseMeta(_Model):
    """What course.yaml holds."""

    id: Id
    title: Text
    summary: Text
    sequential: bool = True
    certificate_months: int = Field(default=12, ge=1, le=120, description="how long the certificate holds")


class ModuleMeta(_Model):
    """What module.yaml holds."""

    id: Id
    title: Text
    summary: Text
    objectives: TextList
    problems: TextList | None = None
    quiz: QuizSettings = Field(default_factory=QuizSettings)


# --- lessons --------------------------------------------------------------------------------------------------------


class LessonFrontMatter(_Model):
    id: Id
    title: str = Field(min_length=1)
    minutes: int = Field(ge=1)


class Section(_Model):
    """A ``## heading {#anchor}`` and the Markdown under it (up to the next ``##``)."""

    anchor: str
    title: str
    markdown: str
    line: int


class LessonPage(_Model):
    """One language of a lesson: one ``<NN>-<id>.<lang>.md`` file."""

    lang: Lang
    title: str
    minutes: int
    markdown: str = Field(description="the body with {#anchor} markers removed from headings, ready to render")
    intro: str = Field(description="Markdown before the first section")
    sections: list[Section]
    path: Path

    def section(self, anchor: str) -> Section:
        for section in self.sections:
            if section.anchor == anchor:
                return section
        raise NotFound(f"Lesson page {self.path.name} has no section #{anchor}")


class Lesson(_Model):
    """A lesson in both languages; both pages have the same anchors."""

    id: Id
    order: int
    pages: dict[Lang, LessonPage]

    def page(self, lang: str) -> LessonPage:
        """The page in ``lang`` (Chinese for other languages)."""
        page = self.pages.get("en" if lang == "en" else "zh")
        return page if page is not None else next(iter(self.pages.values()))

    @property
    def title(self) -> Text:
        return Text(zh=self.page("zh").title, en=self.page("en").title)

    @property
    def minutes(self) -> int:
        return max(p.minutes for p in self.pages.values())

    @property
    def anchors(self) -> list[str]:
        return [s.anchor for s in self.page("zh").sections]


# --- questions ------------------------------------------------------------------------------------------------------


class Option(_Model):
    id: Id
    text: Text
    correct: bool = False
    feedback: Text | None = None
    fixed_last: bool = False

    @model_validator(mode="after")
    def _wrong_needs_feedback(self) -> Option:
        if not self.correct and self.feedback is None:
            raise ValueError(
                f"wrong option '{self.id}' needs feedback: add feedback: {{zh: ..., en: ...}} saying why it is wrong"
            )
        return self


class Item(_Model):
    """An item of an ordering question."""

    id: Id
    text: Text


class AcceptedAnswers(_ListPair):
    """A short-answer question's accepted answers, per language."""

    @field_validator("zh", "en")
    @classmethod
    def _usable(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("is empty: list at least one accepted answer")
        for answer in value:
            if not normalize_answer(answer):
                raise ValueError(f"'{answer}' is empty once spaces and punctuation are removed: it can never match")
        return [a.strip() for a in value]


class _QuestionBase(_Model):
    id: Id
    kind: Literal["recall", "scenario"] | None = None
    topic: Id | None = None
    lesson: Annotated[str, AfterValidator(_check_lesson_ref)] | None = None
    kb_doc: str | None = None
    prompt: Text
    explanation: Text
    points: int | float = Field(default=1, gt=0)
    # Set on import from a one-language source (GIFT): this language's texts are copies of the other one.
    untranslated: Lang | None = None

    @property
    def lesson_id(self) -> str | None:
        return self.lesson.partition("#")[0] if self.lesson else None

    @property
    def anchor(self) -> str | None:
        return (self.lesson.partition("#")[2] or None) if self.lesson else None

    @property
    def kb_doc_name(self) -> str | None:
        """The file name the knowledge base knows the document by."""
        return self.kb_doc.rsplit("/", 1)[-1] if self.kb_doc else None


def _check_options(options: list[Option]) -> list[Option]:
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise ValueError(f"has {len(options)} options: give 2 to {MAX_OPTIONS}")
    ids = [o.id for o in options]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"option id(s) {', '.join(dupes)} used twice: option ids must be unique in a question")
    return options


class SingleChoice(_QuestionBase):
    type: Literal["single"]
    options: list[Option]

    @field_validator("options")
    @classmethod
    def _exactly_one(cls, options: list[Option]) -> list[Option]:
        _check_options(options)
        n = sum(o.correct for o in options)
        if n != 1:
            raise ValueError(
                f"has {n} correct options: a single-choice question needs exactly one"
                + (" (use type: multiple for more)" if n > 1 else " - mark it with correct: true")
            )
        return options

    @property
    def correct_ids(self) -> list[str]:
        return [o.id for o in self.options if o.correct]


class MultipleChoice(_QuestionBase):
    type: Literal["multiple"]
    options: list[Option]

    @field_validator("options")
    @classmethod
    def _at_least_one(cls, options: list[Option]) -> list[Option]:
        _check_options(options)
        if not any(o.correct for o in options):
            raise ValueError("has no correct option: mark at least one with correct: true")
        return options

    @property
    def correct_ids(self) -> list[str]:
        return [o.id for o in self.options if o.correct]


class TrueFalse(_QuestionBase):
    type: Literal["truefalse"]
    answer: bool
    feedback_wrong: Text | None = None


class ShortAnswer(_QuestionBase):
    type: Literal["short"]
    accept: AcceptedAnswers
    feedback_wrong: Text | None = None


class Ordering(_QuestionBase):
    type: Literal["ordering"]
    items: list[Item] = Field(description="in the correct order")
    feedback_wrong: Text | None = None

    @field_validator("items")
    @classmethod
    def _items(cls, items: list[Item]) -> list[Item]:
        if len(items) < 2:
            raise ValueError(f"has {len(items)} item(s): an ordering question needs at least 2")
        ids = [i.id for i in items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"item id(s) {', '.join(dupes)} used twice: item ids must be unique in a question")
        return items


ChoiceQuestion: TypeAlias = SingleChoice | MultipleChoice
Question: TypeAlias = Annotated[
    SingleChoice | MultipleChoice | TrueFalse | ShortAnswer | Ordering, Field(discriminator="type")
]
QUESTION_ADAPTER: TypeAdapter[Question] = TypeAdapter(Question)

# The order keys are written in when a question is saved to quiz.yaml (as in FORMAT.md).
QUESTION_KEY_ORDER = (
    "id type kind topic lesson kb_doc prompt options answer accept items feedback_wrong explanation points untranslated"
).split()


def parse_question(data: Any) -> Question:
    """Validate one question mapping (raises pydantic.ValidationError)."""
    return QUESTION_ADAPTER.validate_python(data)


def question_to_data(question: Question) -> dict[str, Any]:
    """The question as quiz.yaml data: defaults left out, keys in FORMAT.md order."""
    data = question.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["type"] = question.type
    return {key: data[key] for key in QUESTION_KEY_ORDER if key in data}


class QuizFile(_Model):
    questions: list[Any] = Field(description="validated one by one, so one bad question does not hide the others")


# --- the assembled catalogue ---------------------------------------------------------------------------------------


class Module(ModuleMeta):
    """A module with its lessons and question pool, in folder order."""

    order: int
    lessons: list[Lesson]
    questions: list[Question]

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise NotFound(f"Module {self.id} has no lesson '{lesson_id}'")

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise NotFound(f"Module {self.id} has no question '{question_id}'")

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    @property
    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions if q.topic})


class Course(CourseMeta):
    modules: list[Module]

    def module(self, module_id: str) -> Module:
        for module in self.modules:
            if module.id == module_id:
                return module
        raise NotFound(f"Course {self.id} has no module '{module_id}'")

    def question(self, question_id: str) -> Question:
        for module in self.modules:
            for question in module.questions:
                if question.id == question_id:
                    return question
        raise NotFound(f"Course {self.id} has no question '{question_id}'")

    def next_module(self, module_id: str) -> Module | None:
        ids = [m.id for m in self.modules]
        i = ids.index(self.module(module_id).id)
        return self.modules[i + 1] if i + 1 < len(self.modules) else None


class Catalog(_Model):
    """Every course under one content folder."""

    root: Path
    courses: list[Course]
    # Problems of courses left out of the catalogue (file:line each), shown to trainers and admins.
    problems: list[str] = []

    def course(self, course_id: str) -> Course:
        for course in self.courses:
            if course.id == course_id:
                return course
        known = ", ".join(c.id for c in self.courses) or "none"
        raise NotFound(f"No course '{course_id}' (courses: {known})")

    def module(self, course_id: str, module_id: str) -> Module:
        return self.course(course_id).module(module_id)

    def counts(self) -> dict[str, int]:
        modules = [m for c in self.courses for m in c.modules]
        return {
            "courses": len(self.courses),
            "modules": len(modules),
            "lessons": sum(len(m.lessons) for m in modules),
            "questions": sum(len(m.questions) for m in modules),
        }

    @property
    def languages(self) -> list[str]:
        found = {lang for c in self.courses for m in c.modules for le in m.lessons for lang in le.pages}
        return [lang for lang in LANGS if lang in found]
