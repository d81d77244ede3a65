"""Knowledge base: documents -> chunks -> indexes -> hits (no Streamlit here).

The names below are imported on first use, so that importing a light module of the package
(``knowledge.settings``, ``knowledge.errors``) does not load Chroma and the embedders.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.errors import KnowledgeError
    from knowledge.kb import IngestResult, KnowledgeBase
    from knowledge.retrieval import Hit
    from knowledge.settings import Settings

_WHERE = {
    "KnowledgeError": ".errors",
    "IngestResult": ".kb",
    "KnowledgeBase": ".kb",
    "Hit": ".retrieval",
    "Settings": ".settings",
}
__all__ = ["Hit", "IngestResult", "KnowledgeBase", "KnowledgeError", "Settings"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
