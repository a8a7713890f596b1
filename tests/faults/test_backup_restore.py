"""A backup restored into a new database gives the same reports, and the restored database takes
new work. The commands are the ones documented in README ("Security, backup and load"):

* SQLite: the online backup API (``sqlite3 grants.sqlite ".backup backup.sqlite"``), restored
  by copying back (``sqlite3 restored.sqlite ".restore backup.sqlite"``);
* PostgreSQL: ``pg_dump --format=custom --no-owner`` and ``pg_restore --no-owner
  --exit-on-error`` into a new, empty database (skipped if the tools are not on PATH).
"""

import dataclasses
import shutil
import sqlite3
import subprocess
import uuid

import pytest
from sqlalchemy import func, make_url, select, text

from tests.faults.server import (
    PG_URL,
    app_on,
    create_database,
    drop_database,
    migrated,
    scratch_database,
)

pytestmark = pytest.mark.slow

DOSSIERS = 400


def _plain(value):
    """Report values as plain data (dataclasses, tuples, enums) for an exact comparison."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _reports(db) -> dict:
    """The budget dashboard's figures and the report pages' data for every year, plus the row
    count of every table and the migration revision."""
    from grants.models import ProgramYear
    from grants.queries import budget as budget_queries
    from grants.queries.reports.budget_execution import budget_execution
    from grants.queries.reports.demand import demand_summary
    from grants.queries.reports.processing import on_time
    from grants.queries.reports.register import register_rows
    from grants.queries.reports.targets import target_report
    from grants.queries.reports.year_over_year import year_over_year

    figures: dict = {}
    for year in db.session.scalars(select(ProgramYear).order_by(ProgramYear.year)):
        figures[year.year] = _plain({
            "program": budget_queries.program_figures(year),
            "months": budget_queries.monthly_figures(year),
            "items": budget_queries.by_catalogue_item(year),
            "communes": budget_queries.by_commune(year),
            "statuses": budget_queries.dossiers_by_status(year),
            "unpaid": budget_queries.unpaid_totals(year.id),
            "closing": budget_queries.closing_figures(year),
            "budget_execution": budget_execution(year),
            "targets": target_report(year),
            "demand": demand_summary(year),
            "on_time": on_time(year.id),
        })
    figures["year_over_year"] = _plain(year_over_year())
    figures["register"] = _plain(list(register_rows()))
    figures["rows"] = {t.name: db.session.scalar(select(func.count()).select_from(t))
                       for t in db.metadata.sorted_tables}
    figures["revision"] = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()
    return figures


def _seed(db) -> None:
    from grants.demo import base, bulk

    base.seed_base()
    db.session.commit()
    for _ in bulk.generate(DOSSIERS, seed=7):  # committed batch by batch, as seed-demo does
        db.session.commit()
    db.session.commit()


def _takes_new_work(db) -> None:
    """Ids, sequences and counters came back too: a new dossier can be taken in."""
    from grants.domain.roles import Role
    from grants.models import Organisation, ProgramYear, User
    from grants.services import dossiers as svc
    from grants.services.dossiers import ItemInput

    clerk = next(u for u in db.session.scalars(select(User)) if Role.CLERK in u.roles)
    year = db.session.scalar(select(ProgramYear).where(ProgramYear.year == 2026))
    org = db.session.scalars(select(Organisation).order_by(Organisation.id.desc())).first()
    dossier = svc.create_draft(org, year, actor=clerk, channel="counter",
                               items=[ItemInput("KAIZEN", 30_000_000, 10_000_000)])
    svc.submit(dossier, actor=clerk)
    db.session.commit()


def _round_trip(tmp_path, url, backup, restore) -> None:
    uploads = tmp_path / "uploads"
    with app_on(migrated(url), uploads, REPORT_CACHE_SECONDS=0) as _:
        from grants.extensions import db

        _seed(db)
        before = _reports(db)
        assert before["rows"]["dossiers"] >= DOSSIERS and before["rows"]["ledger_entries"] > 0
        restored_url = restore(backup(url))
    try:
        with app_on(restored_url, uploads, REPORT_CACHE_SECONDS=0):
            from grants.extensions import db

            after = _reports(db)
            assert after == before
            _takes_new_work(db)
            db.session.remove()
            db.engine.dispose()
    finally:
        if restored_url.startswith("postgresql"):
            drop_database(PG_URL, make_url(restored_url).database)


@pytest.mark.skipif(bool(PG_URL), reason="the PostgreSQL pass runs the pg_dump round trip")
def test_sqlite_backup_and_restore_give_identical_reports(tmp_path):
    def backup(url: str):
        path = tmp_path / "grants-backup.sqlite"
        # The online backup API, as `sqlite3 grants.sqlite ".backup backup.sqlite"`: a
        # consistent copy even while the app is writing.
        source = sqlite3.connect(make_url(url).database)
        target = sqlite3.connect(path)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return path

    def restore(path):
        restored = tmp_path / "restored.sqlite"
        shutil.copyfile(path, restored)
        return f"sqlite:///{restored}"

    with scratch_database(tmp_path, "backup") as url:
        _round_trip(tmp_path, url, backup, restore)


@pytest.mark.skipif(not PG_URL, reason="needs GRANTS_TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                    reason="pg_dump / pg_restore are not on PATH")
def test_postgresql_dump_and_restore_give_identical_reports(tmp_path):
    def libpq(url: str) -> str:
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def backup(url: str):
        path = tmp_path / "grants.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}",
                        f"--dbname={libpq(url)}"], check=True, capture_output=True)
        return path

    def restore(path):
        name = f"{make_url(PG_URL).database}_restored_{uuid.uuid4().hex[:8]}"
        create_database(PG_URL, name)
        restored = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error",
                        f"--dbname={libpq(restored)}", str(path)], check=True,
                       capture_output=True)
        return restored

    with scratch_database(tmp_path, "backup") as url:
        _round_trip(tmp_path, url, backup, restore)
