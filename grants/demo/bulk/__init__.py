"""Bulk demo dossiers for demos and load tests (``flask seed-demo --dossiers N``).

``generate(n)`` adds ``n`` generated dossiers with everything a real one would have by its
state: requested items, appraisal, decision, ledger entries and the audit trail of every step.
It writes with driver-level inserts and ids it assigns itself, so 100,000 dossiers (about a
million rows) take well under a minute on SQLite and on PostgreSQL.

What it generates
-----------------
* Program years 2021–2025 if missing (``setup``: procedure defaults, support rules copied from
  an existing year). Those years are marked with ``GENERATED_PLAN_REFERENCE`` and their budget
  is raised as needed so every approval fits. Years that were not generated here (the 2025 and
  2026 plans of ``seed_base``) keep their budget: an approval that would not fit becomes a
  rejection with the reason "budget used up", as the app itself would refuse it. Future years
  are left alone.
* ``n // 20`` new organisations (Vietnamese names, unique 10-digit tax codes 2301xxxxxC with
  the GDT check digit, communes of the demo), and an applicant account (the demo password) for
  every organisation that has none.
* Dossiers spread over every ``Status`` (the first 13 of each call take one state each, the rest
  follow weights: the current year has live work queues, past years are mostly finished) and
  over all organisations (``generator``). Their events follow the workflow table on working
  days and office hours of the year's calendar, all before today (``timeline``); ``due_at`` /
  ``step_due_at`` are computed exactly as ``grants.services.clock`` does; amounts follow the
  domain's support rule. Codes are ``HS-{year}-{number:05d}`` taken from ``Counter(year,
  "HS")``, which is bumped so the app's next dossier continues after them (``rows``).
* No organisation is approved twice for the same catalogue item (such an approval becomes a
  rejection with the double-support reason). Disbursements, a few reversals and re-payments
  never take ``paid_vnd`` above ``approved_vnd``; ``ProgramYear.committed_vnd`` and
  ``disbursed_vnd`` move by exactly what the new ledger rows add.
* Not generated: checklist results, attachments, site visits, issued documents (PDF).

Deterministic for a given ``seed``, starting database and ``today``.
"""

import random
import time
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import func, select

from grants.db import local_today
from grants.demo.bulk.context import load_years
from grants.demo.bulk.generator import Generator
from grants.demo.bulk.rows import UTC_OFFSET, Ids
from grants.demo.bulk.setup import (
    GENERATED_PLAN_REFERENCE,
    GENERATED_YEARS,
    add_member_accounts,
    add_organisations,
    ensure_years,
    load_staff,
)
from grants.extensions import db
from grants.models import CatalogueItem

__all__ = ["BATCH_SIZE", "GENERATED_PLAN_REFERENCE", "GENERATED_YEARS", "bulk_dossiers",
           "generate"]

BATCH_SIZE = 5_000
"""Dossiers per batch: one round of inserts, counter and year updates."""


def generate(n: int, *, seed: int = 43, batch_size: int = BATCH_SIZE,
             today: date | None = None) -> Iterator[int]:
    """Add ``n`` generated dossiers (see the module docstring), one step at a time.

    The first step writes the setup (years, organisations, accounts) and yields 0; every next
    step writes a batch of ``batch_size`` dossiers and yields how many are written so far.
    Every step leaves the database consistent (counters, year totals and the PostgreSQL id
    sequences move with it), so the caller may commit between steps (``flask seed-demo`` does,
    so that 100,000 dossiers do not sit in one giant transaction) and an interruption keeps
    whole batches only. Nothing is committed here.

    Needs the base demo data (``seed_base``: catalogue, staff accounts, a program year):
    RuntimeError otherwise; ValueError for a negative ``n``. Ids are assigned here (max(id) + 1
    per table, then the PostgreSQL sequences are moved past them): do not run it while the app
    is taking new dossiers. Running it again adds another ``n`` dossiers. ``today`` (default:
    today in Vietnam) bounds every generated date.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return
    today = today or local_today()
    now = datetime.combine(today, datetime.min.time()) - UTC_OFFSET
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    staff = load_staff()
    if db.session.scalar(select(func.count(CatalogueItem.id))) == 0:
        raise RuntimeError("Chưa có danh mục tiêu chuẩn, công cụ: chạy seed-demo trước.")
    ensure_years()
    ids = Ids()
    add_organisations(rng, ids, n // 20, now)
    add_member_accounts(ids, now)
    ids.sync_sequences()
    years = load_years(today)
    db.session.flush()
    yield 0
    generator = Generator(rng, ids, years, today, staff)
    for index in range(n):
        generator.make(index)
        if len(generator.dossiers) >= batch_size:
            generator.write_batch()
            yield index + 1
    if generator.dossiers:
        generator.write_batch()
        yield n
    db.session.expire_all()


def bulk_dossiers(n: int, *, seed: int = 43, batch_size: int = BATCH_SIZE,
                  today: date | None = None) -> tuple[int, float]:
    """Run every step of ``generate`` in the caller's transaction; return (count, seconds)."""
    started = time.perf_counter()
    for _ in generate(n, seed=seed, batch_size=batch_size, today=today):
        pass
    return n, time.perf_counter() - started
