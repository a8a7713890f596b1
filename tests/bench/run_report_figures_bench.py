"""The report figures alone, cold (memo off), in process: no page, no login, no template.

    .venv/bin/python tests/bench/run_report_figures_bench.py DATABASE_URL [CHECKOUT]

DATABASE_URL is a seeded database (e.g. one ``run_reports_bench.py`` made); CHECKOUT is the
source tree to import ``grants`` from (default: this one), so that two versions can be measured
on the same database in the same minutes. Each report runs 25 times in the year with the most
dossiers; printed: the median of the last 22 and the minimum wall time, and the median CPU time
of this process (which includes SQLite's work but not PostgreSQL's), with the load average.

A script, not a test: pytest does not collect it.
"""

import os
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    url = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).resolve().parents[2])
    sys.path.insert(0, root)
    from config import DevelopmentConfig
    from grants.app import create_app

    class Config(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        from sqlalchemy import func, select

        from grants.extensions import db
        from grants.models import Dossier, ProgramYear
        from grants.queries.reports.budget_execution import budget_execution
        from grants.queries.reports.demand import demand_summary
        from grants.queries.reports.processing import processing_report
        from grants.queries.reports.targets import target_report
        from grants.queries.reports.year_over_year import year_over_year

        year_id = db.session.execute(
            select(Dossier.program_year_id).group_by(Dossier.program_year_id)
            .order_by(func.count().desc()).limit(1)).scalar()
        year = db.session.get(ProgramYear, year_id)
        reports = {
            "budget execution": lambda: budget_execution(year),
            "target progress": lambda: target_report(year, cache_seconds=0),
            "demand summary": lambda: demand_summary(year, cache_seconds=0),
            "processing (figures, no overdue page)":
                lambda: processing_report(year, page=None, cache_seconds=0),
            "year over year": lambda: year_over_year(cache_seconds=0),
        }
        for name, report in reports.items():
            walls, cpus = [], []
            for _ in range(25):
                db.session.rollback()
                wall, cpu = time.perf_counter(), time.process_time()
                report()
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
            print(f"{name}: wall median {statistics.median(walls[3:]):.1f} ms, "
                  f"min {min(walls):.1f} ms; CPU median {statistics.median(cpus[3:]):.1f} ms")
    print("load average", ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
