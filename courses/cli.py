"""``python -m courses COMMAND`` - check course content and move questions in and out of GIFT.

Scripts and CI depend on ``validate --json``'s shape: keep it stable. Problems print as ``file:line: message``
(editors jump to them); errors print one line on stderr and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from courses.content import (
    ENV_VAR,
    Report,
    check,
    course_question_ids,
    default_root,
    find_module,
    read_questions,
    save_questions,
)
from courses.errors import CourseError, GiftError
from courses.gift import export_gift, guess_lang, import_gift, merge_questions
from courses.itemwriting import quiz_stats


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m courses", description="GovMedia Academy course content tools")
    sub = parser.add_subparsers(dest="command", required=True)
    root_help = f"content folder (default: ${ENV_VAR} or courses/content)"

    p = sub.add_parser("validate", help="check the content tree; every problem with file and line")
    p.add_argument("dir", nargs="?", type=Path, help=root_help)
    p.add_argument("--json", action="store_true", help="print a JSON summary instead")
    p.add_argument("--strict", action="store_true",
                   help="also fail (status 1) on item-writing warnings: keyed option the longest, true/false "
                        "balance, one multiple-choice pattern, key always in one position")

    p = sub.add_parser("import-gift", help="add or update a module's questions from a GIFT file (one language)")
    p.add_argument("file", type=Path)
    p.add_argument("--module", required=True, help="module id, or course-id/module-id")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the file (default: guessed from the text)")
    p.add_argument("--out", type=Path, help="write the merged pool here instead of the module's quiz.yaml")
    p.add_argument("--root", type=Path, help=root_help)

    p = sub.add_parser("export-gift", help="write a module's questions as GIFT (one language)")
    p.add_argument("--module", required=True, help="module id, or course-id/module-id")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language to export (default: zh)")
    p.add_argument("--out", type=Path, help="file to write (default: standard output)")
    p.add_argument("--root", type=Path, help=root_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _shown(path: Path) -> str:
    """Paths relative to the working directory when they are under it: shorter, and editors open them."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _item_writing(report: Report) -> list[dict[str, Any]]:
    """Item-writing statistics of every valid module's pool (see courses/itemwriting.py)."""
    out = []
    for course in report.courses:
        for module in course.modules:
            stats = quiz_stats(module.questions)
            quiz = report.root / course.id / f"{module.order:02d}-{module.id}" / "quiz.yaml"
            out.append({"quiz": f"{course.id}/{module.id}", "file": _shown(quiz), **stats.as_json(),
                        "summary": stats.summary()})
        # Per quiz there are few true/false and multiple-choice items; the habit shows over the whole course.
        stats = quiz_stats([q for module in course.modules for q in module.questions])
        out.append({"quiz": f"{course.id} (whole course)", "file": _shown(report.root / course.id), **stats.as_json(),
                    "summary": stats.summary()})
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    report = check(args.dir)
    stats = _item_writing(report)
    warned = sum(len(s["warnings"]) for s in stats)
    failed = not report.ok or (args.strict and warned > 0)
    if args.json:
        summary = report.as_json()
        for problem in summary["problems"]:
            problem["file"] = _shown(Path(problem["file"]))
        summary["item_writing"] = [{k: v for k, v in s.items() if k != "summary"} for s in stats]
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 1 if failed else 0
    for p in report.problems:
        print(f"{_shown(p.path)}:{p.line}: {p.message}" if p.line else f"{_shown(p.path)}: {p.message}")
    for s in stats:
        print(f"{s['quiz']}: {s['summary']}")
        for warning in s["warnings"]:
            print(f"{s['file']}: warning: {warning}")
    c = report.counts
    found = (f"{c['courses']} course(s), {c['modules']} module(s), {c['lessons']} lesson(s), "
             f"{c['questions']} question(s), languages: {', '.join(report.languages) or 'none'}")
    if report.ok:
        print(f"ok: {found}" + (f"; {warned} item-writing warning(s)" if warned else ""))
        return 1 if failed else 0
    print(f"{len(report.problems)} problem(s) in {found}", file=sys.stderr)
    return 1


def cmd_import_gift(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GiftError(f"Cannot read {args.file} ({exc}): give a UTF-8 GIFT text file") from exc
    lang = args.lang or guess_lang(text)
    if not args.lang:
        print(f"assuming --lang {lang} (from the text); pass --lang to choose", file=sys.stderr)
    module = find_module(args.root, args.module)
    existing = read_questions(module.quiz_path) if module.quiz_path.exists() else []
    in_course = course_question_ids(module.course_dir)
    elsewhere = in_course - {q.id for q in existing}
    result = import_gift(text, lang, id_prefix=module.id.split("-")[0], reserved_ids=in_course)
    errors = [str(e) for e in result.errors]
    errors += [f"question {q.id}: the id is used by another module of this course - rename ::{q.id}:: in the file"
               for q in result.questions if q.id in elsewhere]
    for w in result.warnings:
        print(f"{args.file}:{w.line}: warning: {w.message}", file=sys.stderr)
    if errors:
        for e in errors:
            print(f"{args.file}: {e}", file=sys.stderr)
        print(f"{len(errors)} problem(s): nothing was written - fix the GIFT file and run again", file=sys.stderr)
        return 1
    if not result.questions:
        raise GiftError(f"No questions to import in {args.file}: questions are `::id:: text {{answers}}` blocks "
                        "separated by blank lines")
    merged = merge_questions(existing, result.questions, lang)
    target = args.out or module.quiz_path
    save_questions(target, merged.questions)
    print(f"{_shown(target)}: {len(merged.added)} added, {len(merged.updated)} updated, "
          f"{len(merged.replaced)} replaced, {len(merged.unchanged)} unchanged ({lang})")
    touched = set(merged.added) | set(merged.replaced) | set(merged.updated)
    flagged = [q.id for q in merged.questions if q.id in touched and q.untranslated]
    if flagged:
        other = "en" if lang == "zh" else "zh"
        print(f"next: the {other} texts of {', '.join(flagged)} are copies of {lang} - translate them and remove "
              f"`untranslated: {other}`", file=sys.stderr)
    stats = quiz_stats(merged.questions)
    print(f"item writing: {stats.summary()}", file=sys.stderr)
    for warning in stats.warnings:
        print(f"{_shown(target)}: warning: {warning}", file=sys.stderr)
    bare = [q.id for q in merged.questions if q.id in touched and not (q.kind and q.topic and q.lesson)]
    if bare:
        print(f"next: give {', '.join(bare)} kind, topic and lesson; then run `python -m courses validate`",
              file=sys.stderr)
    return 0


def cmd_export_gift(args: argparse.Namespace) -> int:
    module = find_module(args.root, args.module)
    if not module.quiz_path.exists():
        raise GiftError(f"Module {module.id} has no quiz.yaml ({module.quiz_path}): nothing to export")
    exported = export_gift(read_questions(module.quiz_path), args.lang, category=f"{module.course_id}/{module.id}")
    for warning in exported.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.out:
        args.out.write_text(exported.text, encoding="utf-8")
        print(f"{args.out}: {len(exported.exported)} question(s) in {args.lang}", file=sys.stderr)
    else:
        sys.stdout.write(exported.text)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": cmd_validate,
    "import-gift": cmd_import_gift,
    "export-gift": cmd_export_gift,
}

__all__ = ["build_parser", "default_root", "main"]
