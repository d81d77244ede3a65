"""Errors the course tooling shows to its users; messages say what to do next.

Pages show ``str(error)``, the CLI prints it on stderr and exits non-zero.

    CourseError
    ├── ContentNotFound     the content folder does not exist
    ├── ContentInvalid      the content has problems (carries every problem with file and line)
    ├── NotFound            no course, module, lesson or question with that id
    ├── ResponseError       a learner's response does not fit its question (a page bug, not the learner's)
    └── GiftError           a GIFT file cannot be read or written
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class CourseError(Exception):
    "Base class of errors a user of the course tooling can see"


class ContentNotFound(CourseError):
    "The course content folder does not exist"


class ContentInvalid(CourseError):
    "The course content has problems; ``problems`` lists all of them"

    # ``problems`` are :class:`courses.content.Problem` objects; typed loosely so that this module,
    # which content and models import, imports neither of them.
    def __init__(self, problems: Sequence[Any], what: str = "The course content") -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(
            f"{what} has {len(self.problems)} problem(s) - fix them and run `python -m courses validate`:\n"
            f"{shown}{more}"
        )


class NotFound(CourseError):
    "No course, module, lesson or question has that id"


class ResponseError(CourseError):
    "A response names options or items the question does not have"


class GiftError(CourseError):
    "A GIFT file cannot be read or written"
