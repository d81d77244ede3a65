"""The sample knowledge base shipped in ``knowledge/samples/``, indexed on first start.

The manifest (``samples/manifest.yaml``) names each file with its kind, language and
title. Seeding happens once per data folder: an admin who removes sample documents
does not see them come back on the next start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.errors import KnowledgeError
from knowledge.kb import IngestResult, KnowledgeBase, Progress
from knowledge.loaders import KINDS

SAMPLES_DIR = Path(__file__).parent / "samples"
SEEDED_KEY = "samples_seeded"


@dataclass(frozen=True)
class SampleEntry:
    file: str
    kind: str
    language: str
    title: str
    source: str = ""
    pair: str = ""

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / self.file


def read_manifest(path: Path = SAMPLES_DIR / "manifest.yaml") -> list[SampleEntry]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"Cannot read the sample manifest {path}: {exc}") from exc
    entries = []
    for i, item in enumerate(raw, 1):
        try:
            entry = SampleEntry(**{k: str(v) for k, v in item.items()})
        except TypeError as exc:
            raise KnowledgeError(f"{path}: entry {i} is malformed ({exc})") from exc
        if entry.kind not in KINDS:
            raise KnowledgeError(f"{path}: entry {i} ({entry.file}) has unknown kind '{entry.kind}'")
        entries.append(entry)
    return entries


def seed_samples(kb: KnowledgeBase, *, progress: Progress | None = None, force: bool = False) -> list[IngestResult]:
    """Index the sample corpus unless this data folder was seeded before (or ``force``)."""
    if kb.catalog.get_meta(SEEDED_KEY) and not force:
        return []
    results = [
        kb.ingest_file(entry.path, kind=entry.kind, title=entry.title, progress=progress, added_by="samples")
        for entry in read_manifest()
    ]
    if not any(r.status == "failed" for r in results):
        kb.catalog.set_meta(SEEDED_KEY, "1")
    return results
