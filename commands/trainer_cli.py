"""``python -m trainer [--data-dir DIR] [--as USERNAME] COMMAND`` - people and assessment from a terminal.

Commands that read or change app data sign in like the app does: ``--as USERNAME`` with the password
from ``$APP_CLI_PASSWORD`` or a prompt, the same throttling, the same role checks. ``item-analysis``
reads only the file it is given and needs no sign-in, and so does ``health FILE...`` (it measures the
exports it is given and stores nothing); ``health`` without files measures the stored accounts and signs in.
``seed-health`` needs no sign-in either: it writes the health check's sample only while no account is stored.

Exit status: 0 done, 1 an error (message on stderr), 2 usage or sign-in problem, 3 the signed-in
role may not do this, 130 interrupted. Scripts depend on ``item-analysis --json``: keep its shape stable.

Adding a command: write ``def add_x(sub)`` that calls ``sub.add_parser(...)`` and ``set_defaults(run=cmd_x)``,
decorate it with :func:`command`; ``cmd_x(args) -> int`` calls :func:`signed_in` if it needs app data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from commands.signin import EXIT_DENIED, EXIT_ERROR, EXIT_USAGE, PASSWORD_ENV, SIGN_IN_ERRORS, NotSignedIn, sign_in
from knowledge.errors import KnowledgeError
from knowledge.settings import Settings
from trainer.analytics.itemstats import FLAG_TEXT, ItemAnalysis, analyse, parse_responses_csv
from trainer.errors import PermissionDenied, TrainerError
from trainer.people.accounts import Accounts, User
from trainer.people.manage import add_user
from trainer.people.roster import (
    ROLE_NAMES,
    RosterError,
    RosterInvalid,
    decode_csv,
    import_users,
    parse_role,
    validate_import,
)

__all__ = ["EXIT_DENIED", "EXIT_ERROR", "EXIT_USAGE", "PASSWORD_ENV", "NotSignedIn", "build_parser", "main"]


Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
REGISTRY: list[Registrar] = []


def command(registrar: Registrar) -> Registrar:
    """Decorator: ``registrar(sub)`` adds a command (or a group of them) to ``python -m trainer``."""
    REGISTRY.append(registrar)
    return registrar


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainer", description="GovMedia Academy people and assessment")
    parser.add_argument("--data-dir", type=Path, help="data folder (default: $APP_DATA_DIR or ./data)")
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help=f"sign in as this user (password from ${PASSWORD_ENV} or a prompt); needed for app data",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for registrar in REGISTRY:
        registrar(sub)
    return parser


# ---------------------------------------------------------------------------------------------- sign-in
_open: list[sqlite_utils.Database] = []  # closed when main() returns


def signed_in(args: argparse.Namespace, *, data_dir: Path | None = None) -> tuple[User, Accounts, Settings]:
    """Sign in as ``--as`` with the app's rules (throttling included); :class:`NotSignedIn` or a sign-in error.

    Role checks stay with the library functions the command calls, exactly as in the app.
    """
    settings = Settings.from_env(data_dir=data_dir or args.data_dir)
    user, accounts = sign_in(settings.app_db, args.as_user, prog="python -m trainer", command=args.command)
    _open.append(accounts.db)
    return user, accounts, settings


# ---------------------------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SIGN_IN_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PermissionDenied as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DENIED
    except RosterInvalid as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.errors:
            print(f"{getattr(args, 'file', '')}: {problem}", file=sys.stderr)
        return EXIT_ERROR
    except (TrainerError, KnowledgeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        while _open:
            _open.pop().conn.close()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TrainerError(f"Cannot read {path}: {exc.strerror} · 无法读取文件 {path}") from None


# ---------------------------------------------------------------------------------------------- item-analysis
@command
def add_item_analysis(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "item-analysis",
        help="Moodle-style item statistics of a response matrix CSV (no sign-in needed)",
        description="Facility, SD, discrimination and discriminative efficiency per question; Cronbach's alpha, "
        "error ratio and standard error per quiz, all in %%. The CSV has columns attempt,question,mark,max_mark, "
        "one row per question per attempt (first attempts only, as Moodle).",
    )
    p.add_argument("--responses", type=Path, required=True, metavar="FILE.csv")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=cmd_item_analysis)


def cmd_item_analysis(args: argparse.Namespace) -> int:
    text = decode_csv(_read_bytes(args.responses))
    result = analyse(parse_responses_csv(text, source=str(args.responses)))
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        print(_analysis_table(result))
    return 0


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _analysis_table(result: ItemAnalysis) -> str:
    q = result.quiz
    lines = [
        f"Attempts {q.attempts}  questions {q.questions}  mean {_pct(q.mean)}%  SD {_pct(q.sd)}%  "
        f"alpha {_pct(q.alpha)}%  error ratio {_pct(q.error_ratio)}%  standard error {_pct(q.standard_error)}%"
    ]
    lines += [f"warning: {w}" for w in q.warnings]
    lines += [f"note: {name}: {why}" for name, why in q.notes.items()]
    width = max([len("question"), *(len(s.question) for s in result.questions)])
    lines.append("")
    lines.append(f"{'question':<{width}}  {'n':>5}  {'facility':>8}  {'SD':>6}  {'discrim.':>8}  {'effic.':>7}  flags")
    for s in result.questions:
        flags = ", ".join(("!" if f == "negative_discrimination" else "") + f for f in s.flags)
        lines.append(
            f"{s.question:<{width}}  {s.n:>5}  {_pct(s.facility):>8}  {_pct(s.sd):>6}  "
            f"{_pct(s.discrimination):>8}  {_pct(s.efficiency):>7}  {flags}"
        )
    notes = [f"  {s.question}: {name}: {why}" for s in result.questions for name, why in s.notes.items()]
    if notes:
        lines += ["", "Why some values are missing:", *notes]
    used = sorted({f for s in result.questions for f in s.flags})
    if used:
        lines += ["", "Flags:", *(f"  {f}: {FLAG_TEXT[f]}" for f in used)]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- users
def _role(text: str) -> str:
    role = parse_role(text)
    if role is None or not text.strip():
        raise argparse.ArgumentTypeError(f"unknown role '{text}' - use {', '.join(ROLE_NAMES)}")
    return role


@command
def add_users(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="add users, one by one or from a CSV roster (needs --as)")
    users = p.add_subparsers(dest="users_command", required=True)

    q = users.add_parser("add", help="create one account; prints its generated password once")
    q.add_argument("username")
    q.add_argument("--role", type=_role, required=True, help="learner, trainer or admin (学员, 培训师, 管理员)")
    q.add_argument("--name", default="")
    q.add_argument("--department", default="")
    q.set_defaults(run=cmd_users_add)

    q = users.add_parser(
        "import",
        help="create every account in a CSV roster, or none if a row has a problem",
        description="CSV with header name,username,department,role (or 姓名,用户名,部门,角色), optional password; "
        "UTF-8, UTF-8 with BOM or GB18030. Every row is checked first; nothing is imported if any row has a problem.",
    )
    q.add_argument("file", type=Path, metavar="FILE.csv")
    q.add_argument(
        "--passwords-out",
        type=Path,
        metavar="FILE.csv",
        help="write the generated passwords to this new file (mode 600) instead of printing them",
    )
    q.add_argument("--dry-run", action="store_true", help="check the file and report, import nothing")
    q.set_defaults(run=cmd_users_import)


def cmd_users_add(args: argparse.Namespace) -> int:
    actor, accounts, _ = signed_in(args)
    user, password = add_user(actor, accounts, args.username, args.role, name=args.name, department=args.department)
    print(f"created {user.role} {user.username} · 已创建账号")
    print(f"password (shown once - hand it over now) · 初始密码（仅显示一次）: {password}")
    return 0


def cmd_users_import(args: argparse.Namespace) -> int:
    out: Path | None = args.passwords_out
    if out is not None:
        # Checked before importing: once the accounts exist, their passwords must not be lost.
        if out.exists():
            raise RosterError(f"{out} already exists - choose a new file name · 文件已存在，请换一个文件名")
        if not out.parent.is_dir():
            raise RosterError(f"No folder {out.parent} · 文件夹不存在")
    actor, accounts, _ = signed_in(args)
    data = _read_bytes(args.file)
    if args.dry_run:
        rows = validate_import(actor, accounts, data)
        print(f"{len(rows)} rows are fine; nothing was imported (--dry-run) · {len(rows)}行检查通过，未导入")
        return 0
    result = import_users(actor, accounts, data)
    for u in result.users:
        print(f"created {u.role:<8} {u.username}  {u.name}  {u.department}".rstrip())
    print(f"{len(result.users)} accounts created · 已创建{len(result.users)}个账号")
    if not result.generated:
        return 0
    if out is not None:
        try:
            _write_private(out, result.passwords_csv())
        except OSError as exc:
            print(f"error: cannot write {out}: {exc.strerror} - the passwords follow instead", file=sys.stderr)
        else:
            print(
                f"{len(result.generated)} generated passwords written to {out}: hand them over, then delete the file · "
                f"初始密码已写入 {out}，分发后请删除该文件"
            )
            return 0
    print("generated passwords (shown once) · 初始密码（仅显示一次）:")
    for u in result.generated:
        print(f"{u.username}\t{u.password}")
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only; never overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


# ---------------------------------------------------------------------------------------------- reports
@command
def add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="gradebook, attempts or knowledge gaps as CSV or JSON (learners get only their own rows)",
    )
    p.add_argument("what", choices=["gradebook", "attempts", "gaps"])
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--course", help="course id (default: the first course)")
    p.add_argument("--group", help="gradebook: only this department / town")
    p.add_argument("--out", type=Path, help="write to this file instead of standard output")
    p.set_defaults(run=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from courses.content import load_catalog
    from trainer.analytics import reports
    from trainer.learning.quiz import Learning

    actor, accounts, settings = signed_in(args)
    learning = Learning(accounts.db, load_catalog())
    course = args.course or learning.catalog.courses[0].id
    reports.require_course(learning, course)
    rows: list[dict[str, object]]
    if args.what == "gradebook":
        rows = [r.as_dict() for r in reports.gradebook(actor, learning, accounts, course, group=args.group)]
    elif args.what == "attempts":
        rows = reports.attempt_rows(actor, learning, course)
    else:
        from knowledge.kb import KnowledgeBase

        kb = KnowledgeBase(settings)
        try:
            items = reports.gap_items(actor, kb, accounts.db)
            clusters = reports.cluster_gaps(items, lambda texts: [kb.embedder.embed_query(t) for t in texts])
            rows = reports.gap_rows(clusters)
        finally:
            kb.close()
    if args.format == "json":
        data = json.dumps(rows, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    else:
        data = reports.to_csv(rows)
    if args.out:
        args.out.write_bytes(data)
        print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


# ---------------------------------------------------------------------------------------------- backup
@command
def add_backup(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="copy the whole data folder to a new folder (admins)")
    p.add_argument("folder", type=Path)
    p.set_defaults(run=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into an empty data folder (admins of the backup)")
    p.add_argument("folder", type=Path)
    p.set_defaults(run=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    from trainer.storage.backup import backup

    actor, _, settings = signed_in(args)
    report = backup(actor, settings.data_dir, args.folder)
    print(f"backed up {settings.data_dir} to {args.folder}: {report.line()}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Signs in against the backup's own accounts (the target folder is empty), on a scratch copy
    so the backup itself is never written to."""
    import tempfile

    from knowledge.kb import KnowledgeBase, problems
    from trainer.storage.backup import restore, verify

    verify(args.folder)
    settings = Settings.from_env(data_dir=args.data_dir)
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy2(args.folder / "app.db", Path(scratch) / "app.db")
        actor, _, _ = signed_in(args, data_dir=Path(scratch))
        report = restore(actor, args.folder, settings.data_dir)
    kb = KnowledgeBase(settings)
    try:
        check = kb.verify()
    finally:
        kb.close()
    print(f"restored {args.folder} into {settings.data_dir}: {report.line()}")
    if problems(check):
        print(
            f"the indexes do not match the catalogue ({problems(check)}) - run: python -m knowledge reindex",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(f"knowledge base checked: {check['catalog_chunks']} chunks, all with vectors and keywords")
    return 0


# ---------------------------------------------------------------------------------------------- health
def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date - write it as 2025-06-30") from None


@command
def add_health(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "health",
        help="account health check of publishing-record exports (files: no sign-in; stored accounts: --as)",
        description="Measures each account in the given .xlsx/.csv exports of published articles (the app's header "
        "table; account column or one account per file named after it) against the veto tests and the course's "
        "checks. Files are only read, never stored, and need no sign-in. Without files, the accounts stored in the "
        "app are measured, with their reply-desk record: that needs --as (learners get the accounts they manage).",
    )
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument("--as-of", type=_date, help="the monitoring date (default: today, China Standard Time)")
    p.add_argument("--from", dest="start", type=_date, help="first day of the period (default: a year before)")
    p.add_argument("--to", dest="end", type=_date, help="last day of the period (default: the monitoring date)")
    p.add_argument("--next-check", type=_date, help="the next monitoring date, if known")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the findings (default en)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(run=cmd_health)


def cmd_health(args: argparse.Namespace) -> int:
    from desk import health
    as_of = args.as_of or health.today_cst()
    window = {"as_of": as_of, "start": args.start, "end": args.end, "next_check": args.next_check}
    if args.files:
        posts: list[health.Post] = []
        infos: dict[str, health.AccountInfo] = {}
        for path in args.files:
            parsed = health.parse(path.name, _read_bytes(path))
            posts += parsed.posts
            infos.update({a.name: a for a in parsed.accounts})
        by_account = health.rows_of(posts)
        reports = [
            health.measure(
                name,
                rows,
                department=getattr(infos.get(name), "department", ""),
                kind=getattr(infos.get(name), "kind", ""),
                **window,
            )
            for name, rows in sorted(by_account.items())
        ]
    else:
        actor, accounts, _ = signed_in(args)
        reports = health.HealthStore(accounts.db).overview(actor, **window)
    if args.json:
        print(json.dumps([r.as_json() for r in reports], ensure_ascii=False, indent=2))
    else:
        print(_health_text(reports, args.lang))
    return 0


@command
def add_seed_health(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "seed-health",
        help="load the fictional 柳塘区 accounts into the health check on first start (no sign-in; only while "
        "no account is stored)",
        description="Stores the sample publishing records of six fictional accounts, moved to end in the week before "
        "today, so the account health check has something to show on first start. Does nothing once any account is "
        "stored, so an office's own records are never mixed with the sample; that is also why it needs no sign-in.",
    )
    p.set_defaults(run=cmd_seed_health)


def cmd_seed_health(args: argparse.Namespace) -> int:
    from desk.health_sample import seed_sample
    from trainer.storage.db import open_db

    db = open_db(Settings.from_env(data_dir=args.data_dir).app_db)
    _open.append(db)
    results = seed_sample(db)
    if not results:
        print("account health: accounts already stored; the sample was not loaded")
        return 0
    names = sorted({a for r in results for a in r.accounts})
    print(f"account health: sample loaded, {sum(r.added for r in results)} articles of {len(names)} accounts")
    return 0


def _health_text(reports: list[Any], lang: str) -> str:
    from desk import health
    from trainer.i18n import t

    if not reports:
        return t("health_no_accounts", lang)
    lines = []
    for r in reports:
        lights = "  ".join(
            f"{t('health_m_' + m, lang)} {t('health_light_' + r.lights[m], lang)}" for m in health.MEASURES
        )
        where = f" ({r.department})" if r.department else ""
        lines += [
            f"{r.account}{where}: {r.posts} {t('health_col_posts', lang)} {r.start}..{r.end}, "
            f"{t('health_col_per_week', lang)} {r.per_week:.1f}, {t('health_col_last', lang)} {r.last_post or '-'}, "
            f"{t('health_col_publish_by', lang)} {r.publish_by or '-'}",
            f"  {lights}",
        ]
        for f in r.findings:
            lines.append(f"  - {health.finding_text(f, lang)}")
            lines.append(f"    {health.finding_module_text(f, lang)}")
        lines.append("")
    return "\n".join(lines).rstrip()
