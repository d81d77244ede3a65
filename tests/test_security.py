"""Security (issue 8): nobody where they do not belong, hostile upload names and contents, no secrets leaking.

- Every command of both CLIs x {signed out, learner, trainer, admin, wrong password, deactivated}: the
  exit status, and that a refused command changed nothing.
- Every page x role in AppTest; downloads whose data is built on click check the account at click time.
- Uploads: content sniffing, size limit before reading, path traversal in names.
- Passwords: minimum length, scrypt, nothing in logs, stderr, the chat log, exports or backups.
(The real-browser direct-URL checks are in tests/test_security_browser.py.)
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

import commands.knowledge_cli
import knowledge.kb
import knowledge.seed
from knowledge.embeddings import Embedder
from knowledge.errors import ContentMismatch, CorruptDocument, UnsupportedFileType
from knowledge.kb import KnowledgeBase
from knowledge.seed import SAMPLES_DIR, SEEDED_KEY, read_manifest
from knowledge.settings import Settings
from knowledge.uploads import check_content, safe_filename, sniff
from tests.filemakers import make_docx, make_pdf, pdf_bytes
from trainer import library
from trainer.errors import PermissionDenied, SignInFailed, WeakPassword
from trainer.people.accounts import MIN_PASSWORD_LENGTH, SCRYPT_N, SCRYPT_R, Accounts, verify_password
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {
    "ada": "admin-secret-A1",
    "tom": "trainer-secret-T2",
    "lin": "learner-secret-L3",
    "old": "former-secret-O4",
}
WRONG = "not-the-password-1"
# identity -> (--as user, password); "deactivated" is a former *admin*: deactivation beats the role.
IDENTITIES: dict[str, tuple[str | None, str | None]] = {
    "signed out": (None, None),
    "learner": ("lin", PASSWORDS["lin"]),
    "trainer": ("tom", PASSWORDS["tom"]),
    "admin": ("ada", PASSWORDS["ada"]),
    "wrong password": ("ada", WRONG),
    "deactivated": ("old", PASSWORDS["old"]),
}
ROLE_OF = {"learner": "learner", "trainer": "trainer", "admin": "admin"}
EVERYONE = ("learner", "trainer", "admin")
STAFF = ("trainer", "admin")
ADMIN = ("admin",)
OPEN = None  # no sign-in needed


def expected_status(identity: str, roles: tuple[str, ...] | None, *, signs_in_with_as: bool = True) -> int:
    """What a command must exit with: 0 done, 2 no or bad sign-in, 3 role refused."""
    if roles is OPEN:
        if identity in ("wrong password", "deactivated") and signs_in_with_as:
            return 2  # --as given: the sign-in is checked even for an open command
        return 0
    if identity in ("signed out", "wrong password", "deactivated"):
        return 2
    return 0 if ROLE_OF[identity] in roles else 3


# ---------------------------------------------------------------------------------------------- the data folder
def _kb_class(e5: Embedder) -> type[KnowledgeBase]:
    class SharedModelKB(KnowledgeBase):
        """The CLIs' KnowledgeBase with the session's model, so each case does not load it again."""

        def __init__(self, settings: Settings, **kwargs: Any) -> None:
            kwargs.setdefault("embedder", e5)
            super().__init__(settings, **kwargs)

    return SharedModelKB


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Path:
    """A data folder with accounts, one document, a curated answer, a gap, seeded samples; and a backup."""
    from trainer.storage.backup import backup

    base = tmp_path_factory.mktemp("security")
    data = base / "data"
    db = open_db(data / "app.db")
    accounts = Accounts(db)
    accounts.create_user("ada", PASSWORDS["ada"], "admin")
    accounts.create_user("tom", PASSWORDS["tom"], "trainer")
    accounts.create_user("lin", PASSWORDS["lin"], "learner", department="宣传科")
    accounts.create_user("old", PASSWORDS["old"], "admin")
    accounts.set_active("old", False)
    kb = KnowledgeBase(Settings.from_env(data_dir=data), embedder=e5)
    (base / "reply.md").write_text(
        "# Replies to the public\n\nEvery message from the public gets a reply within 2 working days.\n",
        encoding="utf-8",
    )
    kb.ingest([base / "reply.md"], kind="policy", added_by="ada")
    kb.add_faq("Who signs off posts?", "The head of office.", "review manual", created_by="tom")
    kb.catalog.record_gap("Which canteen is best?", "canteen best", "en", [], 0.1, "lin")
    kb.catalog.set_meta(SEEDED_KEY, "1")
    kb.close()
    backup(accounts.get("ada"), data, base / "backup")
    db.conn.close()
    (base / "new.md").write_text("# Duty rota\n\nThe duty editor checks messages every 4 hours.\n", encoding="utf-8")
    (base / "draft.txt").write_text("区政务服务中心延长办理时间\n自12月1日起，区政务服务中心工作日延长至19:00。\n")
    (base / "staff.csv").write_text("username,role\nwang,learner\n", encoding="utf-8")
    (base / "responses.csv").write_text("attempt,question,mark,max_mark\na1,q1,1,1\na2,q1,0,1\n")
    return base


@pytest.fixture
def folder(template: Path, tmp_path: Path, e5: Embedder, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the template (so refused and allowed writes never meet), CLIs using the shared model."""
    shutil.copytree(template, tmp_path / "t")
    kb_class = _kb_class(e5)
    monkeypatch.setattr(commands.knowledge_cli, "KnowledgeBase", kb_class)
    monkeypatch.setattr(knowledge.kb, "KnowledgeBase", kb_class)  # trainer CLI imports it when it runs
    md = [e for e in read_manifest() if e.file.endswith(".md")][:1]
    monkeypatch.setattr(knowledge.seed, "read_manifest", lambda *a: md)  # seed --force: one small sample
    return tmp_path / "t"


def state(data: Path) -> dict[str, Any]:
    """Everything a command could change, read without opening the app's classes."""

    def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
        if not db.exists():
            return []
        conn = sqlite3.connect(db)
        try:
            return sorted(conn.execute(sql).fetchall(), key=repr)
        finally:
            conn.close()

    kdb, adb = data / "knowledge.db", data / "app.db"
    return {
        "documents": rows(kdb, "SELECT doc, sha256, added_by FROM documents"),
        "chunks": rows(kdb, "SELECT count(*) FROM chunks"),
        "faqs": rows(kdb, "SELECT id, question, answer FROM faqs"),
        "gaps": rows(kdb, "SELECT id, status FROM gaps"),
        "meta": rows(kdb, "SELECT key, value FROM meta"),
        "users": rows(adb, "SELECT username, role, active, password_hash FROM users"),
        "uploads": sorted(p.name for p in (data / "uploads").glob("*")) if (data / "uploads").exists() else [],
    }


def sign_as(monkeypatch: pytest.MonkeyPatch, identity: str) -> list[str]:
    user, password = IDENTITIES[identity]
    if password is None:
        monkeypatch.delenv("APP_CLI_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("APP_CLI_PASSWORD", password)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)  # never a prompt in a test
    return ["--as", user] if user else []


# ---------------------------------------------------------------------------------------------- knowledge CLI
KNOWLEDGE_COMMANDS: dict[str, tuple[list[str], tuple[str, ...] | None]] = {
    "ingest": (["ingest", "{base}/new.md"], ADMIN),
    "remove": (["remove", "reply.md"], ADMIN),
    "reindex": (["reindex"], ADMIN),
    "seed --force": (["seed", "--force"], ADMIN),
    "seed": (["seed"], OPEN),
    "faq add": (["faq", "add", "Q?", "A.", "--source", "S"], STAFF),
    "faq remove": (["faq", "remove", "1"], STAFF),
    "gaps": (["gaps", "--json"], STAFF),
    "check": (["check"], STAFF),
    "faq list": (["faq", "list"], EVERYONE),
    "list": (["list", "--json"], STAFF),
    "search": (["search", "reply working days", "--json"], EVERYONE),
    "ask": (["ask", "How fast must a message get a reply?", "--json"], EVERYONE),
    "draft-reply": (["draft-reply", "--json", "请问办理时间延长到几点？"], EVERYONE),
    "check-draft": (["check-draft", "{base}/draft.txt", "--json"], EVERYONE),
}


def test_every_knowledge_command_has_a_role_rule_matching_the_app() -> None:
    """The table the CLI applies covers every command, and its roles are the app's (Library, Dashboard)."""
    from trainer.learning.quiz import STAFF as DASHBOARD

    parser = commands.knowledge_cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = set(sub.choices) - {"faq"} | {"faq add", "faq list", "faq remove", "seed --force"}  # type: ignore[arg-type]
    assert names == set(library.KNOWLEDGE_CLI_ROLES) == set(KNOWLEDGE_COMMANDS)
    assert library.CURATORS == DASHBOARD
    for name, (_args, roles) in KNOWLEDGE_COMMANDS.items():
        assert library.knowledge_cli_roles(name) == roles, name
    assert library.knowledge_cli_roles("some-future-command") == ADMIN  # no rule: administrators only


@pytest.mark.parametrize("identity", list(IDENTITIES))
@pytest.mark.parametrize("command", list(KNOWLEDGE_COMMANDS))
def test_knowledge_cli_role_matrix(
    command: str, identity: str, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, roles = KNOWLEDGE_COMMANDS[command]
    data = folder / "data"
    before = state(data)
    argv = ["--data-dir", str(data), *sign_as(monkeypatch, identity), *(a.format(base=folder) for a in args)]
    status = commands.knowledge_cli.main(argv)
    out, err = capsys.readouterr()
    want = expected_status(identity, roles)
    assert status == want, f"{command} as {identity}: {status}, stderr: {err}"
    if want:
        assert state(data) == before, f"refused '{command}' as {identity} changed data"
        assert out == "" and err.startswith("error: ") and len(err.strip().splitlines()) == 1
        assert "--as USERNAME" in err if identity == "signed out" else True
        assert "needs the role" in err if want == 3 else True
    for secret in (*PASSWORDS.values(), WRONG):
        assert secret not in out + err


def test_knowledge_cli_allowed_writes_do_change_data_and_name_the_user(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The other half of 'refused writes change nothing': the same commands as admin / trainer do work."""
    data = folder / "data"
    argv = ["--data-dir", str(data), *sign_as(monkeypatch, "admin")]
    assert commands.knowledge_cli.main([*argv, "ingest", str(folder / "new.md")]) == 0
    assert ("new.md", "ada") in [(d, by) for d, _sha, by in state(data)["documents"]]
    assert commands.knowledge_cli.main([*argv, "remove", "reply.md"]) == 0
    assert "reply.md" not in [d for d, *_ in state(data)["documents"]]
    argv = ["--data-dir", str(data), *sign_as(monkeypatch, "trainer")]
    assert commands.knowledge_cli.main([*argv, "faq", "add", "Q?", "A.", "--source", "S"]) == 0
    assert commands.knowledge_cli.main([*argv, "faq", "remove", "1"]) == 0
    assert [q for _id, q, _a in state(data)["faqs"]] == ["Q?"]
    capsys.readouterr()


def test_knowledge_cli_without_accounts_needs_no_sign_in(
    tmp_path: Path, e5: Embedder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A benchmark's or a developer's folder (no app.db), and the first start (app.db without users)."""
    monkeypatch.setattr(commands.knowledge_cli, "KnowledgeBase", _kb_class(e5))
    monkeypatch.delenv("APP_CLI_PASSWORD", raising=False)
    note = tmp_path / "note.md"
    note.write_text("# Security\n\nRevoke access on the day a staff member leaves.\n")
    bench = tmp_path / "bench"
    assert commands.knowledge_cli.main(["--data-dir", str(bench), "ingest", str(note)]) == 0
    assert commands.knowledge_cli.main(["--data-dir", str(bench), "faq", "add", "Q?", "A.", "--source", "S"]) == 0
    assert commands.knowledge_cli.main(["--data-dir", str(bench), "search", "revoke access", "--json"]) == 0
    assert commands.knowledge_cli.main(["--data-dir", str(bench), "remove", "note.md"]) == 0
    assert not (bench / "app.db").exists()  # the CLI never creates the account database

    first_start = tmp_path / "first"
    open_db(first_start / "app.db").conn.close()  # the app started, nobody created the admin yet
    assert commands.knowledge_cli.main(["--data-dir", str(first_start), "ingest", str(note)]) == 0
    # --as in a folder without accounts is a mistake, said so (as python -m trainer does)
    monkeypatch.setenv("APP_CLI_PASSWORD", "whatever-it-is")
    assert commands.knowledge_cli.main(["--data-dir", str(first_start), "--as", "ada", "list"]) == 2
    assert "no accounts" in capsys.readouterr().err


def test_knowledge_cli_refuses_when_the_account_database_is_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A damaged app.db must not turn a protected folder into an open one."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "app.db").write_bytes(b"this is not a database" * 100)
    monkeypatch.delenv("APP_CLI_PASSWORD", raising=False)
    assert commands.knowledge_cli.main(["--data-dir", str(data), "list"]) == 2
    assert "Cannot read the accounts" in capsys.readouterr().err


def run_cli(module: str, data: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    full.update({"APP_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_knowledge_cli_in_a_subprocess_exit_codes_and_no_secrets_on_stderr(template: Path, tmp_path: Path) -> None:
    """As scripts run it: real processes, the password and the LLM key in the environment, never echoed."""
    shutil.copytree(template, tmp_path / "t")
    data = tmp_path / "t" / "data"
    key = "sk-test-SECRET-KEY-0123456789"
    secrets = {"APP_LLM_API_KEY": key, "APP_LLM_BASE_URL": "http://127.0.0.1:9/v1", "APP_LLM_MODEL": "m"}
    new = str(tmp_path / "t" / "new.md")
    learner = run_cli("knowledge", data, "--as", "lin", "ingest", new, env={"APP_CLI_PASSWORD": PASSWORDS["lin"]})
    assert learner.returncode == 3 and "needs the role admin" in learner.stderr
    wrong = run_cli("knowledge", data, "--as", "ada", "list", env={"APP_CLI_PASSWORD": WRONG, **secrets})
    assert wrong.returncode == 2 and "Wrong user name or password" in wrong.stderr
    nobody = run_cli("knowledge", data, "list", env=secrets)
    assert nobody.returncode == 2 and "--as USERNAME" in nobody.stderr
    asked = run_cli(
        "knowledge", data, "--as", "lin", "ask", "How fast must a message get a reply?", "--json",
        env={"APP_CLI_PASSWORD": PASSWORDS["lin"], "APP_LLM_TIMEOUT_S": "2", **secrets},
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["mode"] == "extractive"  # the model is down: the fallback answered
    for result in (learner, wrong, nobody, asked):
        for secret in (PASSWORDS["lin"], WRONG, key):
            assert secret not in result.stderr + result.stdout
    assert state(data)["documents"] == state(template / "data")["documents"]


# ---------------------------------------------------------------------------------------------- trainer CLI
TRAINER_COMMANDS: dict[str, tuple[list[str], tuple[str, ...] | None]] = {
    "item-analysis": (["item-analysis", "--responses", "{base}/responses.csv", "--json"], OPEN),
    "users add": (["users", "add", "newbie", "--role", "learner"], STAFF),
    "users import": (["users", "import", "{base}/staff.csv"], STAFF),
    "report gradebook": (["report", "gradebook", "--format", "json"], EVERYONE),
    "report attempts": (["report", "attempts"], EVERYONE),
    "report gaps": (["report", "gaps", "--format", "json"], STAFF),
    "backup": (["backup", "{base}/new-backup"], ADMIN),
    "restore": (["restore", "{base}/backup"], ADMIN),
    "health": (["health", "--json"], EVERYONE),  # the stored accounts (a learner: those they manage)
    "seed-health": (["seed-health"], OPEN),  # writes only into an empty health check
}
NO_SIGN_IN = ("item-analysis", "seed-health")  # never sign in, whatever --as says


def test_every_trainer_command_is_in_the_matrix() -> None:
    from commands.trainer_cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = set(sub.choices) - {"users", "report"}  # type: ignore[arg-type]
    names |= {"users add", "users import", "report gradebook", "report attempts", "report gaps"}
    assert names == set(TRAINER_COMMANDS)


@pytest.mark.parametrize("identity", list(IDENTITIES))
@pytest.mark.parametrize("command", list(TRAINER_COMMANDS))
def test_trainer_cli_role_matrix(
    command: str, identity: str, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from commands.trainer_cli import main

    args, roles = TRAINER_COMMANDS[command]
    data = folder / "restored" if command == "restore" else folder / "data"
    before, watched = state(folder / "data"), [folder / "new-backup", folder / "restored"]
    argv = ["--data-dir", str(data), *sign_as(monkeypatch, identity), *(a.format(base=folder) for a in args)]
    status = main(argv)
    out, err = capsys.readouterr()
    want = expected_status(identity, roles, signs_in_with_as=command not in NO_SIGN_IN)
    assert status == want, f"{command} as {identity}: {status}, stderr: {err}"
    if want:
        after = state(folder / "data")
        assert {k: v for k, v in after.items()} == before, f"refused '{command}' as {identity} changed data"
        assert not any(p.exists() for p in watched), f"refused '{command}' as {identity} wrote a folder"
        assert err.startswith("error: ") and out == ""
    elif command == "report gradebook" and identity == "learner":
        assert {row["username"] for row in json.loads(out)} == {"lin"}  # a learner's report: her own row only
    elif command == "restore":
        assert state(data)["users"] == before["users"]
    for secret in (*PASSWORDS.values(), WRONG):
        assert secret not in err


# ---------------------------------------------------------------------------------------------- uploads: content
def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.pdf", PNG, "looks like a PNG image, not a PDF"),
        ("scan.pdf", JPEG, "looks like a JPEG image, not a PDF"),
        ("notes.pdf", "第一条 这是文字，不是PDF。".encode(), "looks like a text file, not a PDF"),
        ("late-header.pdf", b"x" * 1100 + b"%PDF-1.7\n", "not a PDF"),  # header beyond the first KB
        ("report.docx", PNG, "looks like a PNG image, not a Word document"),
        ("report.docx", b"%PDF-1.7\n1 0 obj", "looks like a PDF, not a Word document"),
        ("sheet.docx", _zip({"xl/workbook.xml": "<workbook/>"}), "looks like an Excel workbook (.xlsx)"),
        ("slides.docx", _zip({"ppt/presentation.xml": "<p/>"}), "looks like a PowerPoint presentation"),
        ("archive.docx", _zip({"readme.txt": "hi"}), "looks like a ZIP archive, not a Word document"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "looks like an old Office file"),
        ("notes.txt", PNG, "looks like a PNG image, not a text file"),
        ("notes.md", b"%PDF-1.4\n%\xe2\xe3", "looks like a PDF, not a Markdown text file"),
        ("page.html", _zip({"word/document.xml": "<w/>"}), "looks like a Word document (.docx), not an HTML page"),
        ("notes.txt", b"plain start\x00\x01\x02\x03 binary", "binary data, not a text file"),
        ("notes.txt", bytes(range(256)) * 4, "binary data, not a text file"),
        ("tool.md", b"\x7fELF\x02\x01\x01" + b"\x00" * 32, "looks like a Linux program"),
        ("setup.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "looks like a Windows program"),
    ],
)
def test_content_sniff_names_the_real_type(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ContentMismatch) as caught:
        check_content(name, data)
    assert isinstance(caught.value, UnsupportedFileType)
    assert message in str(caught.value) and name in str(caught.value)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.txt", "一般咨询应在3个工作日内答复。".encode("gb18030")),
        ("a.txt", "\ufeffUTF-8 with BOM, 中文".encode()),
        ("a.txt", "UTF-16 with BOM, 中文".encode("utf-16")),
        ("a.md", b"# BMW of Liutang\n\nStarts with BM like a bitmap, still text."),
        ("a.md", b"MZ is also the start of this sentence."),
        ("a.html", b"<!doctype html><html><body><p>hi</p></body></html>"),
        ("a.pdf", b"junk before the header\n%PDF-1.7\n"),
        ("a.docx", _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})),
        ("a.txt", ("長" * 70000).encode("utf-8")),  # a multi-byte character cut at the sniff window
    ],
)
def test_content_sniff_accepts_real_files(name: str, data: bytes) -> None:
    check_content(name, data)


def test_every_shipped_sample_and_made_file_passes_the_sniff(tmp_path: Path) -> None:
    for entry in read_manifest():
        check_content(entry.file, entry.path.read_bytes())
    check_content("a.pdf", pdf_bytes(["Page one."]))
    check_content("a.docx", make_docx(tmp_path / "a.docx", [("p", "Hello")]).read_bytes())
    assert SAMPLES_DIR.is_dir()


def test_a_damaged_docx_zip_is_a_corrupt_document() -> None:
    data = _zip({"word/document.xml": "<w/>" * 100})
    with pytest.raises(CorruptDocument):
        check_content("cut.docx", data[: len(data) // 2])
    assert sniff(PNG) == "a PNG image" and sniff(b"plain words") == "text"


def test_sniff_runs_before_parsing_for_uploads_and_cli_files(
    kb: KnowledgeBase, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import knowledge.loaders

    parsed: list[str] = []
    real = knowledge.loaders._LOADERS[".pdf"]
    monkeypatch.setitem(knowledge.loaders._LOADERS, ".pdf", lambda n, d: parsed.append(n) or real(n, d))
    result = kb.ingest_upload("holiday-photo.pdf", PNG + b"\x00" * 200)
    assert result.status == "failed" and "looks like a PNG image, not a PDF" in result.message
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(JPEG + b"\x00" * 200)
    [cli_result] = kb.ingest([fake])
    assert cli_result.status == "failed" and "looks like a JPEG image" in cli_result.message
    assert parsed == []  # no parser saw either file
    assert kb.documents() == [] and not list((settings.data_dir / "uploads").glob("*"))
    assert not list((settings.data_dir / "incoming").glob("*"))


def test_size_limit_is_checked_before_a_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, e5: Embedder
) -> None:
    monkeypatch.setenv("APP_MAX_FILE_MB", "0.01")  # 10 KiB
    kb = KnowledgeBase(Settings.from_env(), embedder=e5)
    try:
        big = make_pdf(tmp_path / "big.pdf", ["Reply within 2 working days. " * 40] * 30)
        assert big.stat().st_size > 0.01 * 1024 * 1024
        read: list[Path] = []
        real_read = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or real_read(self))
        [result] = kb.ingest([big])
        assert result.status == "failed" and "MB limit" in result.message
        assert big not in read  # refused from its size, never read
        upload = kb.ingest_upload("big.pdf", real_read(big))
        assert upload.status == "failed" and "MB limit" in upload.message
        assert not (kb.settings.data_dir / "incoming").exists() or not list(
            (kb.settings.data_dir / "incoming").iterdir()
        )
    finally:
        kb.close()


def test_the_library_uploader_uses_the_configured_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.apptest import open_page

    monkeypatch.setenv("APP_MAX_FILE_MB", "7")
    accounts = Accounts(open_db(Settings.from_env().app_db))
    accounts.create_user("ada", PASSWORDS["ada"], "admin")
    at = open_page("app_pages/library.py", "ada")
    [uploader] = at.get("file_uploader")
    assert uploader.proto.max_upload_size_mb == 7
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 50" in config  # the server-side cap (Streamlit enforces only this one)


# ---------------------------------------------------------------------------------------------- uploads: names
HOSTILE_NAMES = {
    "../../etc/passwd.txt": "passwd.txt",
    "../../../root/.ssh/authorized_keys.md": "authorized_keys.md",
    "/etc/shadow.txt": "shadow.txt",
    "C:\\Windows\\System32\\..\\evil.pdf": "evil.pdf",
    "\\\\server\\share\\policy.docx": "policy.docx",
    "..\\..\\boot.ini.txt": "boot.ini.txt",
    "report\x00.pdf": "report.pdf",
    "notes\x00/../../x.md": "x.md",
    "invoice\u202egnp.pdf": "invoicegnp.pdf",  # right-to-left override
    "\u2066政策\u2069解读.md": "政策解读.md",  # bidi isolates
    "..": None,
    "": None,
    "evil.pdf.exe": None,
    "....pdf": "document.pdf",
}


@pytest.mark.parametrize("name", list(HOSTILE_NAMES))
def test_safe_filename_on_hostile_names(name: str) -> None:
    want = HOSTILE_NAMES[name]
    if want is None:
        with pytest.raises(UnsupportedFileType):
            safe_filename(name)
        return
    safe = safe_filename(name)
    assert safe == want
    assert "/" not in safe and "\\" not in safe and ".." not in safe.rsplit(".", 1)[0] + "."
    assert not any(unicodedata.category(ch).startswith("C") for ch in safe)


@pytest.mark.parametrize(
    "name", ["../../escape.md", "/tmp/abs.md", "C:\\x\\..\\win.md", "nul\x00.md", "bidi\u202eDM.md"]
)
def test_an_upload_with_a_hostile_name_is_stored_inside_the_data_folder(
    name: str, kb: KnowledgeBase, settings: Settings
) -> None:
    result = kb.ingest_upload(name, f"# Notice\n\nUploaded as {name!r}, kept safely.\n".encode())
    assert result.status == "added", result.message
    [record] = kb.documents()
    assert record.doc == safe_filename(name) and "/" not in record.doc and "\\" not in record.doc
    stored = kb.stored_file(record).resolve()
    assert stored.is_relative_to((settings.data_dir / "uploads").resolve())
    assert stored.name == f"{record.sha256}.md"  # stored under its hash, never under the given name
    assert not (settings.data_dir.parent / "escape.md").exists() and not Path("/tmp/abs.md").exists()


# ---------------------------------------------------------------------------------------------- passwords
def test_minimum_length_everywhere(settings: Settings) -> None:
    accounts = Accounts(open_db(settings.app_db))
    short = "x" * (MIN_PASSWORD_LENGTH - 1)
    with pytest.raises(WeakPassword):
        accounts.create_user("lin", short, "learner")
    with pytest.raises(WeakPassword):
        accounts.create_first_admin("ada", short)
    accounts.create_user("lin", "long-enough-pw", "learner")
    with pytest.raises(WeakPassword):
        accounts.set_password("lin", short)
    with pytest.raises(WeakPassword):
        accounts.set_password("lin", "xx-lin-xx-lin")  # contains the user name
    assert len(accounts.reset_password("lin")) >= MIN_PASSWORD_LENGTH


def test_passwords_are_stored_only_as_scrypt_hashes(settings: Settings) -> None:
    accounts = Accounts(open_db(settings.app_db))
    password = "Unique-Plaintext-4711"
    accounts.create_user("lin", password, "learner")
    accounts.authenticate("lin", password)
    with pytest.raises(SignInFailed):
        accounts.authenticate("lin", password + "!")
    stored = accounts.db.execute("SELECT password_hash FROM users WHERE username = 'lin'").fetchone()[0]
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt" and int(n) >= 2**14 and int(r) >= 8  # 128 * N * r bytes: >= 16 MiB per guess
    assert 128 * SCRYPT_N * SCRYPT_R >= 16 * 1024 * 1024
    assert password not in stored and verify_password(password, stored)
    again = Accounts(open_db(settings.app_db))
    again.create_user("lin2", password, "learner")
    other = again.db.execute("SELECT password_hash FROM users WHERE username = 'lin2'").fetchone()[0]
    assert other.split("$")[4] != salt  # a salt per password: equal passwords, different hashes
    accounts.db.conn.close()
    again.db.conn.close()
    for path in settings.data_dir.glob("app.db*"):  # the database file and its WAL, byte for byte
        assert password.encode() not in path.read_bytes()


def test_no_password_or_key_in_logs_at_debug(
    folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    from commands.trainer_cli import main as trainer_main
    from tests.llm_stub import StubLLM

    key = "sk-LOGGED-KEY-987654321"
    data = folder / "data"
    caplog.set_level(logging.DEBUG)
    with StubLLM() as stub:
        stub.reply = "Reply within 2 working days [1]."
        monkeypatch.setenv("APP_LLM_BASE_URL", stub.base_url)
        monkeypatch.setenv("APP_LLM_MODEL", "stub-model")
        monkeypatch.setenv("APP_LLM_API_KEY", key)
        argv = ["--data-dir", str(data), *sign_as(monkeypatch, "learner")]
        assert commands.knowledge_cli.main([*argv, "ask", "How fast must a message get a reply?", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["mode"] == "llm" and stub.requests  # the key was in use
    argv = ["--data-dir", str(data), *sign_as(monkeypatch, "admin")]
    assert trainer_main([*argv, "users", "add", "wang", "--role", "learner"]) == 0
    new_password = capsys.readouterr().out.strip().rsplit(": ", 1)[1]
    monkeypatch.setenv("APP_CLI_PASSWORD", WRONG)
    assert trainer_main(["--data-dir", str(data), "--as", "tom", "users", "add", "x", "--role", "learner"]) == 2
    accounts = Accounts(open_db(data / "app.db"))
    accounts.set_password("wang", "Changed-Secret-99")
    accounts.authenticate("wang", "Changed-Secret-99")
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert caplog.records  # something was logged at DEBUG: the check is not vacuous
    for secret in (key, *PASSWORDS.values(), WRONG, new_password, "Changed-Secret-99"):
        assert secret not in logged, f"a secret reached the log: {secret[:4]}..."


def test_chat_log_exports_and_backup_hold_no_password_material(folder: Path, e5: Embedder) -> None:
    from courses.content import load_catalog
    from knowledge.answer import answer
    from trainer.analytics import reports
    from trainer.analytics.asklog import AskLog
    from trainer.learning.quiz import Learning
    from trainer.storage.backup import backup

    data = folder / "data"
    db = open_db(data / "app.db")
    accounts = Accounts(db)
    lin, tom = accounts.get("lin"), accounts.get("tom")
    kb = KnowledgeBase(Settings.from_env(data_dir=data), embedder=e5)
    try:
        asks = AskLog(db)
        for question in (f"My password is {PASSWORDS['lin']}?", "How fast must a message get a reply?"):
            ask_id = asks.record(lin, answer(kb, question, asked_by="lin"))
            asks.rate(lin, ask_id, -1, "not helpful")
        learning = Learning(db, load_catalog())
        course = learning.catalog.courses[0].id
        sheets = {
            "gradebook": [r.as_dict() for r in reports.gradebook(tom, learning, accounts, course)],
            "attempts": reports.attempt_rows(tom, learning, course),
            "gaps": reports.gap_rows(
                reports.cluster_gaps(reports.gap_items(tom, kb, db), lambda ts: [e5.embed_query(t) for t in ts])
            ),
        }
    finally:
        kb.close()
    hashes = [h for (h,) in db.execute("SELECT password_hash FROM users").fetchall()]
    columns = {r[1] for r in db.execute("PRAGMA table_info(asks)").fetchall()}
    assert not any("pass" in c or "hash" in c for c in columns)
    exported = [reports.to_csv(rows) for rows in sheets.values()]
    with zipfile.ZipFile(io.BytesIO(reports.to_xlsx(sheets))) as xlsx:
        exported += [xlsx.read(n) for n in xlsx.namelist()]
    backup(accounts.get("ada"), data, folder / "b")
    exported.append((folder / "b" / "manifest.json").read_bytes())  # the backup's only text export
    exported.append(json.dumps(asks.asks(tom), default=str).encode())  # the chat record as trainers read it
    assert sheets["gradebook"] and any(b"lin" in blob for blob in exported)
    for blob in exported:
        for secret in [p for u, p in PASSWORDS.items() if u != "lin"] + hashes + ["scrypt$", "password_hash"]:
            assert secret.encode() not in blob
        assert all(h.split("$")[-1].encode() not in blob for h in hashes)
    db.conn.close()


def test_backup_keeps_hashes_only_inside_the_copied_database(folder: Path) -> None:
    """app.db is copied whole (it must be, to restore sign-in): hashes, never a plaintext password."""
    from trainer.storage.backup import backup

    db = open_db(folder / "data" / "app.db")
    backup(Accounts(db).get("ada"), folder / "data", folder / "b")
    db.conn.close()
    for path in (folder / "b").rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert not any(p.encode() in blob for p in PASSWORDS.values()), path


# ---------------------------------------------------------------------------------------------- pages
PAGES = {
    "app_pages/ask.py": EVERYONE,
    "app_pages/learn.py": EVERYONE,
    "app_pages/progress.py": EVERYONE,
    "app_pages/check_draft.py": EVERYONE,
    "app_pages/reply_desk.py": EVERYONE,
    "app_pages/review.py": EVERYONE,
    "app_pages/health.py": EVERYONE,  # a learner sees the accounts they manage (test_health.py)
    "app_pages/account.py": EVERYONE,
    "app_pages/dashboard.py": STAFF,
    "app_pages/library.py": STAFF,
    "app_pages/people.py": STAFF,
}
PAGE_USERS = {"signed out": None, "learner": "lin", "trainer": "tom", "admin": "ada", "deactivated": "old"}


@pytest.fixture
def people(settings: Settings) -> Accounts:
    accounts = Accounts(open_db(settings.app_db))
    accounts.create_user("ada", PASSWORDS["ada"], "admin", language="en")
    accounts.create_user("tom", PASSWORDS["tom"], "trainer", language="en")
    accounts.create_user("lin", PASSWORDS["lin"], "learner", language="en")
    accounts.create_user("old", PASSWORDS["old"], "admin", language="en")
    accounts.set_active("old", False)
    return accounts


def test_pages_and_roles_are_all_in_the_matrix() -> None:
    assert set(PAGES) == {f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py")} - {
        "app_pages/__init__.py",
        "app_pages/ui.py",
        "app_pages/sign_in.py",
        "app_pages/auth_routes.py",  # HTTP routes, not a page
        "app_pages/change_password.py",  # the router's stand-in for every page: test_forced_password_change_page
    }


@pytest.mark.parametrize("who", list(PAGE_USERS))
def test_forced_password_change_page(people: Accounts, who: str) -> None:
    """Only the router opens it (for a signed-in user with a handed-over password); run alone, it refuses
    signed-out and deactivated visitors like every page, and offers the form to a signed-in user."""
    from tests.apptest import open_page

    at = open_page("app_pages/change_password.py", PAGE_USERS[who])
    assert not at.exception
    refused = any("Your role may not use this page" in e.value for e in at.error)
    assert refused == (who not in ROLE_OF), who
    assert bool(at.text_input) == (who in ROLE_OF)


@pytest.mark.parametrize("who", list(PAGE_USERS))
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_for_every_role(people: Accounts, page: str, who: str) -> None:
    from tests.apptest import open_page

    at = open_page(page, PAGE_USERS[who])
    assert not at.exception
    allowed = who in ROLE_OF and ROLE_OF[who] in PAGES[page]
    refused = any("Your role may not use this page" in e.value for e in at.error)
    assert refused != allowed, f"{page} as {who}"
    if not allowed:  # nothing else rendered: no widgets, no tables, no downloads
        assert not at.button and not at.text_input and not at.dataframe and not at.title
        assert not at.get("file_uploader") and not at.get("download_button")


@pytest.mark.parametrize("who", ["learner", "trainer", "admin"])
def test_navigation_registers_only_the_pages_a_role_may_open(people: Accounts, who: str) -> None:
    from tests.apptest import open_page

    at = open_page("streamlit_app.py", PAGE_USERS[who])
    for page, roles in PAGES.items():
        if ROLE_OF[who] in roles:
            at.switch_page(page).run()
            assert not at.exception and not any("may not use this page" in e.value for e in at.error), page
        else:
            with pytest.raises(ValueError):
                at.switch_page(page)


# ---------------------------------------------------------------------------------------------- downloads


@pytest.fixture
def cited(people: Accounts, kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    pdf = make_pdf(
        tmp_path / "reply-rules.pdf",
        ["Replies to the public.", "Every message from the public must get a reply within 2 working days."],
    )
    kb.ingest([pdf], kind="policy", added_by="ada")
    return kb


def test_original_and_page_downloads_are_role_checked(cited: KnowledgeBase, people: Accounts) -> None:
    for user in (None, people.get("old")):
        with pytest.raises(PermissionDenied):
            library.original(user, cited, "reply-rules.pdf")
        with pytest.raises(PermissionDenied):
            library.page_excerpt(user, cited, "reply-rules.pdf", 2)
    lin = people.get("lin")
    assert library.original(lin, cited, "reply-rules.pdf").data.startswith(b"%PDF-")
    excerpt = library.page_excerpt(lin, cited, "reply-rules.pdf", 2)
    assert excerpt is not None and excerpt.file_name == "reply-rules-p2.pdf"
    for action in (
        lambda u: library.documents(u, cited),
        lambda u: library.remove(u, cited, "reply-rules.pdf"),
        lambda u: library.reindex(u, cited),
        lambda u: library.upload(u, cited, [("x.md", b"# x\n\ntext")]),
    ):
        with pytest.raises(PermissionDenied):
            action(lin)
    with pytest.raises(PermissionDenied):
        library.upload(people.get("tom"), cited, [("x.md", b"# x\n\ntext")])
    assert [d.doc for d in cited.documents()] == ["reply-rules.pdf"]


def test_a_cited_download_checks_the_account_when_clicked(
    cited: KnowledgeBase, people: Accounts, deferred: list[tuple[str | None, Any]]
) -> None:
    """A button rendered for an active learner stops working once she is deactivated."""
    from tests.apptest import open_page

    at = open_page("streamlit_app.py", "lin")
    at.chat_input[0].set_value("How many working days do we have to reply to a message?").run()
    assert not at.exception
    downloads = {name: build for name, build in deferred}
    assert {"reply-rules.pdf", "reply-rules-p2.pdf"} <= set(downloads)
    assert downloads["reply-rules.pdf"]().startswith(b"%PDF-")
    assert downloads["reply-rules-p2.pdf"]().startswith(b"%PDF-")
    people.set_active("lin", False)
    for name in ("reply-rules.pdf", "reply-rules-p2.pdf"):
        with pytest.raises(PermissionDenied):
            downloads[name]()


def test_dashboard_exports_check_the_role_when_clicked(
    people: Accounts, deferred: list[tuple[str | None, Any]]
) -> None:
    from tests.apptest import open_page

    at = open_page("app_pages/dashboard.py", "tom")
    assert not at.exception
    exports = {
        name: build
        for name, build in deferred
        if name and name.split("-")[0] in ("gradebook", "attempts", "items", "gaps", "govmedia")
    }
    assert len(exports) == 5
    gradebook = next(build for name, build in exports.items() if name.startswith("gradebook"))
    assert gradebook().startswith(b"\xef\xbb\xbfusername,")
    people.db.execute("UPDATE users SET role = 'learner' WHERE username = 'tom'")  # demoted after the page rendered
    for build in exports.values():
        with pytest.raises(PermissionDenied):
            build()


def test_a_learner_session_builds_no_trainer_export(
    cited: KnowledgeBase, people: Accounts, deferred: list[tuple[str | None, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through every page a learner may open and every download she is offered: no staff report is built."""
    from tests.apptest import open_page
    from trainer.analytics import reports
    called: list[str] = []
    for name in ("to_csv", "to_xlsx", "gap_items", "gap_rows", "usage", "item_analysis", "groups", "item_rows"):
        real = getattr(reports, name)
        monkeypatch.setattr(reports, name, lambda *a, _n=name, _r=real, **k: called.append(_n) or _r(*a, **k))
    at = open_page("streamlit_app.py", "lin")
    at.chat_input[0].set_value("How many working days do we have to reply to a message?").run()
    for page, roles in PAGES.items():
        if "learner" in roles:
            at.switch_page(page).run()
            assert not at.exception, page
    blobs = [build() for _name, build in deferred]
    assert blobs and all(b.startswith(b"%PDF-") for b in blobs)  # only the cited originals and pages
    assert called == []
