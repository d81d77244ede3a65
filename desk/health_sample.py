"""The fictional 柳塘区's accounts, loaded once so the account health check is useful on first start.

The files in ``desk/samples/health`` are made by ``scripts/make_health_sample.py`` and end on
:data:`SAMPLE_ENDS`. Loaded later, every date moves forward by whole weeks (weekday and hour patterns
intact) until the record reaches today, and what would lie in the future is left out: a sample that
ended weeks ago would show every account as silent. Loading happens only while no account is stored:
an office's own records are never mixed with the sample.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import sqlite_utils

from desk.health import CST, HealthStore, Parsed, SaveResult, parse
from trainer.people.accounts import User

SAMPLE_DIR = Path(__file__).parent / "samples" / "health"
SAMPLE_ENDS = dt.date(2026, 11, 30)  # END in scripts/make_health_sample.py
# (file, the account of a sheet without an account column)
SAMPLE_FILES = (("accounts.csv", ""), ("liutang_district.xlsx", ""), ("hewan_town.csv", "河湾镇"))
# The sample is written by the system, not by a person: the import log names it so.
SAMPLE_LOADER = User(0, "(sample)", "柳塘区 sample", "", "admin", True, "zh")


def sample_shift(now: dt.datetime) -> dt.timedelta:
    """Whole weeks that bring the sample's last day to ``now``'s day or into the week after it (never
    backwards: a clock set before the sample's end keeps it as it is)."""
    days = (now.date() - SAMPLE_ENDS).days
    return dt.timedelta(weeks=max(0, -(-days // 7)))


def sample_files(now: dt.datetime | None = None) -> list[Parsed]:
    """The sample's files, read with the app's own reader, moved up to ``now`` (China Standard Time)
    and without the articles that would then lie after it."""
    now = now or dt.datetime.now(CST).replace(tzinfo=None)
    shift = sample_shift(now)
    parsed = []
    for name, account in SAMPLE_FILES:
        one = parse(name, (SAMPLE_DIR / name).read_bytes(), account=account)
        posts = [dataclasses.replace(p, published=p.published + shift) for p in one.posts]
        posts = [p for p in posts if p.published <= now]
        parsed.append(dataclasses.replace(one, posts=posts, rows=len(posts)))
    return parsed


def seed_sample(db: sqlite_utils.Database, now: dt.datetime | None = None) -> list[SaveResult]:
    """Store the sample when no account is stored yet; [] when there are accounts (nothing changes)."""
    store = HealthStore(db)
    if db.execute("SELECT count(*) FROM health_accounts").fetchone()[0]:
        return []
    return [store.save(SAMPLE_LOADER, one) for one in sample_files(now)]
