"""Knowledge base: documents -> chunks -> indexes -> hits (no Streamlit here)."""

from .errors import KnowledgeError
from .kb import IngestResult, KnowledgeBase
from .retrieval import Hit
from .settings import Settings

__all__ = ["Hit", "IngestResult", "KnowledgeBase", "KnowledgeError", "Settings"]
