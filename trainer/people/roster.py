"""Bulk import of staff from a CSV roster: every row checked first, then all imported or none.

The file has a header row ``name,username,department,role`` (or 姓名,用户名,部门,角色), optionally
``password``; roles may be written learner/trainer/admin or 学员/培训师/管理员, and an empty role
means learner (the least privilege). It may be UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8") or
GB18030/GBK (Excel's plain "CSV" on a Chinese Windows). Rows are numbered as a spreadsheet shows
them: the header is row 1.

Rows without a password get a random one, returned once in :class:`ImportResult` to be shown or
downloaded once; only its scrypt hash is stored.
"""

from __future__ import annotations

import csv
import io
import secrets
import sqlite3
from dataclasses import dataclass, field

from sqlstore.migrations import immediate
from trainer.errors import TrainerError, WeakPassword
from trainer.people.accounts import (
    ROLES,
    Accounts,
    User,
    check_password_rules,
    hash_password,
    insert_user,
    require_role,
    valid_username,
)
from trainer.people.manage import MANAGERS

# Hashing costs ~50 ms a password: this keeps one import under a couple of minutes.
MAX_ROWS = 2000

COLUMNS = ("name", "username", "department", "role", "password")
_HEADER_ALIASES = {
    "name": "name",
    "姓名": "name",
    "username": "username",
    "user name": "username",
    "用户名": "username",
    "department": "department",
    "部门": "department",
    "role": "role",
    "角色": "role",
    "password": "password",
    "密码": "password",
}
ROLE_NAMES = {
    **{role: role for role in ROLES},
    "学员": "learner",
    "培训师": "trainer",
    "管理员": "admin",
}


class RosterError(TrainerError):
    "The roster file cannot be imported"


class RosterInvalid(RosterError):
    "Some rows have problems; nothing was imported (``errors`` lists them)"

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = tuple(errors)
        rows = len({e.row for e in errors})
        super().__init__(
            f"{rows} row(s) have problems - fix them and import the file again; nothing was imported · "
            f"{rows}行有问题，请修改后重新导入；本次未导入任何账号"
        )


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class RosterRow:
    row: int
    username: str
    name: str
    department: str
    role: str
    password: str = field(default="", repr=False)  # from the file; empty = generate one


@dataclass(frozen=True)
class ImportedUser:
    row: int
    username: str
    name: str
    department: str
    role: str
    # The generated password, to show once; None when the file supplied one. Kept out of repr (logs).
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ImportResult:
    users: tuple[ImportedUser, ...]

    @property
    def generated(self) -> tuple[ImportedUser, ...]:
        """The users whose passwords were generated (and must be handed out)."""
        return tuple(u for u in self.users if u.password is not None)

    def passwords_csv(self) -> bytes:
        """``username,name,department,role,password`` for generated passwords, UTF-8 with a BOM so Excel
        shows Chinese correctly. Offer it once: the passwords are not stored anywhere else."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["username", "name", "department", "role", "password"])
        for u in self.generated:
            writer.writerow([u.username, u.name, u.department, u.role, u.password])
        return out.getvalue().encode("utf-8-sig")


def decode_csv(data: bytes | str) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    # GB18030 decodes most byte strings, so it is the last resort, after the encodings a BOM announces.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        attempts = ["utf-16"]
    elif data.startswith(b"\xef\xbb\xbf"):
        attempts = ["utf-8-sig"]
    else:
        attempts = ["utf-8", "gb18030"]
    for encoding in attempts:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(
        "The file is neither UTF-8 nor GB18030 text - in Excel use Save As > CSV UTF-8 · "
        "文件编码无法识别，请在Excel中另存为“CSV UTF-8”格式"
    )


def parse_role(text: str) -> str | None:
    """learner/trainer/admin from English (any case) or Chinese role names; empty means learner."""
    text = text.strip()
    if not text:
        return "learner"
    return ROLE_NAMES.get(text.lower())


def _username_problem(username: str) -> str | None:
    # The rule Accounts.create_user enforces, checked here so every row's problem is listed at once.
    if not valid_username(username):
        return "the user name must be 1-64 characters without spaces · 用户名为1-64个字符，不含空格"
    return None


def _read(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","  # Excel's "Unicode text" is tab-separated
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not records:
        return [], []
    return records[0], [(i, rec) for i, rec in enumerate(records[1:], start=2)]


def validate_import(actor: User, accounts: Accounts, data: bytes | str) -> list[RosterRow]:
    """The rows to import, or :class:`RosterInvalid` listing every problem (a dry run of an import)."""
    require_role(actor, *MANAGERS)
    header, records = _read(decode_csv(data))
    if not header:
        raise RosterError("The file is empty · 文件为空")
    errors: list[RowError] = []
    columns: list[str | None] = []
    for cell in header:
        key = _HEADER_ALIASES.get(cell.strip().lower())
        if key is None and cell.strip():
            errors.append(
                RowError(
                    1,
                    f"unknown column '{cell.strip()}' - use {', '.join(COLUMNS)} (or 姓名, 用户名, 部门, 角色, 密码) · "
                    f"无法识别的列“{cell.strip()}”",
                )
            )
        elif key in columns:
            errors.append(RowError(1, f"column '{cell.strip()}' appears twice · 列“{cell.strip()}”重复"))
        columns.append(key)
    if "username" not in columns:
        errors.append(RowError(1, "the header row needs a username (用户名) column · 表头缺少“用户名”（username）列"))
    if errors:
        raise RosterInvalid(errors)

    rows: list[RosterRow] = []
    first_row: dict[str, int] = {}  # lower-cased user name -> row: user names are case-insensitive in app.db
    data_rows = 0
    for number, record in records:
        if not any(cell.strip() for cell in record):
            continue  # Excel leaves empty rows (",,,") at the end
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise RosterError(
                f"More than {MAX_ROWS} rows - split the file and import the parts one after another · "
                f"超过{MAX_ROWS}行，请拆分文件后分批导入"
            )
        if len(record) > len(columns):
            errors.append(
                RowError(number, "more cells than columns - check for a comma inside a name · 单元格多于表头列数")
            )
            continue
        cells = {key: cell.strip() for key, cell in zip(columns, record, strict=False) if key}
        username = cells.get("username", "")
        row_errors: list[str] = []
        if not username:
            row_errors.append("the user name is missing · 缺少用户名")
        else:
            problem = _username_problem(username)
            if problem:
                row_errors.append(problem)
            elif username.lower() in first_row:
                row_errors.append(
                    f"'{username}' is already in row {first_row[username.lower()]} · 用户名与第"
                    f"{first_row[username.lower()]}行重复"
                )
            elif accounts.find(username) is not None:
                row_errors.append(f"user '{username}' already exists · 用户名“{username}”已存在")
            first_row.setdefault(username.lower(), number)
        role = parse_role(cells.get("role", ""))
        if role is None:
            row_errors.append(
                f"unknown role '{cells['role']}' - use learner, trainer or admin (学员, 培训师, 管理员) · "
                f"无法识别的角色“{cells['role']}”"
            )
        elif role != "learner" and actor.role != "admin":
            row_errors.append(
                "only an administrator can import trainers and administrators · 只有管理员可以导入培训师和管理员"
            )
        password = cells.get("password", "")
        if password:
            try:
                check_password_rules(password, username)
            except WeakPassword as exc:
                row_errors.append(str(exc))
        errors.extend(RowError(number, message) for message in row_errors)
        if not row_errors:
            assert role is not None
            rows.append(RosterRow(number, username, cells.get("name", ""), cells.get("department", ""), role, password))
    if not errors and not rows:
        errors.append(RowError(2, "the file has no rows below the header · 表头下没有数据行"))
    if errors:
        raise RosterInvalid(errors)
    return rows


def _new_password(username: str) -> str:
    # Same as people.add_user: 16 URL-safe characters that do not contain the user name.
    password = secrets.token_urlsafe(12)
    while username.lower() in password.lower():
        password = secrets.token_urlsafe(12)
    return password


def import_users(actor: User, accounts: Accounts, data: bytes | str) -> ImportResult:
    """Create every account in the roster ``data``, or none: :class:`RosterInvalid` lists every row's problems.

    The passwords are hashed before the write transaction starts (scrypt, ~50 ms each), so the
    database is locked for milliseconds, not for the whole file; the rows are inserted in one
    transaction on a connection of their own, so the app's other threads never join or see it half done.
    """
    rows = validate_import(actor, accounts, data)
    prepared = []
    for r in rows:
        generated = None if r.password else _new_password(r.username)
        prepared.append((r, generated, hash_password(r.password or generated or "")))

    conn, own = _writer(accounts)
    try:
        with immediate(conn):
            for r, _, password_hash in prepared:
                # Name rules were checked in validate_import.
                insert_user(conn, r.username, password_hash, r.role, name=r.name, department=r.department)
    except sqlite3.IntegrityError:
        # Someone created one of these user names between the check and the insert.
        raise RosterError(
            "Another user was created with one of these names meanwhile - import the file again to see which · "
            "导入期间有同名账号被创建，请重新导入以查看具体行"
        ) from None
    finally:
        if own:
            conn.close()
    return ImportResult(
        tuple(ImportedUser(r.row, r.username, r.name, r.department, r.role, generated) for r, generated, _ in prepared)
    )


def _writer(accounts: Accounts) -> tuple[sqlite3.Connection, bool]:
    """A connection of its own to the same file (and True), or the shared one for an in-memory database."""
    shared: sqlite3.Connection = accounts.db.conn
    path = next((row[2] for row in shared.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not path:
        return shared, False
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn, True
