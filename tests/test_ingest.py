from pathlib import Path

import pytest

from knowledge.errors import DocumentNotFound, StoreUnavailable
from knowledge.kb import KnowledgeBase

from .filemakers import make_encrypted_pdf, make_pdf, make_scanned_pdf

REVIEW_V1 = "第一章 总则\n第一条 发布前实行三审三校，由编辑初审、科室负责人复审、分管领导终审。"
REVIEW_V2 = "第一章 总则\n第一条 发布前实行两审制度，由科室负责人审核后发布。\n第二条 错敏字词须用纠错系统检查。"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _fts_rows(kb: KnowledgeBase) -> int:
    return kb.catalog.db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]


def test_add_then_unchanged_then_updated(kb: KnowledgeBase, tmp_path: Path):
    path = _write(tmp_path / "review.txt", REVIEW_V1)
    assert [r.status for r in kb.ingest([path])] == ["added"]
    first = kb.document("review.txt")
    assert first.language == "zh" and first.chunks >= 1 and len(first.sha256) == 64

    assert [r.status for r in kb.ingest([path])] == ["unchanged"]

    _write(path, REVIEW_V2)
    assert [r.status for r in kb.ingest([path])] == ["updated"]
    second = kb.document("review.txt")
    assert second.sha256 != first.sha256 and second.added_at == first.added_at
    # old chunks are gone from every index
    assert kb.store.ids(first.sha256) == set()
    assert kb.verify()["orphan_vectors"] == 0 and kb.verify()["missing_vectors"] == 0
    assert "纠错系统" in kb.search("错别字怎么查", k=1)[0].text
    assert all("三审三校" not in h.text for h in kb.search("三审三校", k=5))
    assert not (kb.settings.data_dir / first.stored_path).exists()


def test_remove_deletes_from_every_index(kb: KnowledgeBase, tmp_path: Path):
    kb.ingest([_write(tmp_path / "a.txt", REVIEW_V1), _write(tmp_path / "b.md", "# Security\n\nRotate passwords.")])
    doc = kb.remove("a.txt")
    assert kb.store.ids(doc.sha256) == set()
    assert [d.doc for d in kb.documents()] == ["b.md"]
    assert _fts_rows(kb) == kb.document("b.md").chunks
    with pytest.raises(DocumentNotFound, match="knowledge list"):
        kb.remove("a.txt")


def test_remove_by_id(kb: KnowledgeBase, tmp_path: Path):
    kb.ingest([_write(tmp_path / "a.txt", REVIEW_V1)])
    kb.remove(str(kb.document("a.txt").id))
    assert kb.documents() == []


def test_duplicate_content_under_another_name_is_not_indexed_twice(kb: KnowledgeBase, tmp_path: Path):
    kb.ingest([_write(tmp_path / "a.txt", REVIEW_V1)])
    result = kb.ingest([_write(tmp_path / "copy of a.txt", REVIEW_V1)])[0]
    assert result.status == "unchanged" and "a.txt" in result.message
    assert len(kb.documents()) == 1


def test_batch_goes_on_after_bad_files(kb: KnowledgeBase, tmp_path: Path):
    good = _write(tmp_path / "good.txt", REVIEW_V1)
    empty = _write(tmp_path / "empty.txt", "")
    scanned = make_scanned_pdf(tmp_path / "scan.pdf")
    locked = make_encrypted_pdf(tmp_path / "locked.pdf")
    wrong = _write(tmp_path / "notes.rtf", "{\\rtf1}")
    results = {r.doc: r for r in kb.ingest([empty, scanned, locked, wrong, good])}
    assert results["good.txt"].status == "added"
    assert results["empty.txt"].status == "failed" and "empty" in results["empty.txt"].message
    assert "scanned" in results["scan.pdf"].message
    assert "password" in results["locked.pdf"].message
    assert "unsupported" in results["notes.rtf"].message
    assert all("\n" not in r.message for r in results.values())
    assert [d.doc for d in kb.documents()] == ["good.txt"]


def test_size_limit(tmp_path: Path, e5):
    from knowledge.settings import Settings

    kb = KnowledgeBase(Settings.from_env(max_file_mb=0.001), embedder=e5)
    result = kb.ingest([_write(tmp_path / "big.txt", "政务" * 2000)])[0]
    assert result.status == "failed" and "APP_MAX_FILE_MB" in result.message


def test_folder_ingest_guesses_kind_and_skips_other_files(kb: KnowledgeBase, tmp_path: Path):
    folder = tmp_path / "corpus"
    (folder / "policies").mkdir(parents=True)
    (folder / "manuals").mkdir()
    make_pdf(folder / "policies" / "review.pdf", [REVIEW_V1])
    _write(folder / "manuals" / "calendar.md", "# Content Calendar\n\nPublish at least once a week.")
    _write(folder / "manifest.yaml", "- not a document")
    _write(folder / ".hidden.txt", "hidden")
    results = kb.ingest([folder])
    assert sorted(r.doc for r in results) == ["calendar.md", "review.pdf"]
    kinds = {d.doc: d.kind for d in kb.documents()}
    assert kinds == {"calendar.md": "manual", "review.pdf": "policy"}


def test_explicit_kind_wins(kb: KnowledgeBase, tmp_path: Path):
    kb.ingest([_write(tmp_path / "x.md", "# Any\n\ntext here.")], kind="policy")
    assert kb.document("x.md").kind == "policy"


def test_failure_mid_file_keeps_previous_version(kb: KnowledgeBase, tmp_path: Path, monkeypatch):
    path = _write(tmp_path / "review.txt", REVIEW_V1)
    kb.ingest([path])
    before = kb.document("review.txt")

    def broken_add(*args, **kwargs):
        raise StoreUnavailable("disk full while writing vectors")

    _write(path, REVIEW_V2)
    monkeypatch.setattr(kb.store, "add", broken_add)
    with pytest.raises(StoreUnavailable, match="disk full"):  # a fault of the machine stops the batch
        kb.ingest([path])
    monkeypatch.undo()
    assert kb.document("review.txt") == before
    assert kb.catalog.pending() == []
    assert kb.verify() == {
        "catalog_chunks": before.chunks,
        "vectors": before.chunks,
        "missing_vectors": 0,
        "orphan_vectors": 0,
        "pending": 0,
        "keyword_rows": before.chunks,
        "missing_keywords": 0,
        "orphan_keywords": 0,
        "keyword_index_errors": 0,
        "incomplete_documents": 0,
    }
    assert "三审三校" in kb.search("三审三校", k=1)[0].text


def test_crash_after_vectors_before_catalogue_is_recovered(kb: KnowledgeBase, tmp_path: Path, monkeypatch):
    """A process killed between Chroma and SQLite leaves vectors the catalogue does not know."""
    path = _write(tmp_path / "review.txt", REVIEW_V1)

    class Killed(BaseException):
        pass

    def die(*args, **kwargs):
        raise Killed()

    monkeypatch.setattr(kb.catalog, "replace_document", die)
    monkeypatch.setattr(kb.store, "delete_version", die)  # the cleanup dies too, like SIGKILL would
    with pytest.raises(Killed):
        kb.ingest([path])
    monkeypatch.undo()
    assert kb.verify()["orphan_vectors"] > 0 and kb.catalog.pending()
    assert kb.search("三审三校") == []  # orphans are never served
    assert kb.recover() == 1
    assert kb.verify()["orphan_vectors"] == 0
    assert [r.status for r in kb.ingest([path])] == ["added"]


def test_two_threads_ingesting_at_once(kb: KnowledgeBase, tmp_path: Path):
    from concurrent.futures import ThreadPoolExecutor

    paths = [_write(tmp_path / f"doc{i}.txt", f"第{i}号文件。发布前实行三审三校，编号{i}。") for i in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda p: kb.ingest_file(p), paths))
    assert sorted(r.status for r in results) == ["added"] * 6
    assert kb.verify()["catalog_chunks"] == kb.verify()["vectors"] == 6
