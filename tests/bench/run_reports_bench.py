"""Scale benchmark: report pages, the budget dashboard, a register list and the register export.

One command, from the repository root:

    .venv/bin/python tests/bench/run_reports_bench.py

On PostgreSQL instead of SQLite, give a server URL (databases grants_bench_<N> are created on it):

    GRANTS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python tests/bench/run_reports_bench.py

For each size (default 1,000 and 100,000 dossiers) it seeds a scratch database with
``flask --app grants db upgrade`` and ``flask --app grants seed-demo --dossiers N`` (SQLite files
under /tmp/grants-bench; an existing database that already holds the dossiers is reused unless
``--reseed``; PostgreSQL tables are then VACUUM ANALYZEd, as autovacuum would), then measures
server time with the Flask test client, logged in as the demo leader: every page is requested twice
to warm up, then ``--repeat`` times (median, p95 and the median CPU time of this process, which
includes SQLite's work but not PostgreSQL's). Every
page is measured twice: with the report memo and the page fragments off
(``REPORT_CACHE_SECONDS = 0``: every request computes every figure and renders every row) and on
(the default: figures and rendered lists reused until the data changes). The full
register export (all years) runs in a subprocess that reports its wall time, CPU time and peak
memory (``ru_maxrss``). The result is a markdown table on stdout.

Targets (issue 6): each report page and the dashboard median ≤ 150 ms; the dashboard at 100,000
dossiers ≤ 3 × its time at 1,000; the list page median ≤ 80 ms; the export of 100,000 dossiers
≤ 20 s and ≤ 1 GiB. Issue 15.2: every report cold (memo off) ≤ 40 ms at 100,000 dossiers and
≤ 2 × its time at 1,000: a second table puts each report's cold median (and CPU) at each size
beside these targets. After seeding, ``flask check-summaries`` recomputes the report summaries
from the source rows; its verdict is printed under the tables.

This is a script, not a test: pytest does not collect it (no ``test_`` prefix, no test
functions), and it imports the app only when run.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "grants"]
LEADER = ("lanhdao@demo.vn", "demo12345")
TARGETS = {"report": 150, "dashboard": 150, "list": 80}
COLD_REPORT_MS = 40  # issue 15.2: every report cold at the largest size
COLD_REPORT_GROWTH = 2  # … and at most twice its time at the smallest


def _env(url: str) -> dict:
    return {**os.environ, "GRANTS_DATABASE_URL": url, "PYTHONPATH": str(ROOT),
            "GRANTS_RATELIMIT_ENABLED": "false"}


def _pg_database(base: str, size: int, reseed: bool, prefix: str = "grants_bench"
                 ) -> tuple[str, bool]:
    """URL of the scratch database for ``size`` on the server of ``base``; True if created."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(base)
    name = f"{prefix}_{size}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and reseed:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), not exists


def _dossier_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM dossiers")) or 0
    except Exception:  # noqa: BLE001 - no schema yet
        return 0
    finally:
        engine.dispose()


def prepare(size: int, args) -> str:
    """A database holding the demo data plus ``size`` generated dossiers; returns its URL."""
    base = os.environ.get("GRANTS_BENCH_DATABASE_URL")
    if base:
        url, _created = _pg_database(base, size, args.reseed, args.db_prefix)
    else:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"bench-{size}.sqlite"
        if args.reseed and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
    # Always upgraded: a database seeded before a migration gets its new tables (the report
    # summaries are filled from the existing rows by their migration).
    subprocess.run([*FLASK, "db", "upgrade"], env=_env(url), cwd=ROOT, check=True,
                   capture_output=True)
    if _dossier_count(url) >= size:
        print(f"… reusing {url} ({_dossier_count(url)} dossiers)", file=sys.stderr)
    else:
        started = time.perf_counter()
        subprocess.run([*FLASK, "seed-demo", "--dossiers", str(size)], env=_env(url), cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        print(f"… seeded {size} dossiers into {url} in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    if base:
        _analyze(url)
    return url


def check_summaries(url: str) -> dict:
    """``flask check-summaries`` on the seeded database: exit status, output and time."""
    started = time.perf_counter()
    out = subprocess.run([*FLASK, "check-summaries"], env=_env(url), cwd=ROOT,
                         capture_output=True, text=True)
    return {"exit": out.returncode, "seconds": time.perf_counter() - started,
            "output": (out.stdout + out.stderr).strip().splitlines()[-3:]}


def _analyze(url: str) -> None:
    """Table statistics and the visibility map, as autovacuum would leave them after a bulk
    load (a test server may run with autovacuum off: without statistics the planner guesses
    75 rows for 40,000, and without the visibility map no covering index is read alone)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _app(url: str):
    sys.path.insert(0, str(ROOT))
    from config import DevelopmentConfig
    from grants.app import create_app

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False

    return create_app(BenchConfig)


def _measure(client, url: str, repeat: int) -> dict:
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        response.close()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        _ = response.data
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        response.close()
    walls.sort()
    return {"median": statistics.median(walls),
            "p95": walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))],
            "cpu": statistics.median(cpus)}


def measure_pages(url: str, repeat: int) -> dict[str, dict]:
    app = _app(url)
    from sqlalchemy import func, select

    from grants.extensions import db
    from grants.models import Dossier, ProgramYear

    with app.app_context():
        year, year_id = db.session.execute(
            select(ProgramYear.year, ProgramYear.id)
            .join(Dossier, Dossier.program_year_id == ProgramYear.id)
            .group_by(ProgramYear.year, ProgramYear.id)
            .order_by(func.count(Dossier.id).desc()).limit(1)).one()
    client = app.test_client()
    response = client.post("/auth/login", data={"email": LEADER[0], "password": LEADER[1]})
    assert response.status_code == 302, "demo leader cannot log in"
    pages = {
        "report: budget execution": ("report", f"/reports/{year}/budget"),
        "report: target progress": ("report", f"/reports/{year}/targets"),
        "report: demand summary": ("report", f"/reports/{year}/demand"),
        "report: processing": ("report", f"/reports/{year}/processing"),
        "report: year over year": ("report", "/reports/years"),
        "budget dashboard": ("dashboard", f"/budget/?year={year}"),
        "register list (filtered, page 2)": (
            "list", f"/dossiers/?year={year_id}&status=assigned&page=2"),
        "register list (all, page 1)": ("list", "/dossiers/"),
    }
    results: dict[str, dict] = {}
    for memo in (0, 60):
        app.config["REPORT_CACHE_SECONDS"] = memo
        for name, (kind, path) in pages.items():
            label = f"{name} (memo on)" if memo else name
            results[label] = {"kind": kind, "url": path, **_measure(client, path, repeat)}
    app.config["REPORT_CACHE_SECONDS"] = 60
    for name in ("months", "demand items"):
        path = (f"/reports/{year}/charts/months.svg" if name == "months"
                else f"/reports/{year}/charts/items.svg")
        results[f"chart: {name} (SVG, no browser cache)"] = {
            "kind": "chart", "url": path, **_measure(client, path, max(5, repeat // 3))}
    results["_year"] = {"year": year}
    return results


EXPORT = """
import json, resource, sys, tempfile, time
sys.path.insert(0, {root!r})
from config import DevelopmentConfig
from grants.app import create_app
class C(DevelopmentConfig):
    SQLALCHEMY_DATABASE_URI = {url!r}
app = create_app(C)
with app.app_context():
    from grants.exports.reports import write_register
    from grants.queries.reports.register import register_rows
    rows = 0
    def counted():
        global rows
        for row in register_rows(None):
            rows += 1
            yield row
    wall = time.perf_counter()
    with tempfile.TemporaryFile() as target:
        write_register(counted(), target, year=None)
        size = target.tell()
    wall = time.perf_counter() - wall
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "rows": rows,
                  "bytes": size, "maxrss_mib": usage.ru_maxrss / 1024}}))
"""


def measure_export(url: str) -> dict:
    out = subprocess.run([sys.executable, "-c", EXPORT.format(root=str(ROOT), url=url)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _database_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return "PostgreSQL " + conn.scalar(text("SHOW server_version")).split()[0]
            return "SQLite " + conn.scalar(text("SELECT sqlite_version()"))
    finally:
        engine.dispose()


def _machine(database: str) -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, {database}; load average {load} at the end")


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def report(results: dict[int, dict], exports: dict[int, dict], backend: str,
           database: str, checks: dict[int, dict] | None = None) -> str:
    checks = checks or {}
    sizes = sorted(results)
    names = [n for n in results[sizes[0]] if not n.startswith("_")]
    head = "| page | target | " + " | ".join(
        f"{_n(s)} dossiers: median / p95 / CPU (ms)" for s in sizes) + " | ok |"
    lines = [f"### {backend}", "", head, "|" + "---|" * (len(sizes) + 3)]
    for name in names:
        kind = results[sizes[0]][name]["kind"]
        target = TARGETS.get(kind)
        cells, ok = [], True
        for s in sizes:
            r = results[s][name]
            cells.append(f"{r['median']:.0f} / {r['p95']:.0f} / {r['cpu']:.0f}")
            if target and r["median"] > target:
                ok = False
        verdict = ("✅" if ok else "❌") if target else "—"
        lines.append(f"| {name} | {f'≤ {target} ms' if target else '—'} | "
                     + " | ".join(cells) + f" | {verdict} |")
    if len(sizes) > 1:
        small, big = results[sizes[0]]["budget dashboard"], results[sizes[-1]]["budget dashboard"]
        ratio = big["median"] / small["median"]
        lines.append(f"| budget dashboard {_n(sizes[-1])} ÷ {_n(sizes[0])} | ≤ 3 × | "
                     f"{ratio:.2f} × | | {'✅' if ratio <= 3 else '❌'} |")
    for s in sorted(exports):  # none with --no-export
        e = exports[s]
        ok = e["seconds"] <= 20 and e["maxrss_mib"] <= 1024
        lines.append(f"| register export of {_n(e['rows'])} rows (all years, {_n(s)} seeded) | "
                     f"≤ 20 s, ≤ 1 GiB | {e['seconds']:.1f} s wall, {e['cpu']:.1f} s CPU, "
                     f"{e['maxrss_mib']:.0f} MiB peak, {e['bytes'] / 1e6:.1f} MB | | "
                     f"{'✅' if ok else '❌'} |")
    lines += ["", *_cold_reports(results, sizes)]
    for s in sizes:
        c = checks.get(s)
        if c:
            verdict = "no difference ✅" if c["exit"] == 0 else f"DIFFERENCES ❌ {c['output']}"
            lines.append(f"- `flask check-summaries` after seeding {_n(s)} dossiers: {verdict} "
                         f"({c['seconds']:.1f} s)")
    lines += ["", f"Measured on {_machine(database)}."]
    return "\n".join(lines)


def _cold_reports(results: dict[int, dict], sizes: list[int]) -> list[str]:
    """Issue 15.2: each report's cold median (memo off) at each size beside its targets."""
    small, big = sizes[0], sizes[-1]
    head = ("| report, cold (memo off) | " + " | ".join(
        f"{_n(s)}: median / CPU (ms)" for s in sizes)
        + f" | target ≤ {COLD_REPORT_MS} ms at {_n(big)} | ÷ {_n(small)} (≤ {COLD_REPORT_GROWTH} ×)"
        " | ok |")
    lines = [head, "|" + "---|" * (len(sizes) + 4)]
    for name in [n for n in results[small] if n.startswith("report: ") and "memo on" not in n]:
        cells = [f"{results[s][name]['median']:.1f} / {results[s][name]['cpu']:.1f}"
                 for s in sizes]
        top = results[big][name]["median"]
        ratio = top / results[small][name]["median"]
        ok = top <= COLD_REPORT_MS and ratio <= COLD_REPORT_GROWTH
        lines.append(f"| {name[len('report: '):]} | " + " | ".join(cells)
                     + f" | {top:.1f} ms | {ratio:.2f} × | {'✅' if ok else '❌'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--workdir", default="/tmp/grants-bench")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--db-prefix", default="grants_bench",
                        help="PostgreSQL scratch databases are named <prefix>_<size>")
    args = parser.parse_args()
    backend = "PostgreSQL" if os.environ.get("GRANTS_BENCH_DATABASE_URL") else "SQLite"
    results, exports, checks, url = {}, {}, {}, ""
    for size in args.sizes:
        url = prepare(size, args)
        checks[size] = check_summaries(url)
        print(f"… check-summaries at {size}: exit {checks[size]['exit']} "
              f"{checks[size]['output']}", file=sys.stderr)
        results[size] = measure_pages(url, args.repeat)
        if not args.no_export:
            exports[size] = measure_export(url)
    print(report(results, exports, backend, _database_version(url), checks))


if __name__ == "__main__":
    main()
