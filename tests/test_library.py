"""The app's actions below the pages: uploads, role checks inside every action, the chat record."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from knowledge.answer import answer
from knowledge.errors import UnsupportedFileType
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from knowledge.uploads import safe_filename
from tests.filemakers import make_docx, pdf_bytes
from trainer import library
from trainer.analytics.asklog import AskLog, AskNotFound
from trainer.errors import PermissionDenied, SignInFailed
from trainer.i18n import TEXT, preferred_language, t
from trainer.people import manage as people
from trainer.people.accounts import Accounts, User
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(settings: Settings) -> Accounts:
    return Accounts(open_db(settings.app_db))


@pytest.fixture
def cast(accounts: Accounts) -> dict[str, User]:
    return {
        "admin": accounts.create_user("ada", PASSWORD, "admin"),
        "trainer": accounts.create_user("tom", PASSWORD, "trainer"),
        "learner": accounts.create_user("lin", PASSWORD, "learner"),
        "learner2": accounts.create_user("wu", PASSWORD, "learner"),
    }


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\报告 2024.docx", "报告 2024.docx"),
        ("notes\x00\x1b[31m.md", "notes[31m.md"),
        ("right-to-left\u202egpj.pdf", "right-to-leftgpj.pdf"),
        ("政策解读.HTML", "政策解读.html"),
        ("....txt", "document.txt"),
        ("a" * 300 + ".txt", "a" * 116 + ".txt"),
    ],
)
def test_upload_names_are_sanitised(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


@pytest.mark.parametrize("raw", ["virus.exe", "archive.pdf.zip", "noextension", "", "../"])
def test_upload_names_of_other_types_are_refused(raw: str) -> None:
    with pytest.raises(UnsupportedFileType, match="unsupported file type"):
        safe_filename(raw)


def test_upload_batch_reports_each_file_and_keeps_going(
    kb: KnowledgeBase, cast: dict[str, User], tmp_path: Path
) -> None:
    docx = make_docx(tmp_path / "x.docx", [("h1", "发布流程"), ("p", "稿件经过三审后方可发布。")]).read_bytes()
    rules = pdf_bytes(["Replies are due within 2 working days."])
    files = [
        ("../../发布流程.docx", docx),
        ("broken.pdf", b"%PDF-1.7 this is not really a pdf"),
        ("tool.exe", b"MZ..."),
        ("rules.pdf", rules),
        ("rules-copy.pdf", rules),
    ]
    results = library.upload(cast["admin"], kb, files)
    assert [r.status for r in results] == ["added", "failed", "failed", "added", "unchanged"]
    assert results[0].doc == "发布流程.docx"
    assert "PDF" in results[1].message or "pdf" in results[1].message
    assert "unsupported file type" in results[2].message
    assert "same content as 'rules.pdf'" in results[4].message
    assert {d.doc: d.added_by for d in kb.documents()} == {"发布流程.docx": "ada", "rules.pdf": "ada"}
    assert not list((kb.settings.data_dir / "incoming").iterdir())  # no temp files left behind


def test_upload_over_the_size_limit_fails_before_reading(settings: Settings, e5, cast: dict[str, User]) -> None:
    small = KnowledgeBase(Settings.from_env(max_file_mb=0.001), embedder=e5)
    [result] = library.upload(cast["admin"], small, [("big.txt", b"x" * 5000)])
    assert result.status == "failed" and "MB" in result.message
    assert small.documents() == []


@pytest.mark.parametrize("role", ["trainer", "learner"])
def test_only_admins_change_the_library(kb: KnowledgeBase, cast: dict[str, User], role: str) -> None:
    library.upload(cast["admin"], kb, [("rules.pdf", pdf_bytes(["Replies within 2 working days."]))])
    user = cast[role]
    with pytest.raises(PermissionDenied):
        library.upload(user, kb, [("more.pdf", pdf_bytes(["More."]))])
    with pytest.raises(PermissionDenied):
        library.remove(user, kb, "rules.pdf")
    with pytest.raises(PermissionDenied):
        library.reindex(user, kb)
    assert [d.doc for d in kb.documents()] == ["rules.pdf"]


def test_learners_cannot_list_or_probe_the_library_but_can_open_cited_originals(
    kb: KnowledgeBase, cast: dict[str, User]
) -> None:
    data = pdf_bytes(["Page one about replies.", "Page two: replies within 2 working days."])
    library.upload(cast["admin"], kb, [("rules.pdf", data)])
    with pytest.raises(PermissionDenied):
        library.documents(cast["learner"], kb)
    with pytest.raises(PermissionDenied):
        library.retrieval_test(cast["learner"], kb, "replies")
    assert library.retrieval_test(cast["trainer"], kb, "working days")[0].doc == "rules.pdf"
    full = library.original(cast["learner"], kb, "rules.pdf")
    assert full.data == data and full.mime == "application/pdf"
    page = library.page_excerpt(cast["learner"], kb, "rules.pdf", 2)
    assert page is not None and page.file_name == "rules-p2.pdf"
    reader = PdfReader(__import__("io").BytesIO(page.data))
    assert len(reader.pages) == 1 and "2 working days" in reader.pages[0].extract_text()
    assert library.page_excerpt(cast["learner"], kb, "rules.pdf", 9) is None


def test_filter_documents(kb: KnowledgeBase, cast: dict[str, User], tmp_path: Path) -> None:
    library.upload(cast["admin"], kb, [("rules.pdf", pdf_bytes(["Replies within 2 working days."]))], kind="policy")
    library.upload(cast["admin"], kb, [("流程.md", "# 发布流程\n\n三审后发布。".encode())], kind="manual")
    docs = library.documents(cast["trainer"], kb)
    assert [d.doc for d in library.filter_documents(docs, "RULES")] == ["rules.pdf"]
    assert [d.doc for d in library.filter_documents(docs, kinds=["manual"])] == ["流程.md"]
    assert [d.doc for d in library.filter_documents(docs, languages=["zh"])] == ["流程.md"]
    assert library.filter_documents(docs, "nothing-like-this") == []


def test_chat_record_and_ratings(kb: KnowledgeBase, cast: dict[str, User], settings: Settings) -> None:
    library.upload(cast["admin"], kb, [("rules.pdf", pdf_bytes(["Replies are due within 2 working days."]))])
    log = AskLog(open_db(settings.app_db))
    result = answer(kb, "How many working days do we have to reply?")
    ask_id = log.record(cast["learner"], result)
    log.rate(cast["learner"], ask_id, -1, "too short")
    log.rate(cast["learner"], ask_id, 1)  # changing one's mind keeps the reason given earlier
    with pytest.raises(PermissionDenied):
        log.rate(cast["learner2"], ask_id, -1)
    with pytest.raises(AskNotFound):
        log.rate(cast["learner"], 999, 1)
    [row] = log.asks(cast["trainer"])
    assert (row["rating"], row["reason"], row["username"]) == (1, "too short", "lin")
    assert row["citations"][0]["doc"] == "rules.pdf"
    assert log.asks(cast["learner2"]) == []  # learners see only their own, whatever they ask for
    assert log.asks(cast["learner2"], username="lin") == []


def test_people_permissions(accounts: Accounts, cast: dict[str, User]) -> None:
    user, shown = people.add_user(cast["trainer"], accounts, "new1", "learner")
    assert accounts.authenticate("new1", shown).role == "learner"
    with pytest.raises(PermissionDenied):
        people.add_user(cast["trainer"], accounts, "boss", "admin")
    with pytest.raises(PermissionDenied):
        people.reset_password(cast["trainer"], accounts, "ada")
    with pytest.raises(PermissionDenied):
        people.add_user(cast["learner"], accounts, "new2", "learner")
    with pytest.raises(PermissionDenied):
        people.set_active(cast["admin"], accounts, "ada", False)
    people.set_active(cast["trainer"], accounts, "lin", False)
    assert not accounts.get("lin").active
    with pytest.raises(SignInFailed):
        people.change_own_password(cast["learner2"], accounts, "wrong", "another long secret")
    people.change_own_password(cast["learner2"], accounts, PASSWORD, "another long secret")
    assert accounts.authenticate("wu", "another long secret").username == "wu"


def test_every_interface_text_exists_in_both_languages() -> None:
    for key, entry in TEXT.items():
        assert entry.get("zh") and entry.get("en"), key
        assert set(_fields(entry["zh"])) == set(_fields(entry["en"])), key
    assert t("page_short", "en", page=3) == "p. 3"


def _fields(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


@pytest.mark.parametrize(
    ("saved", "browser", "expected"),
    [("en", "zh-CN", "en"), ("", "zh-CN", "zh"), ("", "en-US", "en"), ("", None, "zh"), ("xx", "fr-FR", "en")],
)
def test_preferred_language(saved: str, browser: str | None, expected: str) -> None:
    assert preferred_language(saved, browser) == expected


# ---------------------------------------------------------------------- a document's own view
def test_search_box_finds_titles_then_content_through_the_knowledge_base_search(
    kb: KnowledgeBase, cast: dict[str, User]
) -> None:
    library.upload(cast["admin"], kb, [("rules.pdf", pdf_bytes(["Replies are due within 2 working days."]))])
    library.upload(cast["admin"], kb, [("流程.md", "# 发布流程\n\n稿件经过三审后方可发布。".encode())])
    found = library.search_documents(cast["trainer"], kb, "三审")
    assert [(m.record.doc, m.by) for m in found] == [("流程.md", "content")]  # not in any title
    assert "三审" in found[0].passage
    assert [(m.record.doc, m.by) for m in library.search_documents(cast["trainer"], kb, "rules")] == [
        ("rules.pdf", "title")
    ]
    assert [m.record.doc for m in library.search_documents(cast["trainer"], kb, "working days")] == ["rules.pdf"]
    # Words that occur nowhere find nothing, though the dense search always has nearest passages.
    assert library.search_documents(cast["trainer"], kb, "zebra xylophone") == []
    assert [m.record.doc for m in library.search_documents(cast["trainer"], kb, "三审", kinds=["policy"])] == []
    with pytest.raises(PermissionDenied):
        library.search_documents(cast["learner"], kb, "三审")


def test_document_view_has_the_text_page_by_page_the_chunks_and_the_original(
    kb: KnowledgeBase, cast: dict[str, User]
) -> None:
    data = pdf_bytes(["Page one about replies.", "Page two: replies within 2 working days."])
    [result] = library.upload(cast["admin"], kb, [("../留言 规定<1>.pdf", data)])
    doc = result.doc
    assert "/" not in doc and "<" not in doc  # kept under its sanitised name
    view = library.document_view(cast["trainer"], kb, doc)
    assert view.has_original and not view.text_from_chunks
    assert len(view.pages) == 2 and "2 working days" in view.pages[1] and "2 working days" not in view.pages[0]
    assert view.chunks and {c.page for c in view.chunks} == {1, 2}
    assert [c.chunk_id for c in view.chunks] == [c.chunk_id for c in kb.catalog.chunks_of(view.record.id)]
    original = library.original(cast["trainer"], kb, doc)
    assert (original.data, original.mime, original.file_name) == (data, "application/pdf", doc)
    with pytest.raises(PermissionDenied):
        library.document_view(cast["learner"], kb, doc)

    kb.stored_file(view.record).unlink()  # the original lost (a data folder restored without uploads/)
    lost = library.document_view(cast["trainer"], kb, doc)
    assert not lost.has_original and lost.text_from_chunks
    assert "2 working days" in lost.pages[1]  # the text is still there, from the chunks


def test_library_page_opens_a_document_with_its_text_chunks_and_download(
    kb: KnowledgeBase, cast: dict[str, User]
) -> None:
    from tests.apptest import open_page

    data = pdf_bytes(["Page one about replies.", "Page two: replies within 2 working days."])
    library.upload(cast["admin"], kb, [("rules.pdf", data)])
    library.upload(cast["admin"], kb, [("流程.md", "# 发布流程\n\n稿件经过三审后方可发布。".encode())])
    at = open_page("app_pages/library.py", "tom")
    at.text_input(key="doc_search").input("三审").run()  # in no title: found by content
    assert list(at.dataframe[0].value["File"]) == ["流程.md"]
    assert list(at.dataframe[0].value["Match"]) == ["content"]
    at.selectbox(key="doc_open").set_value("rules.pdf").run()
    assert not at.exception
    assert [t.label for t in at.tabs][-3:] == ["Details", "Text, page by page", "Indexed chunks"]
    assert [b for b in at.get("download_button") if b.proto.label == "Download original"]  # MIME: test above
    assert any("Page 1 of 2" in c.value for c in at.caption)
    at.number_input(key="doc_page:rules.pdf").set_value(2).run()
    assert any("Page 2 of 2" in c.value for c in at.caption)
    assert "2 working days" in "\n".join(str(m.value) for m in at.markdown).replace("\\", "")
    chunks = at.dataframe[-1].value
    assert set(chunks["Page"]) == {1, 2} and chunks["Passage"].str.contains("working days").any()

    kb.stored_file(kb.document("rules.pdf")).unlink()
    at.run()
    assert any("not in the data folder" in i.value for i in at.info)
    assert not [b for b in at.get("download_button") if b.proto.label == "Download original"]


@pytest.mark.parametrize(
    ("message", "zh", "en"),
    [
        ("Use at least 10 characters · 密码至少10位", "密码至少10位", "Use at least 10 characters"),
        ("User '张三' already exists · 用户名已存在", "用户名已存在", "User '张三' already exists"),
        ("rules.pdf · 3/4", "rules.pdf · 3/4", "rules.pdf · 3/4"),  # not a bilingual message: unchanged
        ("只有中文", "只有中文", "只有中文"),
    ],
)
def test_a_bilingual_error_shows_in_one_language(message: str, zh: str, en: str) -> None:
    from trainer.i18n import one_language

    assert (one_language(message, "zh"), one_language(message, "en")) == (zh, en)
