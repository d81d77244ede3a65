"""``python -m knowledge [--data-dir DIR] [--as USERNAME] COMMAND`` - a thin layer over :class:`KnowledgeBase`.

Scripts and evaluations depend on the shape of this CLI's JSON: keep it stable.

Sign-in: once the data folder's ``app.db`` holds an account, every command (except ``seed`` without
``--force``) needs ``--as USERNAME`` (password from ``$APP_CLI_PASSWORD`` or a prompt) and the role the
app asks for the same action (``trainer.library.KNOWLEDGE_CLI_ROLES``). A folder without accounts - a
benchmark's or a developer's index, or the first start before the first administrator exists - works
without sign-in.

Errors print one line on stderr. Exit status: 0 done, 1 an error, 2 usage or sign-in problem, 3 the
signed-in role may not do this, 130 interrupted (as ``python -m trainer``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desk import replies
from knowledge.errors import EmptyQuestion, KnowledgeError
from knowledge.kb import IngestResult, KnowledgeBase, problems
from knowledge.loaders import KINDS
from knowledge.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="GovMedia Academy knowledge base")
    parser.add_argument("--data-dir", type=Path, help="data folder (default: $APP_DATA_DIR or ./data)")
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="sign in as this user (password from $APP_CLI_PASSWORD or a prompt); needed once the data "
        "folder has accounts",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update files and folders")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--kind", choices=KINDS, help="document kind (default: guessed from folder, format, title)")

    p = sub.add_parser("list", help="list documents")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", help="remove a document from every index")
    p.add_argument("doc", help="file name or id")

    p = sub.add_parser("search", help="hybrid search")
    p.add_argument("query", nargs="?")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--batch", type=Path, help="file with one query per line; one JSON array per line out")
    p.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", help="a grounded answer with citations, or an honest refusal")
    p.add_argument("question", nargs="?")
    p.add_argument(
        "--batch",
        type=Path,
        help='file with one question per line, or one JSON object {"question": "...", "history": ["earlier '
        'question", ...]} per line (each line answered on its own); one JSON object per line out, '
        '{"error": "..."} for a line that cannot be read',
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("draft-reply", help="classify a citizen's message and draft a cited reply with its deadline")
    replies.add_arguments(p)

    p = sub.add_parser("faq", help="curated answers that are returned verbatim")
    faq = p.add_subparsers(dest="faq_command", required=True)
    q = faq.add_parser("add")
    q.add_argument("question")
    q.add_argument("answer")
    q.add_argument("--source", required=True, help="where the answer comes from, e.g. a document and article")
    faq.add_parser("list")
    q = faq.add_parser("remove")
    q.add_argument("id", type=int)

    p = sub.add_parser("gaps", help="questions the knowledge base could not answer")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("seed", help="index the sample knowledge base on first start (once per data folder)")
    p.add_argument("--force", action="store_true", help="index the samples again even if seeded before")

    sub.add_parser("reindex", help="rebuild all vectors with the current embedding model")
    sub.add_parser("check", help="compare the catalogue with the vector store")

    p = sub.add_parser("check-draft", help="pre-publish check of a draft post (informs, never blocks)")
    p.add_argument("file", type=Path, help=".txt/.md with the title on the first line, or a saved article .html")
    p.add_argument("--json", action="store_true")
    return parser


def action(args: argparse.Namespace) -> str:
    """The name the role rules use: the command, with its sub-command or ``--force`` where that matters."""
    if args.command == "faq":
        return f"faq {args.faq_command}"
    if args.command == "seed" and args.force:
        return "seed --force"
    return str(args.command)


def authorise(args: argparse.Namespace, settings: Settings) -> tuple[int, str]:
    """Sign in if the data folder has accounts and check the role: (0, user name or '') or (exit status, '').

    The accounts, roles and throttling are ``trainer``'s, imported when a command runs (``--help`` stays
    light); a folder without an ``app.db`` never opens or creates one.
    """
    from commands import signin as cli_signin
    from trainer.errors import PermissionDenied
    from trainer.library import authorise_knowledge_cli, knowledge_cli_roles

    name = action(args)
    try:
        if not args.as_user and (knowledge_cli_roles(name) is None or not cli_signin.has_accounts(settings.app_db)):
            return 0, ""  # an open action, or a folder without accounts: as before sign-in existed
        user, accounts = cli_signin.sign_in(settings.app_db, args.as_user, prog="python -m knowledge", command=name)
        accounts.db.conn.close()
        authorise_knowledge_cli(user, name)
        return 0, user.username
    except cli_signin.SIGN_IN_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return cli_signin.EXIT_USAGE, ""
    except PermissionDenied as exc:
        print(f"error: {exc}", file=sys.stderr)
        return cli_signin.EXIT_DENIED, ""


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(data_dir=args.data_dir)
        status, args.actor = authorise(args, settings)
        if status:
            return status
        kb = KnowledgeBase(settings)
        try:
            return COMMANDS[args.command](kb, args)
        finally:
            kb.close()
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _progress_bar() -> tuple[Callable[[str, int, int], None] | None, Callable[[], None]]:
    """A tqdm bar per file on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(name: str, done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None or state.get("name") != name:
            if bar is not None:
                bar.close()
            bar = state["bar"] = tqdm(total=total, desc=name[:30], unit="chunk", leave=False, file=sys.stderr)
            state["name"] = name
        bar.update(done - bar.n)

    def close() -> None:
        if state.get("bar") is not None:
            state["bar"].close()

    return update, close


def _print_results(results: list[IngestResult], kb: KnowledgeBase | None = None) -> int:
    for r in results:
        print(r.line())
    counts = {s: sum(1 for r in results if r.status == s) for s in ("added", "updated", "unchanged", "failed")}
    if kb is not None and (counts["added"] or counts["updated"]):
        _calibrate(kb)
    print(", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({len(results)} files)")
    return 1 if counts["failed"] else 0


def _calibrate(kb: KnowledgeBase) -> None:
    """Re-calibrate the support thresholds on the changed documents now, not at the next question."""
    calibration = kb.calibration()
    if calibration.seconds:
        # A status line, on stderr: stdout keeps one line per file and the totals, for scripts.
        print(
            f"calibrated on {sum(calibration.probes.values())} probe questions in {calibration.seconds:.1f} s",
            file=sys.stderr,
        )


def cmd_ingest(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        raise KnowledgeError(f"No such file or folder: {', '.join(map(str, missing))}")
    progress, close = _progress_bar()
    try:
        results = kb.ingest(args.paths, kind=args.kind, progress=progress, added_by=args.actor)
    finally:
        close()
    return _print_results(results, kb)


def cmd_list(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    docs = kb.documents()
    if args.json:
        print(json.dumps([d.as_json() for d in docs], ensure_ascii=False, indent=2))
        return 0
    for d in docs:
        print(f"{d.id:>4}  {d.kind:<7} {d.language:<3} {d.pages:>4}p {d.chunks:>5}c  {d.doc}  {d.title}")
    print(f"{len(docs)} documents")
    return 0


def cmd_remove(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    doc = kb.remove(args.doc)
    print(f"removed {doc.doc} ({doc.chunks} chunks)")
    if kb.catalog.counts()[1]:
        _calibrate(kb)
    return 0


def cmd_search(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    if args.batch:
        if not args.json:
            raise KnowledgeError("search --batch writes JSON lines: add --json")
        for line in args.batch.read_text(encoding="utf-8").splitlines():
            hits = kb.search(line, args.k, mode=args.mode) if line.strip() else []
            print(json.dumps([h.as_json() for h in hits], ensure_ascii=False), flush=True)
        return 0
    if not args.query:
        raise KnowledgeError("search needs a QUERY or --batch FILE")
    hits = kb.search(args.query, args.k, mode=args.mode)
    if args.json:
        print(json.dumps([h.as_json() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no results")
    for i, h in enumerate(hits, 1):
        snippet = " ".join(h.text.split())[:160]
        print(f"{i}. [{h.similarity:.3f}] {h.title} ({h.doc}, p.{h.page})\n   {snippet}")
    return 0


def _chat_model(kb: KnowledgeBase) -> Any:
    from knowledge.llm import make_chat_model

    return make_chat_model(kb.settings)


class _BatchLineError(ValueError):
    "A line of an ``ask --batch`` file that cannot be read as a question"


def _batch_line(line: str, number: int) -> tuple[str, list[str]]:
    """(question, history) of one ``ask --batch`` line: a plain question, or a JSON object
    ``{"question": "...", "history": ["earlier question", ...]}`` (history optional, oldest first)."""
    if not line.lstrip().startswith("{"):
        return line, []
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BatchLineError(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(item, dict):
        raise _BatchLineError(f'line {number}: a JSON line must be an object with a "question"')
    question = item.get("question")
    if not isinstance(question, str) or not question.strip():
        raise _BatchLineError(f'line {number}: "question" must be a non-empty string')
    history = item.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise _BatchLineError(f'line {number}: "history" must be a list of strings (earlier questions)')
    return question, history


def cmd_ask(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    from knowledge.answer import answer

    chat_model = _chat_model(kb)
    if args.batch:
        if not args.json:
            raise KnowledgeError("ask --batch writes JSON lines: add --json")
        for number, line in enumerate(args.batch.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                print(json.dumps({"answer": "", "grounded": False, "citations": [], "mode": "extractive"}))
                continue
            try:  # a malformed line gets {"error": ...} on its output line, and the batch goes on
                question, history = _batch_line(line, number)
                result = answer(kb, question, history=history, asked_by=args.actor or "cli", chat_model=chat_model)
            except (_BatchLineError, EmptyQuestion) as exc:
                error = str(exc) if isinstance(exc, _BatchLineError) else f"line {number}: {exc}"
                print(json.dumps({"error": error}, ensure_ascii=False), flush=True)
                continue
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        raise KnowledgeError("ask needs a QUESTION or --batch FILE")
    result = answer(kb, args.question, asked_by=args.actor or "cli", chat_model=chat_model)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    if result.notice:
        print(result.notice)
    # The outcome first when it is not an answer, so a reader (or grep) cannot take it for one.
    outcome = {"related": "RELATED PASSAGES, NOT A CONFIRMED ANSWER", "not_found": "NOT FOUND"}
    if result.confidence in outcome:
        print(f"[{outcome[result.confidence]}]")
    print(result.text)
    for c in result.citations:
        print(f"[{c.n}] {c.title} ({c.doc}, p.{c.page})")
    return 0


def cmd_faq(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    if args.faq_command == "add":
        faq_id = kb.add_faq(args.question, args.answer, args.source, created_by=args.actor or "cli")
        print(f"added curated answer {faq_id}")
    elif args.faq_command == "list":
        for faq in kb.catalog.faqs():
            print(f"{faq['id']:>4}  {faq['question']}  ->  {faq['answer'][:60]}  ({faq['source']})")
    elif not kb.catalog.delete_faq(args.id):
        raise KnowledgeError(f"No curated answer {args.id} - `python -m knowledge faq list` shows them")
    return 0


def cmd_gaps(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    gaps = kb.catalog.gaps()
    if args.json:
        print(json.dumps(gaps, ensure_ascii=False, indent=2))
        return 0
    for gap in gaps:
        outcome = gap.get("confidence") or "not_found"
        print(f"{gap['asked_at']}  [{outcome}]  {gap['question']}  (closest: {', '.join(gap['closest']) or '-'})")
    print(f"{len(gaps)} open knowledge gaps")
    return 0


def cmd_seed(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    from knowledge.seed import seed_samples

    progress, close = _progress_bar()
    try:
        results = seed_samples(kb, progress=progress, force=args.force)
    finally:
        close()
    if not results:
        print("sample knowledge base already indexed in this data folder")
        return 0
    return _print_results(results, kb)


def cmd_reindex(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    progress, close = _progress_bar()
    try:
        results = kb.reindex(progress=progress)
    finally:
        close()
    return _print_results(results, kb)


def cmd_check(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    report = kb.verify()
    print(json.dumps(report))
    return 1 if problems(report) else 0


COMMANDS: dict[str, Callable[[KnowledgeBase, argparse.Namespace], int]] = {
    "ingest": cmd_ingest,
    "list": cmd_list,
    "remove": cmd_remove,
    "search": cmd_search,
    "ask": cmd_ask,
    "faq": cmd_faq,
    "gaps": cmd_gaps,
    "seed": cmd_seed,
    "reindex": cmd_reindex,
    "check": cmd_check,
    "check-draft": lambda kb, args: __import__("desk.drafts_cli", fromlist=["x"]).cmd_check_draft(kb, args),
    "draft-reply": replies.cmd_draft_reply,
}
