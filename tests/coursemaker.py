"""A small two-module course written to a temp folder, in the real content format."""

from __future__ import annotations

import textwrap
from pathlib import Path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _module(root: Path, nn: str, mid: str, *, draw: int, attempts: int, limit: int | None, grading: str) -> None:
    base = root / "c1" / f"{nn}-{mid}"
    _write(
        base / "module.yaml",
        f"""
        id: {mid}
        title: {{zh: 模块{mid}, en: Module {mid}}}
        summary: {{zh: 概要, en: Summary}}
        objectives: {{zh: [目标], en: [Objective]}}
        quiz:
          pass_mark: 0.6
          draw: {draw}
          max_attempts: {attempts}
          time_limit_min: {"null" if limit is None else limit}
          grading: {grading}
        """,
    )
    for lang, title, body in (
        ("zh", "三审", "稿件发布前需经三审。"),
        ("en", "Three reviews", "Posts get three reviews."),
    ):
        _write(
            base / "lessons" / f"01-basics.{lang}.md",
            f"""
            ---
            id: basics
            title: {title}
            minutes: 3
            ---

            ## {title} {{#why}}
            {body}
            """,
        )
    _write(
        base / "quiz.yaml",
        f"""
        questions:
          - id: {mid}-q1
            type: single
            kind: recall
            topic: reviews
            lesson: basics#why
            kb_doc: policies/zh-content-review.pdf
            prompt: {{zh: 发布前几审？, en: "How many reviews?"}}
            options:
              - {{id: a, text: {{zh: 三审, en: Three}}, correct: true}}
              - id: b
                text: {{zh: 一审, en: One}}
                feedback: {{zh: 太少, en: Too few}}
              - id: c
                text: {{zh: 以上都不对, en: None of the above}}
                feedback: {{zh: 不对, en: Wrong}}
                fixed_last: true
            explanation: {{zh: 三审。, en: Three.}}
          - id: {mid}-q2
            type: multiple
            kind: scenario
            topic: reviews
            lesson: basics#why
            prompt: {{zh: 哪些人审？, en: "Who reviews?"}}
            options:
              - {{id: a, text: {{zh: 编辑, en: Editor}}, correct: true}}
              - {{id: b, text: {{zh: 主任, en: Head}}, correct: true}}
              - id: c
                text: {{zh: 网友, en: A reader}}
                feedback: {{zh: 不对, en: No}}
            explanation: {{zh: 编辑和主任。, en: Editor and head.}}
          - id: {mid}-q3
            type: short
            kind: recall
            topic: terms
            lesson: basics#why
            prompt: {{zh: 这个制度叫什么？, en: "What is the rule called?"}}
            accept: {{zh: [三审三校], en: [three reviews]}}
            explanation: {{zh: 三审三校。, en: Three reviews.}}
        """,
    )


def make_course(root: Path) -> Path:
    """Course c1: m1 (3 questions, 2 attempts, 10 min, highest) and m2 (draw 2 of 3, last)."""
    _write(
        root / "c1" / "course.yaml",
        """
        id: c1
        title: {zh: 入门, en: Basics}
        summary: {zh: 概要, en: Summary}
        sequential: true
        """,
    )
    _module(root, "01", "m1", draw=3, attempts=2, limit=10, grading="highest")
    _module(root, "02", "m2", draw=2, attempts=0, limit=None, grading="last")
    return root


RIGHT = {
    "m1-q1": "a",
    "m1-q2": ["a", "b"],
    "m1-q3": "三审三校",
    "m2-q1": "a",
    "m2-q2": ["b", "a"],
    "m2-q3": "Three Reviews",
}
