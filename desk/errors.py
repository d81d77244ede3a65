"""Errors of the daily-job tools that are not the knowledge base's or the people store's own.

``DraftError`` stays a :class:`knowledge.errors.KnowledgeError` (as before the desk tools had a package
of their own), so a page or the CLI that catches knowledge errors shows its message the same way.
"""

from knowledge.errors import KnowledgeError


class DraftError(KnowledgeError):
    "A draft or a word-list entry the pre-publish checker cannot use"
