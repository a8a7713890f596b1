"""Chart benchmark (issue 15 point 6): each chart drawn cold, beside the 30 ms target.

One command, from the repository root:

    .venv/bin/python tests/bench/run_charts_bench.py [--size 1000] [--repeat 7]

The database is seeded as run_reports_bench.py does it (SQLite under --workdir, or
GRANTS_BENCH_DATABASE_URL for PostgreSQL). "Cold" is what the first request after a change
costs: the memo is off (``REPORT_CACHE_SECONDS = 0``) and the report charts' in-process cache
is emptied before each run, so every run reads the figures and draws the SVG. Each chart is
also drawn alone from the same figures ("draw"), so the query's share is the difference. The
floor lines are an empty pygal bar chart to SVG (what any chart drawn with it costs at least)
and, for comparison, matplotlib's empty figure with one axes (what the charts cost before
pygal, issue 15 point 6). Medians of ``--repeat`` runs, wall and CPU milliseconds (CPU is what
the chart costs on an idle machine; the wall time on a shared one includes waiting for a core).

This is a script, not a test (pytest does not collect it).
"""

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_reports_bench import _app, prepare  # noqa: E402 - the same seeding and app

TARGET_MS = 30


def timed(call, repeat: int, before=None) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``call()`` (``before()`` run untimed each time)."""
    walls, cpus = [], []
    for _ in range(repeat):
        if before:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def floor() -> None:
    import pygal

    graph = pygal.Bar(width=860, height=400, js=[])
    graph.add("", [1])
    graph.render()


def matplotlib_floor() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 5.5), dpi=96)
    fig.subplots()
    fig.savefig(io.BytesIO(), format="svg", metadata={"Date": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--workdir", default="/tmp/grants-bench")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    url = prepare(args.size, args)
    app = _app(url)
    app.config["REPORT_CACHE_SECONDS"] = 0

    from sqlalchemy import func, select

    from grants import charts
    from grants.extensions import db
    from grants.models import Dossier, ProgramYear
    from grants.web import budget_charts, reports

    drawn: list = []

    def recording(function):
        def record(*a, **kw):
            drawn.append((function, a, kw))
            return function(*a, **kw)
        return record

    for name in ("overview", "months", "items", "communes", "target", "forecast"):
        setattr(budget_charts, name, recording(getattr(charts, name)))
    reports.grouped_bars = recording(charts.grouped_bars)

    def clear():
        charts.grouped_bars.cache_clear()

    with app.test_request_context():
        number = db.session.execute(
            select(ProgramYear.year).join(Dossier, Dossier.program_year_id == ProgramYear.id)
            .group_by(ProgramYear.year).order_by(func.count(Dossier.id).desc()).limit(1)
        ).scalar_one()
        year = db.session.scalar(select(ProgramYear).where(ProgramYear.year == number))
        cases = {f"budget: {n}": (lambda n=n: budget_charts.budget_chart(n, year))
                 for n in budget_charts.BUDGET_CHARTS}
        cases.update({f"reports: {n}": (lambda n=n: reports.CHART_BUILDERS[n](year))
                      for n in reports.CHARTS if n not in ("overview", "months", "target")})
        cases.update({f"reports: years {n}": (lambda n=n: reports._years_chart(n))
                      for n in ("money", "on-time")})
        print(f"Charts cold, {args.size:,} seeded dossiers (year {number}), "
              f"{url.split(':', 1)[0]}, Python {platform.python_version()}; target ≤ {TARGET_MS} ms"
              f" cold; medians of {args.repeat}\n")
        print("| chart | cold wall ms | cold CPU ms | draw wall ms | draw CPU ms | SVG KiB "
              "| target |")
        print("|---|---|---|---|---|---|---|")
        for label, build in cases.items():
            build()  # imports, fonts and the first figure: the worker's start, not a chart
            drawn.clear()
            size = len(build())
            function, a, kw = drawn[-1]
            wall, cpu = timed(build, args.repeat, clear)
            draw_wall, draw_cpu = timed(lambda f=function, a=a, kw=kw: f(*a, **kw),
                                        args.repeat, clear)
            met = "met" if cpu <= TARGET_MS else "missed"
            print(f"| {label} | {wall:.0f} | {cpu:.0f} | {draw_wall:.0f} | {draw_cpu:.0f} "
                  f"| {size / 1024:.0f} | {met} |", flush=True)
        floor()
        wall, cpu = timed(floor, args.repeat)
        print(f"| floor: a one-bar pygal chart to SVG | | | {wall:.0f} | {cpu:.0f} | | |")
        matplotlib_floor()
        wall, cpu = timed(matplotlib_floor, args.repeat)
        print(f"| before: empty matplotlib axes to SVG | | | {wall:.0f} | {cpu:.0f} | | |")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nLoad average at the end: {load} ({os.cpu_count()} CPUs).")


if __name__ == "__main__":
    main()
