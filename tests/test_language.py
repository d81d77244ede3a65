"""One language at a time: every page, rendered in Chinese for an admin with data in every table,
shows no English word of ours.

"Ours" is built from the code, so the check cannot pass by having nothing to look for: every word of
trainer/i18n.py's English texts that its Chinese texts do not use, the column names and raw values
the reports produce (gradebook, attempts, item analysis, gaps, usage), the item-analysis flags and the
course's internal ids. Streamlit's own English (the placeholders "Choose an option" / "Choose
options", the multiselect's "Select all") is caught where the page could have set it and did not.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from courses.content import default_root, load_catalog
from courses.models import Question
from knowledge.answer import Answer, Citation
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from tests.apptest import open_page
from trainer.analytics import reports
from trainer.analytics.asklog import AskLog
from trainer.analytics.itemstats import FLAGS
from trainer.i18n import TEXT
from trainer.learning.quiz import Learning
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "长长的测试口令 2026"
WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
# Every page the router (streamlit_app.py) can show.
PAGES = sorted(set(re.findall(r"\"app_pages/(\w+\.py)\"", (ROOT / "streamlit_app.py").read_text(encoding="utf-8"))))


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def course_words(lang: str) -> set[str]:
    """The words of the shipped course's texts in ``lang`` (content, not interface)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            text = value.get(lang)
            if isinstance(text, str):
                found.update(words(text))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for course in load_catalog(default_root()).courses:
        walk(course.model_dump())
    return found


def internal_names() -> set[str]:
    """Column names and raw values the reports produce, flags, and the course's ids."""
    names: set[str] = {f.name for f in dataclasses.fields(reports.GradeRow)}
    names |= {"attempt", "username", "module", "mode", "status", "started", "submitted", "attempt_score"}
    names |= {"attempt_max", "passed", "position", "question", "shown_order", "response", "mark", "max_mark"}
    names |= {"prompt", "facility", "sd", "discrimination", "efficiency", "flags", "notes", "cell"}
    names |= {"option", "text", "correct", "count", "document", "citations", "active", "day", "refused"}
    names |= {"graded", "practice", "open", "expired", "very_easy", "very_hard", *FLAGS}
    names |= {*reports.OUTCOMES, *reports.GAP_KINDS, "learner", "trainer", "admin", "policy", "manual", "post"}
    for course in load_catalog(default_root()).courses:
        names.add(course.id)
        for module in course.modules:
            names.add(module.id)
            names.update(q.id for q in module.questions)
    found: set[str] = set()
    for name in names:
        found |= words(name) | {name.lower()}
    return found


def english_vocabulary() -> set[str]:
    """Words that mark English of ours on a Chinese page."""

    def text_words(text: str) -> set[str]:
        return words(re.sub(r"\{[^}]*\}", " ", text))  # a {field} is filled in, never shown

    chinese = set().union(*(text_words(e["zh"]) for e in TEXT.values()))
    english = set().union(*(text_words(e["en"]) for e in TEXT.values()))
    ours = {w for w in english | internal_names() if len(w) >= 2}
    # Words our Chinese texts or the course's Chinese content use themselves (PDF, CSV, Excel, APP...).
    return ours - chinese - course_words("zh") - {"ai"}


def test_the_vocabulary_is_not_empty_and_holds_what_leaked_before() -> None:
    vocabulary = english_vocabulary()
    assert len(vocabulary) > 500
    leaked = {"choose", "username", "department", "facility", "discrimination", "very_hard", "document"}
    assert leaked | {"citations", "answered", "refused", "positioning", "upload", "characters", "pages"} <= vocabulary


# ---------------------------------------------------------------------- what a page shows
_TEXT_TYPES = {"markdown", "caption", "title", "header", "subheader", "text", "error", "warning", "info", "success"}


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def _frame_texts(frame: pd.DataFrame) -> Iterator[str]:
    for column in frame.columns:
        yield " ".join(map(str, column)) if isinstance(column, tuple) else str(column)
    for name in frame.index.names:
        if name is not None:
            yield str(name)
    for column in frame.columns:
        for value in frame[column]:
            if isinstance(value, str):
                yield value
            elif value is None:
                yield "None"


def _chart_texts(spec: Any) -> Iterator[str]:
    """A chart's legend and axis titles: the strings people read under "domain" and "title"."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("domain", "title"):
                if isinstance(value, str):
                    yield value
                elif isinstance(value, list):
                    yield from (v for v in value if isinstance(v, str))
            yield from _chart_texts(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _chart_texts(value)


def shown(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for every text a person can read on the page, Streamlit's defaults included."""
    out: list[tuple[str, str]] = []
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        label = getattr(node, "label", None)
        if isinstance(label, str) and label:
            out.append((kind, label))
        if kind in _TEXT_TYPES:
            out.append((kind, str(node.value)))
        if proto is None:
            continue
        for field in ("help", "placeholder"):
            value = getattr(proto, field, "") if hasattr(proto, field) else ""
            if isinstance(value, str) and value:
                out.append((f"{kind}.{field}", value))
        if kind in ("selectbox", "multiselect", "radio", "segmented_control", "pills", "select_slider"):
            out += [(f"{kind}.option", str(o)) for o in proto.options]
        if kind == "selectbox" and not proto.placeholder and not proto.HasField("default"):  # starts empty
            out.append(("selectbox.placeholder", "Choose an option"))
        if kind == "multiselect":
            if not proto.placeholder:
                out.append(("multiselect.placeholder", "Choose options"))
            if proto.select_all != 0 and len(proto.options) >= 2:
                out.append(("multiselect.select_all", "Select all"))
        if kind == "dataframe":
            out += [("dataframe", text) for text in _frame_texts(node.value)]
        if kind == "vega_lite_chart":
            out += [("chart", text) for text in _chart_texts(json.loads(proto.spec))]
        if kind == "metric":
            out += [("metric", str(proto.body)), ("metric", str(proto.delta))]
    return out


def english_in(at: AppTest, vocabulary: set[str]) -> list[str]:
    problems = []
    for where, text in shown(at):
        found = sorted(w for w in words(text) if w in vocabulary)
        if found or text.strip() == "None":
            problems.append(f"{where}: {text[:120]!r} -> {found or ['None']}")
    return problems


# ---------------------------------------------------------------------- an office with some history
def answer_of(question: str, confidence: str) -> Answer:
    cited = (Citation(1, "留言办理规定.md", "留言办理规定", 1, "网民留言应当在2个工作日内答复。"),)
    if confidence == "not_found":
        return Answer(
            question, "没有找到。", False, (), "extractive", "zh", closest=(("留言办理规定.md", "留言办理规定"),)
        )
    return Answer(
        question, "- 2个工作日内答复 [1]", confidence == "answered", cited, "extractive", "zh", confidence=confidence
    )


def first_option(question: Question) -> object:
    options = getattr(question, "options", None)
    if options and question.type == "single":
        return options[0].id
    return None


@pytest.fixture
def office(settings: Settings, kb: KnowledgeBase, tmp_path: Path) -> Accounts:
    db = open_db(settings.app_db)
    accounts = Accounts(db)
    admin = accounts.create_user("guanli", PASSWORD, "admin", name="周管理", department="区委网信办", language="zh")
    accounts.create_user("peixun", PASSWORD, "trainer", name="吴培训", department="区委网信办", language="zh")
    learner = accounts.create_user("xuexi", PASSWORD, "learner", name="林小红", department="柳塘街道", language="zh")
    rules = tmp_path / "留言办理规定.md"
    rules.write_text(
        "# 留言办理规定\n\n## 第一条 答复时限\n\n网民留言应当在2个工作日内答复，情况复杂的可以延长至5个工作日。\n\n"
        "## 第二条 紧急留言\n\n涉及安全的紧急留言应当在1小时内报告值班领导。\n",
        encoding="utf-8",
    )
    kb.ingest([rules], kind="policy", added_by="guanli")
    learning = Learning(db, load_catalog(default_root()))
    course = learning.catalog.courses[0]
    module = course.modules[0]
    for person, answered in ((admin, True), (learner, True), (learner, False)):
        attempt = learning.start(person, course.id, module.id)
        for item in attempt.questions if answered else ():
            response = first_option(item.question)
            if response is not None:
                learning.answer(person, attempt.id, item.pos, response)
        learning.submit(person, attempt.id, allow_unanswered=True)
    log = AskLog(db)
    log.record(learner, answer_of("网民留言多久内答复？", "answered"))
    wrong = log.record(learner, answer_of("留言办理要几天？", "answered"))
    log.rate(learner, wrong, -1, "答非所问")
    log.record(admin, answer_of("食堂几点开饭？", "not_found"))
    kb.catalog.record_gap("食堂几点开饭？", "食堂 开饭", "zh", ["留言办理规定.md"], 0.01, "guanli", "not_found")
    kb.catalog.record_gap("紧急留言找谁？", "紧急 留言", "zh", ["留言办理规定.md"], 0.4, "xuexi", "related")
    return accounts


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_chinese_shows_no_english_of_ours(office: Accounts, page: str) -> None:
    vocabulary = english_vocabulary()
    if page == "sign_in.py":  # what a signed-out visitor meets
        at = open_page("streamlit_app.py", None, lang="zh", timeout=180)
    elif page == "change_password.py":  # shown by the router only to someone who must change it
        at = open_page(f"app_pages/{page}", "guanli", lang="zh", timeout=180)
    else:  # through the router, as the browser opens it: navigation and sidebar included
        at = open_page("streamlit_app.py", "guanli", lang="zh", timeout=180)
        at.switch_page(f"app_pages/{page}").run()
    problems: list[str] = []

    def check(step: str) -> None:
        assert not at.exception, at.exception
        assert len(shown(at)) > 2
        problems.extend(f"[{page} {step}] {p}" for p in english_in(at, vocabulary))

    check("opened")
    if page == "library.py":  # a document opened (details, text, chunks), then a content search
        at.selectbox(key="doc_open").set_value("留言办理规定.md").run()
        check("document")
        at.text_input(key="doc_search").input("工作日").run()
        check("search")
    if page == "dashboard.py":  # a learner's attempts, then staff included
        at.selectbox(key="gb_learner").set_value("xuexi").run()
        check("learner")
        at.toggle(key="include_staff").set_value(True).run()
        check("staff")
    if page == "people.py":  # a password that breaks the rules: the message in Chinese only
        next(t for t in at.text_input if t.label == TEXT["username"]["zh"]).input("zhangsan")
        next(t for t in at.text_input if t.label == TEXT["initial_password"]["zh"]).input("short")
        next(b for b in at.button if b.label == TEXT["create"]["zh"]).click().run()
        assert at.error
        check("weak password")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------- what the browser draws
def test_the_uploader_and_placeholders_read_chinese_in_a_real_browser(clean_env: Path) -> None:
    """Streamlit's front end draws the uploader's button and size line itself: only a browser shows
    whether ui.uploader_in_language replaced them."""
    from tests.browser import chromium, fill_sign_in, new_tab, run_app

    accounts = Accounts(open_db(clean_env / "app.db"))
    accounts.create_user("guanli", PASSWORD, "admin", name="周管理", language="zh")
    accounts.db.conn.close()
    server = run_app(clean_env)
    url = next(server)
    try:
        with chromium() as browser:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            tab = new_tab(context, 120_000)
            tab.goto(url)
            fill_sign_in(tab, "guanli", PASSWORD, lang="zh")
            tab.get_by_role("link", name="知识库").click()
            tab.get_by_text("知识库文件").first.wait_for()
            dropzone = tab.locator(".st-key-upload_files [data-testid=stFileUploaderDropzone]")
            dropzone.wait_for()
            drawn = dropzone.evaluate(
                """zone => {
                    const button = zone.querySelector('button');
                    const line = zone.querySelector('[data-testid=stFileUploaderDropzoneInstructions]');
                    return {
                        button: getComputedStyle(button, '::after').content,
                        buttonText: getComputedStyle(button).fontSize,
                        line: getComputedStyle(line, '::after').content,
                    };
                }"""
            )
            tab.screenshot(path=str(ROOT / "test-artifacts" / "language-library-zh.png"), full_page=True)
            assert drawn["button"] == '"选择文件"' and drawn["buttonText"] == "0px", drawn
            assert drawn["line"].startswith('"每个文件不超过') and "PDF" in drawn["line"], drawn
            tab.get_by_role("link", name="人员").click()
            tab.get_by_text("人员与账号").first.wait_for()
            tab.wait_for_timeout(1000)
            text = tab.locator("body").inner_text()
            for english in ("Choose an option", "Choose options", "Upload", "per file", "Select all"):
                assert english not in text, english
    finally:
        server.close()


def test_switching_to_chinese_holds_across_reloads_and_every_page_in_a_real_browser(clean_env: Path) -> None:
    """A user who reads English switches the sidebar to 中文, reloads (F5) and opens every page by its
    address: each stays Chinese (the choice is saved with the account, the session survives the
    reload) and shows no English word of ours in the page or the sidebar."""
    from tests.browser import chromium, fill_sign_in, new_tab, run_app

    accounts = Accounts(open_db(clean_env / "app.db"))
    accounts.create_user("guanli", PASSWORD, "admin", name="周管理", language="en")
    accounts.db.conn.close()
    vocabulary = english_vocabulary()
    server = run_app(clean_env)
    url = next(server)
    try:
        with chromium() as browser:
            context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
            tab = new_tab(context, 120_000)
            tab.goto(url)
            fill_sign_in(tab, "guanli", PASSWORD, lang="en")
            tab.get_by_role("link", name="Courses").wait_for()
            tab.locator("[data-testid=stSidebar]").get_by_text("中文", exact=True).click()
            tab.get_by_role("link", name="课程").wait_for()
            tab.reload()
            tab.get_by_role("link", name="课程").wait_for()  # still signed in, still Chinese
            problems = []
            for page in [""] + [p.removesuffix(".py") for p in PAGES if p not in ("ask.py", "sign_in.py")]:
                if page in ("auth_routes", "change_password"):
                    continue
                tab.goto(f"{url}/{page}")
                tab.get_by_role("link", name="课程").wait_for()
                tab.wait_for_timeout(2500)  # the page's own elements after the sidebar
                shown_text = tab.locator("body").inner_text()
                # Not ours to translate: the language's own name on the switch, Streamlit's skip link,
                # and the uploader's drawn-over texts (the test above checks what it shows instead).
                hidden = [el.inner_text() for el in tab.locator("[data-testid=stFileUploaderDropzone]").all()]
                for text in ["English", "Skip to main content", *hidden]:
                    shown_text = shown_text.replace(text, " ")
                leaked = sorted(words(shown_text) & vocabulary)
                if leaked:
                    problems.append(f"/{page}: {leaked}")
            tab.screenshot(path=str(ROOT / "test-artifacts" / "language-switch-zh.png"), full_page=True)
            assert not problems, "\n".join(problems)
    finally:
        server.close()
