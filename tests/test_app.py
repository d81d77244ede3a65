"""The Streamlit app in AppTest: every page for every role, sign-in, expiry, language, the chat.

These run the real app script against a real app.db, knowledge.db and Chroma in a temp folder.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from knowledge.answer import TEXTS, Answer, Citation
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from tests import outcomes
from tests.apptest import open_page
from tests.filemakers import make_pdf
from trainer.analytics.asklog import AskLog
from trainer.people.accounts import Accounts
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
PASSWORD = "correct horse battery"
TIMEOUT = 60


@pytest.fixture
def accounts(settings: Settings) -> Accounts:
    return Accounts(open_db(settings.app_db))


@pytest.fixture
def people(accounts: Accounts) -> Accounts:
    accounts.create_user("ada", PASSWORD, "admin", name="Ada", language="en")
    accounts.create_user("tom", PASSWORD, "trainer", name="Tom", language="en")
    accounts.create_user("lin", PASSWORD, "learner", name="林小红", language="zh")
    return accounts


def app_as(username: str | None, *, lang: str | None = None, last_seen: float | None = None) -> AppTest:
    return open_page("streamlit_app.py", username, lang=lang, last_seen=last_seen, timeout=TIMEOUT)


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.caption]
    parts += [e.value for e in at.error] + [e.value for e in at.info] + [e.value for e in at.success]
    return "\n".join(str(p) for p in parts)


def page_titles(at: AppTest) -> list[str]:
    return [str(t.value) for t in at.title]


# ---------------------------------------------------------------------- first start and sign-in
def test_first_start_asks_for_the_first_admin_then_signs_in(accounts: Accounts) -> None:
    at = app_as(None, lang="en")
    assert not at.exception
    assert page_titles(at) == ["Create the first administrator"]
    at.text_input[0].input("chief")
    at.text_input[1].input("Chief Editor")
    at.text_input[2].input("short")
    at.text_input[3].input("short")
    at.button[0].click().run()
    assert "at least 10" in texts(at).lower() or "at least 10" in " ".join(e.value for e in at.error).lower()
    assert not accounts.has_users()

    at.text_input[2].input(PASSWORD)
    at.text_input[3].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert accounts.get("chief").role == "admin"
    assert "Ask the knowledge base" in page_titles(at)


def test_no_default_password_and_first_admin_form_gone_once_users_exist(people: Accounts) -> None:
    at = app_as(None, lang="en")
    assert page_titles(at) == ["Sign in to GovMedia Academy"]
    at.text_input[0].input("ada")
    at.text_input[1].input("admin")
    at.button[0].click().run()
    assert "Wrong user name or password" in at.error[0].value


def test_sign_in_is_throttled_after_repeated_failures(people: Accounts) -> None:
    at = app_as(None, lang="en")
    for _ in range(5):
        at.text_input[0].input("lin")
        at.text_input[1].input("wrong password!")
        at.button[0].click().run()
    at.text_input[0].input("lin")
    at.text_input[1].input(PASSWORD)  # even the right password waits now
    at.button[0].click().run()
    assert "Too many failed sign-ins" in at.error[0].value
    assert "auth" not in at.session_state


def test_sign_in_and_sign_out(people: Accounts) -> None:
    at = app_as(None, lang="en")
    at.text_input[0].input("lin")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["auth"]["username"] == "lin"
    assert "向知识库提问" in page_titles(at)  # the learner saved Chinese as her language
    at.sidebar.button(key="sign_out").click().run()
    assert "auth" not in at.session_state
    assert page_titles(at) == ["登录政务新媒体学院"]


def test_single_sign_on_replaces_the_password_form(people: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_AUTH", "oidc")
    at = app_as(None, lang="en")
    assert not at.exception
    assert [str(b.label) for b in at.button] == ["Sign in with your organisation's account"]
    assert not at.text_input  # no local password form


def test_idle_session_expires(people: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_IDLE_MINUTES", "5")
    at = app_as("ada", lang="en", last_seen=time.time() - 6 * 60)
    assert page_titles(at) == ["Sign in to GovMedia Academy"]
    assert "signed out after a period of inactivity" in at.info[0].value


def test_a_deactivated_user_is_signed_out_at_once(people: Accounts) -> None:
    at = app_as("lin", lang="en")
    assert "Ask the knowledge base" in page_titles(at)
    people.set_active("lin", False)
    at.run()
    assert page_titles(at) == ["Sign in to GovMedia Academy"]


# ---------------------------------------------------------------------- roles on every page
@pytest.mark.parametrize(
    ("role_user", "page", "allowed"),
    [
        ("lin", "app_pages/ask.py", True),
        ("lin", "app_pages/account.py", True),
        ("lin", "app_pages/library.py", False),
        ("lin", "app_pages/people.py", False),
        ("tom", "app_pages/library.py", True),
        ("tom", "app_pages/people.py", True),
        ("ada", "app_pages/library.py", True),
        ("ada", "app_pages/people.py", True),
        ("lin", "app_pages/learn.py", True),
        ("lin", "app_pages/progress.py", True),
        ("lin", "app_pages/dashboard.py", False),
        ("tom", "app_pages/dashboard.py", True),
        ("lin", "app_pages/check_draft.py", True),
        ("lin", "app_pages/reply_desk.py", True),
        (None, "app_pages/check_draft.py", False),
        (None, "app_pages/reply_desk.py", False),
        (None, "app_pages/progress.py", False),
        (None, "app_pages/learn.py", False),
        (None, "app_pages/dashboard.py", False),
        (None, "app_pages/people.py", False),
        (None, "app_pages/account.py", False),
        (None, "app_pages/ask.py", False),
        (None, "app_pages/library.py", False),
    ],
)
def test_every_page_checks_the_role_on_the_server(people: Accounts, role_user: str | None, page: str, allowed: bool):
    """The page script itself refuses, whatever the navigation showed."""
    at = open_page(page, role_user)
    assert not at.exception
    refused = any("Your role may not use this page" in e.value for e in at.error)
    assert refused != allowed
    if not allowed:
        assert not at.button and not at.text_input and not at.get("file_uploader")


def test_navigation_offers_pages_by_role(people: Accounts) -> None:
    learner = app_as("lin", lang="en")
    with pytest.raises(ValueError):
        learner.switch_page("app_pages/library.py")  # not registered for a learner
    trainer = app_as("tom", lang="en")
    trainer.switch_page("app_pages/library.py").run()
    assert not trainer.exception
    assert "Knowledge-base documents" in page_titles(trainer)


# ---------------------------------------------------------------------- language
def test_interface_language_switches_and_is_remembered(people: Accounts) -> None:
    at = app_as("ada")
    assert "Ask the knowledge base" in page_titles(at)  # saved preference: English
    at.sidebar.get("button_group")[0].set_value("zh").run()
    assert "向知识库提问" in page_titles(at)
    assert people.get("ada").language == "zh"
    again = app_as("ada")  # a new session takes the saved language
    assert "向知识库提问" in page_titles(again)


# ---------------------------------------------------------------------- the chat
@pytest.fixture
def loaded(people: Accounts, settings: Settings, kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    pdf = make_pdf(
        tmp_path / "reply-rules.pdf",
        [
            "Replies to the public. Every message from the public must get a reply within 2 working days.",
            "Urgent messages about safety are passed to the duty officer within 1 hour.",
        ],
    )
    kb.ingest([pdf], kind="policy", added_by="ada")
    return kb


def test_ask_answers_with_citations_and_records_a_rating(loaded: KnowledgeBase, settings: Settings) -> None:
    at = app_as("lin", lang="en")
    assert any("How quickly must we reply" in str(b.label) for b in at.button)  # example questions
    at.chat_input[0].set_value("How many working days do we have to reply to a message?").run()
    assert not at.exception
    body = "\n".join(str(m.value) for m in at.markdown)
    assert "2 working days" in body
    expander_labels = [str(e.label) for e in at.expander]
    assert any("reply\\-rules" in label or "reply-rules" in label or "p\\. 2" in label for label in expander_labels)

    at.get("feedback")[0].set_value(1).run()
    asks = AskLog(open_db(settings.app_db))
    lin = Accounts(asks.db).get("lin")
    [row] = asks.asks(lin)
    assert row["rating"] == 1 and row["grounded"] == 1 and row["citations"]
    assert row["hits"][0]["similarity"] > 0


def test_ask_refuses_clearly_when_nothing_supports_an_answer(loaded: KnowledgeBase) -> None:
    at = app_as("lin", lang="en")
    at.chat_input[0].set_value("Which canteen serves the best dumplings on Thursdays?").run()
    assert not at.exception
    assert any("Not found in the knowledge base" in e.value for e in at.error)


def test_document_markup_is_never_rendered(people: Accounts, kb: KnowledgeBase, tmp_path: Path) -> None:
    """A document that carries HTML and Markdown images shows them as text, escaped."""
    note = tmp_path / "markup.md"
    note.write_text(
        "# Reply deadlines\n\nMessages get a reply within 2 working days <img src=x onerror=alert(1)> "
        "![track](http://example.invalid/t.png) and [click](javascript:alert(1)).\n",
        encoding="utf-8",
    )
    kb.ingest([note], kind="policy")
    at = app_as("lin", lang="en")
    at.chat_input[0].set_value("Within how many working days must messages get a reply?").run()
    rendered = "\n".join(str(m.value) for m in at.markdown)
    assert "2 working days" in rendered
    assert "img src" in rendered  # shown, as text: every markup character arrives escaped
    assert not re.search(r"(?<!\\)[<>\[\]!]", rendered.replace("**Sources**", ""))


# ---------------------------------------------------------------------- the three outcomes
MARKUP = "Replies within 2 working days <img src=x onerror=alert(1)> [click](javascript:alert(1))."
CITED = Citation(1, "rules.pdf", "Reply <b>rules</b>", 2, MARKUP)
CLOSEST = (("rules.pdf", "Reply <b>rules</b>"),)


def made_answer(confidence: str, lang: str = "en") -> Answer:
    """An Answer as knowledge.answer makes each outcome (text, citations, closest documents)."""
    question = "回复期限是多少？" if lang == "zh" else "What is the reply deadline?"
    texts = TEXTS[lang]
    if confidence == "answered":
        return Answer(question, f"{texts['intro']}\n- {MARKUP} [1]", True, (CITED,), "extractive", lang)
    if confidence == "related":
        text = f"{texts['related']}\n- {MARKUP} [1]"
        return Answer(question, text, False, (CITED,), "extractive", lang, closest=CLOSEST, confidence="related")
    text = f"{texts['refusal']}\n{texts['closest']}\n- Reply <b>rules</b> (rules.pdf)"
    return Answer(question, text, False, (), "extractive", lang, closest=CLOSEST, confidence="not_found")


def shown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.warning, *at.error, *at.info])


@pytest.mark.parametrize(
    ("confidence", "lang", "box", "heading"),
    [
        ("answered", "en", None, "**Sources**"),
        ("related", "en", "warning", "Related passages — not a confirmed answer"),
        ("related", "zh", "warning", "相关段落（未确认为答案）"),
        ("not_found", "en", "error", "Not found in the knowledge base"),
        ("not_found", "zh", "error", "知识库中没有找到依据"),
    ],
)
def test_each_outcome_has_its_own_look(people: Accounts, confidence: str, lang: str, box: str | None, heading: str):
    result = made_answer(confidence, lang)
    turn = {"question": result.question, "answer": result, "ask_id": 1}
    at = open_page("app_pages/ask.py", "lin", lang=lang, state={"turns": [turn]})
    assert not at.exception
    boxes = {"warning": [w.value for w in at.warning], "error": [e.value for e in at.error]}
    for kind, values in boxes.items():
        assert len(values) == (1 if kind == box else 0), (kind, values)
    if box:
        assert boxes[box][0].startswith(f"**{heading}**")
    else:
        assert heading in [m.value for m in at.markdown]
    labels = [str(e.label) for e in at.expander]
    if confidence == "not_found":
        assert not labels  # no passage is offered as a source
    else:
        [label] = labels  # "[1] title · page", escaped
        assert label.startswith("\\[1\\] Reply \\<b\\>rules") and ("第2页" if lang == "zh" else "p\\. 2") in label
    if confidence == "related":
        body = shown(at)
        assert ("Related passages (check the originals)" if lang == "en" else "相关段落出处") in body
        assert ("Closest documents:" if lang == "en" else "最接近的文件：") in body
        assert TEXTS[lang]["related"][:12] in boxes["warning"][0]  # the answer's own line, in the box
    # Document text arrives escaped everywhere, in the boxes too: no tag, link or image is rendered.
    assert "img src" in shown(at) or confidence == "not_found"
    assert not re.search(r"(?<!\\)[<>\[\]!]", shown(at))


@pytest.fixture
def outcome_questions(people: Accounts, outcomes_kb: tuple[Path, dict[str, str]], clean_env: Path) -> dict[str, str]:
    template, questions = outcomes_kb
    outcomes.copy_into(template, clean_env)
    return questions


def test_ask_answers_relates_and_refuses_in_one_chat_and_records_each(
    outcome_questions: dict[str, str], settings: Settings
) -> None:
    """The real knowledge base, asked as tests/outcomes.py found: each outcome shows its own box
    and goes into the chat record (and, for related and not found, the knowledge gaps)."""
    at = app_as("lin", lang="en")
    for outcome in outcomes.ORDER:
        at.chat_input[0].set_value(outcome_questions[outcome]).run()
        assert not at.exception
    [warning] = at.warning
    [error] = at.error
    assert warning.value.startswith("**Related passages — not a confirmed answer**")
    assert error.value.startswith("**Not found in the knowledge base**")
    assert error.value.count("knowledge base") == 2  # the title, then one sentence: not the title twice
    markdown = [str(m.value) for m in at.markdown]
    assert "**Sources**" in markdown and "**Related passages (check the originals)**" in markdown
    db = open_db(settings.app_db)
    rows = AskLog(db).asks(Accounts(db).get("lin"))
    assert [(r["question"], r["confidence"]) for r in reversed(rows)] == [
        (outcome_questions[o], o) for o in outcomes.ORDER
    ]
    assert [r["grounded"] for r in reversed(rows)] == [1, 0, 0]
    assert rows[1]["citations"]  # the related passages are cited, as shown
    gaps = KnowledgeBase(settings).catalog.gaps("open")
    assert [(g["question"], g["confidence"]) for g in gaps] == [
        (outcome_questions[o], o) for o in ("related", "not_found")
    ]


# ---------------------------------------------------------------------- library and people
def test_library_for_a_trainer_is_view_only_with_retrieval_test(loaded: KnowledgeBase) -> None:
    at = open_page("app_pages/library.py", "tom")
    assert not at.exception
    assert any("Trainers can view documents" in i.value for i in at.info)
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key in ("delete_button", "reindex_button")]
    table = at.dataframe[0].value
    assert list(table["File"]) == ["reply-rules.pdf"]
    at.text_input(key="retrieval_question").input("reply within working days").run()
    hits = at.dataframe[1].value
    assert hits.iloc[0]["File"] == "reply-rules.pdf" and hits.iloc[0]["Page"] in (1, 2)


def test_library_upload_with_no_file_says_so(loaded: KnowledgeBase) -> None:
    at = open_page("app_pages/library.py", "ada")
    [submit] = [b for b in at.button if b.label == "Upload and index"]
    submit.click().run()
    assert not at.exception
    assert any("No file arrived" in w.value for w in at.warning)
    assert [d.doc for d in loaded.documents()] == ["reply-rules.pdf"]


def test_library_admin_can_delete_and_reindex(loaded: KnowledgeBase, settings: Settings) -> None:
    at = open_page("app_pages/library.py", "ada")
    assert at.get("file_uploader")
    at.button(key="reindex_button").click().run()
    assert any("Re-indexed 1 documents" in s.value for s in at.success)
    at.selectbox(key="delete_pick").set_value("reply-rules.pdf")
    at.checkbox(key="delete_sure").check().run()
    at.button(key="delete_button").click().run()
    assert not at.exception
    assert any("Deleted: reply-rules.pdf" in s.value.replace("\\", "") for s in at.success)
    assert KnowledgeBase(settings).documents() == []


def test_people_page_admin_creates_user_and_sees_password_once(people: Accounts) -> None:
    at = open_page("app_pages/people.py", "ada")
    at.text_input[0].input("wang")
    at.text_input[1].input("王芳")
    at.text_input[2].input("柳塘街道")
    at.selectbox[0].select_index(1)  # learner, trainer, admin
    at.button[0].click().run()
    assert not at.exception
    shown = at.code[0].value
    assert people.get("wang").role == "trainer"
    assert people.authenticate("wang", shown).username == "wang"
    at.run()
    assert not at.code  # shown once only


def test_trainer_can_only_create_learners(people: Accounts) -> None:
    at = open_page("app_pages/people.py", "tom")
    assert at.selectbox[0].options == ["learner"]


def test_account_page_changes_password_only_with_the_current_one(people: Accounts) -> None:
    at = open_page("app_pages/account.py", "lin")
    at.text_input[0].input("not my password")
    at.text_input[1].input("a brand new secret")
    at.text_input[2].input("a brand new secret")
    at.button[0].click().run()
    assert "current password is wrong" in at.error[0].value
    at.text_input[0].input(PASSWORD)
    at.text_input[1].input("a brand new secret")
    at.text_input[2].input("a brand new secret")
    at.button[0].click().run()
    assert at.success
    assert people.authenticate("lin", "a brand new secret").username == "lin"


# ---------------------------------------------------------------------- with a language model
@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from tests.llm_stub import StubLLM

    with StubLLM() as stub:
        monkeypatch.setenv("APP_LLM_BASE_URL", stub.base_url)
        monkeypatch.setenv("APP_LLM_MODEL", "stub-model")
        monkeypatch.setenv("APP_LLM_TIMEOUT_S", "3")
        yield stub


def test_ask_with_a_language_model_streams_its_cited_reply(loaded: KnowledgeBase, llm) -> None:  # type: ignore[no-untyped-def]
    llm.reply = "Reply within 2 working days [1]; urgent safety messages go to the duty officer [2] [7]."
    at = app_as("lin", lang="en")
    at.chat_input[0].set_value("How many working days do we have to reply to a message?").run()
    assert not at.exception
    assert llm.requests and llm.requests[-1]["stream"] is True
    body = "\n".join(str(m.value) for m in at.markdown)
    assert "Reply within 2 working days" in body
    assert "\\[7\\]" not in body  # a citation that points nowhere is dropped


def test_ask_falls_back_with_a_notice_when_the_model_is_down(loaded: KnowledgeBase, llm) -> None:  # type: ignore[no-untyped-def]
    llm.server.shutdown()
    llm.server.server_close()
    at = app_as("lin", lang="en")
    at.chat_input[0].set_value("How many working days do we have to reply to a message?").run()
    assert not at.exception
    assert any("language model is unavailable" in w.value for w in at.warning)
    assert "2 working days" in "\n".join(str(m.value) for m in at.markdown)
