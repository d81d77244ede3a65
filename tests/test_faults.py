"""Faults (issue 8): the ingestion process SIGKILLed at random points, the Chroma server unreachable or
killed mid-session, a full disk, a locked database, a quiz submitted twice.

Everything is real: ``python -m knowledge ingest`` subprocesses, the embedded Chroma and a
``chroma run`` server, SQLite files, the e5 model, a tmpfs mounted as the data folder.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from courses.content import load_catalog
from knowledge.answer import answer
from knowledge.embeddings import Embedder
from knowledge.errors import DatabaseLocked, DiskFull, KnowledgeError, StoreUnavailable
from knowledge.kb import KnowledgeBase
from knowledge.settings import Settings
from tests.conftest import Clock, free_port
from tests.coursemaker import RIGHT, make_course
from trainer import errors as trainer_errors
from trainer.learning.quiz import Attempt, AttemptClosed, Learning
from trainer.people.accounts import Accounts, User
from trainer.storage.db import open_db

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "knowledge" / "samples"
# Small real files in three formats: a folder run takes seconds, not minutes.
FOLDER_FILES = [
    "manuals/en-content-calendar.md",
    "policies/zh-assessment.txt",
    "posts/zh-post-faq-reply.html",
    "manuals/zh-mobile-writing.md",
    "posts/en-post-emergency.html",
]
UPDATED = "en-content-calendar.md"  # indexed in an older version first: kills also hit the update path
PASSWORD = "correct horse battery"


# ---------------------------------------------------------------------------------------------- helpers
def _cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "knowledge", "--data-dir", str(data_dir), *args]


def _cli_file_by_file(data_dir: Path, *args: str) -> list[str]:
    """``_cli`` with each file of a folder embedded and written before the next is read
    (``GROUP_CHUNKS = 1``): the phases the SIGKILL test aims at then each last long enough to be
    hit. Kills inside a group of files are tested in tests/test_embedding_engine.py."""
    code = "import sys, knowledge.kb as kb; kb.GROUP_CHUNKS = 1; from commands.knowledge_cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, "--data-dir", str(data_dir), *args]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
    env.update(HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT), **extra)
    return env


def _release_chroma() -> None:
    """Drop this process's embedded Chroma clients, so the next subprocess's writes are read afresh."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@contextlib.contextmanager
def _opened(data_dir: Path, e5: Embedder, **env: str) -> Iterator[KnowledgeBase]:
    kb = KnowledgeBase(Settings.from_env(data_dir=data_dir, **env), embedder=e5)
    try:
        yield kb
    finally:
        kb.close()
        _release_chroma()


def _state(db: Path) -> tuple[int, int] | None:
    """(documents, pending vector writes) as another process sees them, or None before the catalogue exists."""
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            pending = conn.execute("SELECT count(*) FROM pending_vectors").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # created but not migrated yet, or busy for a moment
        return None
    return int(docs), int(pending)


def assert_consistent(kb: KnowledgeBase, files: list[Path]) -> dict[str, int]:
    """Catalogue, Chroma and the keyword index agree; only whole documents can be found."""
    report = kb.verify()
    assert report["missing_vectors"] == 0, report  # every catalogued chunk has its vector
    assert report["missing_keywords"] == report["orphan_keywords"] == 0, report  # and its keyword row
    assert report["keyword_index_errors"] == 0 and report["incomplete_documents"] == 0, report
    # Vectors the catalogue does not know are left-overs of a killed write, always marked for recover().
    catalogued = {cid for cid, *_ in kb.catalog.all_chunks()}
    pending = [sha for sha, _ in kb.catalog.pending()]
    for orphan in kb.store.ids() - catalogued:
        assert any(sha.startswith(orphan.split("-")[0]) for sha in pending), (orphan, pending)
    docs = {d.doc: d for d in kb.documents()}
    for doc in docs.values():
        assert len(kb.catalog.chunks_of(doc.id)) == doc.chunks == len(kb.store.ids(doc.sha256)) > 0
    # Search never serves a file that is not (wholly) in the catalogue, in any mode.
    for path in files:
        text = path.read_text(encoding="utf-8", errors="ignore")
        query = " ".join(text.split())[200:260] or path.stem
        for mode in ("hybrid", "dense", "lexical"):
            for hit in kb.search(query, k=5, mode=mode):
                assert hit.doc in docs, (mode, hit.doc)
                assert hit.chunk_id in catalogued
    return report


# ---------------------------------------------------------------------------------------------- SIGKILL
def _kill_when(proc: subprocess.Popen[bytes], db: Path, trigger: str, delay: float) -> tuple[str, float]:
    """SIGKILL ``proc`` at the moment ``trigger`` names (polling the catalogue as another process
    would), ``delay`` seconds after it; returns what was seen at the kill."""
    start = time.monotonic()
    base = _state(db)
    base_docs = base[0] if base else 0
    # A write mark left by the previous kill is not this run's write: wait for recovery to clear it.
    recovered = not (base and base[1])
    while proc.poll() is None and time.monotonic() - start < 90:
        state = _state(db)
        docs, pending = state if state else (0, 0)
        recovered = recovered or pending == 0
        fire = {
            "model load": time.monotonic() - start >= delay,
            "vectors being written": recovered and pending > 0 and docs == base_docs,
            "next file being embedded": docs > base_docs and pending == 0,
            "a later file's write": pending > 0 and docs > base_docs,
        }[trigger]
        if fire:
            time.sleep(delay if trigger != "model load" else 0)
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        return "finished before the kill", time.monotonic() - start
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    return f"killed at {time.monotonic() - start:.2f}s, catalogue then {_state(db)}", time.monotonic() - start


def test_sigkill_during_folder_ingest_leaves_agreeing_indexes_and_a_rerun_finishes(tmp_path: Path, e5: Embedder):
    folder = tmp_path / "folder"
    folder.mkdir()
    for rel in FOLDER_FILES:
        shutil.copy(SAMPLES / rel, folder / Path(rel).name)
    files = sorted(folder.iterdir())
    data = tmp_path / "data"
    older = tmp_path / "old" / UPDATED
    older.parent.mkdir()
    older.write_text("# Content calendar (2024)\n\nPublish at least twice a week, mornings.", encoding="utf-8")
    with _opened(data, e5) as kb:
        assert kb.ingest([older])[0].status == "added"

    rng = random.Random(8)  # seeded: the same kill times on every run
    plan = [  # (what to hit, how long after, files embedded in one group as a folder ingest does)
        ("model load", rng.uniform(0.5, 3.0), False),
        ("vectors being written", 0.0, True),  # the first file of all the files embedded together
        ("vectors being written", 0.0, False),
        ("next file being embedded", rng.uniform(0.0, 0.8), False),
        ("a later file's write", 0.0, False),
        ("a later file's write", rng.uniform(0.0, 0.05), False),
    ]
    seen = []
    killed_mid_write = 0
    for trigger, delay, grouped in plan:
        proc = subprocess.Popen(
            (_cli if grouped else _cli_file_by_file)(data, "ingest", str(folder)),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        what, _ = _kill_when(proc, data / "knowledge.db", trigger, delay)
        seen.append(f"{trigger}{' (grouped)' if grouped else ''} (+{delay:.2f}s): {what}")
        state = _state(data / "knowledge.db")
        killed_mid_write += bool(state and state[1])
        with _opened(data, e5) as kb:
            assert_consistent(kb, files)
    print("\n".join(seen))
    assert sum("killed" in s for s in seen) == len(plan), seen  # the kills landed, not the end of the run
    assert killed_mid_write >= 1, seen  # at least one kill left a vector write half done

    done = subprocess.run(_cli(data, "ingest", str(folder)), env=_env(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    statuses = {line.split()[1]: line.split()[0] for line in done.stdout.splitlines()[:-1]}
    assert set(statuses) == {p.name for p in files}
    assert set(statuses.values()) <= {"added", "updated", "unchanged"}, done.stdout
    with _opened(data, e5) as kb:
        report = assert_consistent(kb, files)
        assert report["pending"] == report["orphan_vectors"] == 0, report
        assert {d.doc for d in kb.documents()} == {p.name for p in files}
        assert "twice a week" not in " ".join(c.text for c in kb.catalog.chunks_of(kb.document(UPDATED).id))
        assert not list((data / "uploads").glob("*.tmp"))
        kept = {d.stored_path for d in kb.documents()}
        assert {str(p.relative_to(data)) for p in (data / "uploads").iterdir()} == kept  # no stray originals


# ---------------------------------------------------------------------------------------------- Chroma server
def _start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    from tests.test_backends import _wait

    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc)
    return proc


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def _catalogue_rows(data: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(data / "knowledge.db")
    try:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "chunks", "chunks_fts")
        )
    finally:
        conn.close()


def test_chroma_server_unreachable_and_killed_mid_session(tmp_path: Path, e5: Embedder, monkeypatch):
    port = free_port()
    server = _start_chroma(tmp_path / "chroma-server", port)
    data = tmp_path / "data"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rules.md").write_text("# Rules\n\nEvery post is reviewed three times before it is published.")
    (docs / "later.md").write_text("# Rota\n\nThe duty officer answers messages within two working days.")
    remote = {"chroma_host": "127.0.0.1", "chroma_port": port}
    try:
        kb = KnowledgeBase(Settings.from_env(data_dir=data, **remote), embedder=e5)
        assert kb.ingest([docs / "rules.md"])[0].status == "added"
        assert kb.search("how many reviews", k=1)[0].doc == "rules.md"

        server.send_signal(signal.SIGKILL)  # the server dies mid-session
        server.wait(10)
        with pytest.raises(StoreUnavailable, match="Is the Chroma server still running.*APP_CHROMA_HOST"):
            kb.search("how many reviews")
        with pytest.raises(StoreUnavailable, match="APP_CHROMA_HOST"):
            answer(kb, "How many times is a post reviewed?")
        before = _catalogue_rows(data)
        with pytest.raises(StoreUnavailable, match="APP_CHROMA_HOST"):
            kb.ingest([docs / "later.md"])
        assert _catalogue_rows(data) == before  # nothing of later.md in the catalogue
        assert "later.md" not in {d.doc for d in kb.documents()}
        kb.close()

        # A new session against the closed port: the same clear error, in the library and the CLI.
        fresh = KnowledgeBase(Settings.from_env(data_dir=data, **remote), embedder=e5)
        for action in (lambda: fresh.search("reviews"), lambda: fresh.ingest([docs / "later.md"])):
            with pytest.raises(StoreUnavailable, match="chroma run.*APP_CHROMA_HOST"):
                action()
        fresh.close()
        env = _env(APP_CHROMA_HOST="127.0.0.1", APP_CHROMA_PORT=str(port))
        for args in (("ingest", str(docs)), ("search", "reviews"), ("ask", "How many reviews?")):
            result = subprocess.run(_cli(data, *args), env=env, capture_output=True, text=True, timeout=120)
            assert "APP_CHROMA_HOST" in _one_line_error(result)
        assert _catalogue_rows(data) == before

        # The server is back: the same ingest finishes and everything agrees.
        server = _start_chroma(tmp_path / "chroma-server", port)
        with _opened(data, e5, **remote) as back:  # type: ignore[arg-type]
            assert {r.doc: r.status for r in back.ingest([docs])} == {"later.md": "added", "rules.md": "unchanged"}
            report = assert_consistent(back, sorted(docs.iterdir()))
            assert report["pending"] == report["orphan_vectors"] == 0 and report["catalog_chunks"] == 2
    finally:
        server.kill()
        server.wait(10)


def test_cli_ingest_when_the_server_dies_during_the_run(tmp_path: Path, e5: Embedder):
    port = free_port()
    server = _start_chroma(tmp_path / "chroma-server", port)
    data = tmp_path / "data"
    folder = tmp_path / "folder"
    folder.mkdir()
    for rel in FOLDER_FILES[:3]:
        shutil.copy(SAMPLES / rel, folder / Path(rel).name)
    env = _env(APP_CHROMA_HOST="127.0.0.1", APP_CHROMA_PORT=str(port))
    try:
        proc = subprocess.Popen(
            _cli(data, "ingest", str(folder)), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (_state(data / "knowledge.db") or (0, 0))[0]:
            time.sleep(0.01)
        server.kill()  # just after the first document landed
        server.wait(10)
        out, err = proc.communicate(timeout=120)
        line = _one_line_error(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
        assert "Is the Chroma server still running" in line
        documents, chunks, keywords = _catalogue_rows(data)
        assert 1 <= documents < 3 and chunks == keywords  # whole documents only
    finally:
        server.kill()
        server.wait(10)


# ---------------------------------------------------------------------------------------------- disk full
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs (we run as root here and in CI); unmounted afterwards."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        _release_chroma()
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of ``disk`` with a ballast file; deleting it frees the space again."""
    ballast = disk / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    return ballast


def _variants(tmp_path: Path) -> Iterator[Path]:
    """Distinct real documents: the samples, each under a new name with its own first line."""
    sources = [p for p in sorted(SAMPLES.rglob("*")) if p.suffix in (".md", ".html") and "src" not in p.parts]
    out = tmp_path / "variants"
    out.mkdir()
    for n in range(10):
        for src in sources:
            path = out / f"r{n}-{src.name}"
            path.write_text(f"Round {n} · 第{n}轮\n\n" + src.read_text(encoding="utf-8"), encoding="utf-8")
            yield path


def test_ingest_until_the_disk_is_full(small_disk: Path, tmp_path: Path, e5: Embedder):
    data = small_disk / "data"
    ballast = small_disk / "ballast"
    ballast.write_bytes(b"\0" * 1_200_000)  # fills up sooner; freed at the end to show the ingest then finishes
    kb = KnowledgeBase(Settings.from_env(data_dir=data), embedder=e5)
    added: list[str] = []
    failed: Path | None = None
    error: KnowledgeError | None = None
    for path in _variants(tmp_path):
        try:
            result = kb.ingest([path])[0]
        except DiskFull as exc:
            failed, error = path, exc
            break
        assert result.status == "added", result
        added.append(result.doc)
        assert len(added) < 60, "the 3 MB disk never filled up"
    assert failed is not None and error is not None
    print(f"disk full after {len(added)} documents: {error} (from {error.__cause__!r})")
    assert "is full" in str(error) and "Free some space" in str(error) and "\n" not in str(error)
    assert len(added) >= 3
    assert sorted(d.doc for d in kb.documents()) == sorted(added)  # earlier documents intact
    assert_consistent(kb, [])
    assert kb.search("content calendar", k=3)  # reading still works on a full disk

    cli = subprocess.run(_cli(data, "ingest", str(failed)), env=_env(), capture_output=True, text=True, timeout=120)
    assert "is full" in _one_line_error(cli)
    kb.close()
    _release_chroma()

    ballast.unlink()  # space again: the same ingest finishes and everything agrees
    with _opened(data, e5) as again:
        assert again.ingest([failed])[0].status == "added"
        report = assert_consistent(again, [])
        assert report["pending"] == report["orphan_vectors"] == 0
        assert len(again.documents()) == len(added) + 1


# ---------------------------------------------------------------------------------------------- quiz faults
@pytest.fixture
def quiz(tmp_path: Path):  # type: ignore[no-untyped-def]
    catalog = load_catalog(make_course(tmp_path / "content"))

    def make(app_db: Path, clock: Clock | None = None) -> tuple[Learning, User]:
        db = open_db(app_db)
        accounts = Accounts(db)
        user = accounts.find("lin") or accounts.create_user("lin", PASSWORD, "learner")
        return Learning(db, catalog, clock=clock or time.time), user

    return make


def _answered_attempt(learning: Learning, user: User) -> int:
    attempt = learning.start(user, "c1", "m1")
    for shown in attempt.questions[1:]:
        learning.answer(user, attempt.id, shown.pos, RIGHT[shown.question.id])
    return attempt.id


def test_quiz_submitted_on_a_full_disk_is_kept_and_goes_through_later(small_disk: Path, quiz):  # type: ignore[no-untyped-def]
    learning, lin = quiz(small_disk / "app.db")
    attempt_id = _answered_attempt(learning, lin)
    first = learning.attempt(lin, attempt_id).questions[0]
    learning.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next write must grow the WAL file
    ballast = _fill(small_disk)

    with pytest.raises(trainer_errors.DiskFull, match="is full.*nothing was saved.*磁盘已满"):
        learning.answer(lin, attempt_id, first.pos, RIGHT[first.question.id])
    with pytest.raises(trainer_errors.DiskFull):
        learning.submit(lin, attempt_id, allow_unanswered=True)
    kept = learning.attempt(lin, attempt_id)
    assert kept.status == "open" and len(kept.unanswered()) == 1  # the saved answers are all there

    ballast.unlink()
    learning.answer(lin, attempt_id, first.pos, RIGHT[first.question.id])  # the same clicks again
    done = learning.submit(lin, attempt_id)
    assert done.status == "submitted" and done.score == done.max_score == 3.0


def _hold_write_lock(db: Path) -> sqlite3.Connection:
    """Another program (an open sqlite3 shell) holding the write lock."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_quiz_submitted_while_app_db_is_locked(tmp_path: Path, quiz, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sqlstore.faults.BUSY_TIMEOUT_S", 1.0)
    learning, lin = quiz(tmp_path / "app.db")
    attempt_id = _answered_attempt(learning, lin)
    first = learning.attempt(lin, attempt_id).questions[0]
    other = _hold_write_lock(tmp_path / "app.db")
    started = time.monotonic()
    with pytest.raises(trainer_errors.DatabaseLocked, match="busy.*over 1 s.*nothing was saved"):
        learning.answer(lin, attempt_id, first.pos, RIGHT[first.question.id])
    with pytest.raises(trainer_errors.DatabaseLocked):
        learning.submit(lin, attempt_id, allow_unanswered=True)
    assert time.monotonic() - started < 6  # a bounded wait, then the message
    assert learning.attempt(lin, attempt_id).status == "open"
    other.execute("ROLLBACK")
    other.close()
    learning.answer(lin, attempt_id, first.pos, RIGHT[first.question.id])
    assert learning.submit(lin, attempt_id).score == 3.0


def test_ingest_while_knowledge_db_is_locked(kb: KnowledgeBase, tmp_path: Path, monkeypatch):
    monkeypatch.setattr("sqlstore.faults.BUSY_TIMEOUT_S", 1.0)
    settings = kb.settings
    kb.close()
    kb = KnowledgeBase(settings, embedder=kb.embedder)  # reopened with the short wait
    doc = tmp_path / "rules.md"
    doc.write_text("# Rules\n\nEvery post is reviewed three times before it is published.", encoding="utf-8")

    other = _hold_write_lock(settings.knowledge_db)  # held from the start
    with pytest.raises(DatabaseLocked, match="busy.*nothing was saved"):
        kb.ingest([doc])
    other.execute("ROLLBACK")

    # Taken just as the vectors are stored: the catalogue write fails, the vectors are undone.
    real_add = kb.store.add

    def add_then_lock(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_add(*args, **kwargs)
        other.execute("BEGIN IMMEDIATE")

    monkeypatch.setattr(kb.store, "add", add_then_lock)
    with pytest.raises(DatabaseLocked):
        kb.ingest([doc])
    other.execute("ROLLBACK")
    monkeypatch.setattr(kb.store, "add", real_add)
    assert kb.documents() == []
    assert_consistent(kb, [doc])

    assert kb.ingest([doc])[0].status == "added"
    report = assert_consistent(kb, [doc])
    assert report["pending"] == report["orphan_vectors"] == 0
    other.close()
    kb.close()


# ---------------------------------------------------------------------------------------------- double submit
# Sequential double submits: tests/test_learning.py::test_duplicate_submit_returns_the_first_result.
@pytest.mark.parametrize("connections", ["one app process", "two app processes"])
def test_two_tabs_submitting_at_once_count_once(tmp_path: Path, quiz, connections: str):  # type: ignore[no-untyped-def]
    app_db = tmp_path / "app.db"
    one, lin = quiz(app_db)
    two = one if connections == "one app process" else quiz(app_db)[0]
    for round_ in range(2):  # m1 allows two graded attempts: a double submit must not use up the second
        assert one.progress(lin, "c1").module("m1").attempts_left == 2 - round_
        attempt = one.start(lin, "c1", "m1")
        for shown in attempt.questions:
            one.answer(lin, attempt.id, shown.pos, RIGHT[shown.question.id])
        barrier = threading.Barrier(2)
        results: list[Attempt] = []

        def submit(learning: Learning, attempt_id: int, barrier: threading.Barrier, results: list[Attempt]) -> None:
            barrier.wait()
            results.append(learning.submit(lin, attempt_id))

        threads = [threading.Thread(target=submit, args=(e, attempt.id, barrier, results)) for e in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 2
        assert results[0] == results[1] and results[0].status == "submitted"  # the same, first result
    rows = one.db.execute("SELECT count(*), count(DISTINCT submitted_at) FROM attempts WHERE status = 'submitted'")
    assert rows.fetchone() == (2, 2)
    assert one.progress(lin, "c1").module("m1").attempts_used == 2


def test_a_save_from_a_stale_tab_after_submit_changes_nothing(tmp_path: Path, quiz, monkeypatch):  # type: ignore[no-untyped-def]
    learning, lin = quiz(tmp_path / "app.db")
    attempt = learning.start(lin, "c1", "m1")
    for shown in attempt.questions:
        learning.answer(lin, attempt.id, shown.pos, RIGHT[shown.question.id])
    stale = learning.attempt(lin, attempt.id)  # tab 2 shows the open attempt...
    submitted = learning.submit(lin, attempt.id)  # ...tab 1 submits...
    monkeypatch.setattr(learning, "attempt", lambda viewer, attempt_id: stale)  # ...tab 2 saves what it saw
    first = stale.questions[0]
    wrong = {"m1-q1": "b", "m1-q2": ["c"], "m1-q3": "two reviews"}[first.question.id]
    with pytest.raises(AttemptClosed, match="already submitted"):
        learning.answer(lin, attempt.id, first.pos, wrong)
    monkeypatch.undo()
    after = learning.attempt(lin, attempt.id)
    assert after.questions == submitted.questions and after.score == 3.0


def test_courses_page_says_when_app_db_is_locked_and_keeps_the_answers(tmp_path: Path, settings, monkeypatch):  # type: ignore[no-untyped-def]
    from tests.apptest import open_page

    monkeypatch.setattr("sqlstore.faults.BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setenv("APP_COURSES_DIR", str(make_course(tmp_path / "content")))
    Accounts(open_db(settings.app_db)).create_user("lin", PASSWORD, "learner")
    at = open_page("app_pages/learn.py", "lin", timeout=60)
    at.button(key="start:graded:m1").click().run()
    attempt_id = at.session_state["attempt:c1:m1"]
    short = next(t for t in at.text_input if str(t.key).startswith(f"g:{attempt_id}:"))
    short.input("三审三校")
    other = _hold_write_lock(settings.app_db)
    at.button(key=f"FormSubmitter:graded:{attempt_id}-Save answers").click().run()
    assert not at.exception
    assert any("is busy" in e.value and "nothing was saved" in e.value for e in at.error)
    assert at.text_input(key=short.key).value == "三审三校"  # the form keeps what was typed
    other.execute("ROLLBACK")
    other.close()
    at.button(key=f"FormSubmitter:graded:{attempt_id}-Save answers").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("Saved answers to 1" in s.value for s in at.success), [s.value for s in at.success]
