"""Register export benchmark (issue 15 point 4): XlsxWriter, rustpy-xlsxwriter and PyExcelerate
writing the full register of 100,000 dossiers, in one run.

One command, from the repository root:

    .venv/bin/python tests/bench/run_export_bench.py [--size 100000] [--workdir /tmp/grants-bench]

On PostgreSQL, give a server URL as for run_reports_bench.py (GRANTS_BENCH_DATABASE_URL). The
database is seeded the way run_reports_bench.py does it (``db upgrade`` + ``seed-demo
--dossiers N``, reused when it already holds them). Each writer then runs in a subprocess of
its own, which reads every register row from the database with the app's streaming query
(``queries.reports.register.register_rows``) and writes the .xlsx to a temporary file; the
subprocess reports its wall time, CPU time and peak memory (``ru_maxrss``: the whole process,
Python, the app and the rows). A "read only" line measures the query alone, so the writers'
own share is the difference.

- ``xlsxwriter``: the previous export (XlsxWriter, constant_memory), layout of
  ``exports.spreadsheets.write_xlsx``;
- ``rustpy-xlsxwriter``: the export the app uses now (``exports.reports.write_register``:
  same layout, Rust writer, constant memory);
- ``pyexcelerate``: the same values and number formats, frozen header and merged title, but
  PyExcelerate has no autofilter, no print setup and needs every row in memory first;
- ``app job``: what the app runs (``services.jobs.run_job`` of a register job): the Rust
  writer fed by keyset pages of 2,000 rows, each page in its own transaction that also records
  the progress.

CPU s is the export's own CPU time (the app's start-up excluded): on a machine shared with
other work the wall time includes waiting for a core, and the CPU time is what the export
costs on an idle one. Peak MiB is the whole process (in brackets: once the app is loaded,
before the export). Targets: ≤ 8 s and ≤ 300 MiB at 100,000 rows. The result is a markdown
table on stdout. This is a script, not a test (pytest does not collect it).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_reports_bench import prepare  # noqa: E402 - the same seeding

TARGET_SECONDS = 8
TARGET_MIB = 300

WRITER = """
import json, resource, sys, tempfile, time
sys.path.insert(0, {root!r})
from config import DevelopmentConfig
from grants.app import create_app

class C(DevelopmentConfig):
    SQLALCHEMY_DATABASE_URI = {url!r}

app = create_app(C)
writer = {writer!r}
start = resource.getrusage(resource.RUSAGE_SELF)
cpu_before = start.ru_utime + start.ru_stime
rss_before = start.ru_maxrss / 1024
with app.app_context():
    from grants.exports import reports, spreadsheets
    from grants.queries.reports.register import register_rows

    rows = 0

    def counted():
        global rows
        for row in register_rows(None):
            rows += 1
            yield row

    wall = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        if writer == "read only":
            for _ in counted():
                pass
        elif writer == "xlsxwriter":
            spreadsheets.write_xlsx([reports.register_sheet(counted(), year=None)], target.name)
        elif writer == "rustpy-xlsxwriter":
            reports.write_register(counted(), target.name, year=None)
        elif writer == "app job":
            from pathlib import Path

            from sqlalchemy import select

            from grants.db import atomic
            from grants.extensions import db
            from grants.models import Job, User
            from grants.services import jobs

            app.config["EXPORT_DIR"] = tempfile.mkdtemp()
            with atomic():
                owner = db.session.scalar(select(User).where(User.email == "lanhdao@demo.vn"))
                job = Job(kind="register", owner_id=owner.id, parameters_json="{{}}")
                db.session.add(job)
                db.session.flush()
                job_id = job.id
            wall = time.perf_counter()
            jobs.run_job.call_local(job_id)
            with atomic():
                job = db.session.get(Job, job_id)
                rows, state = job.done, job.state
                path = Path(app.config["EXPORT_DIR"]) / (job.file_path or "missing")
                assert state == "done", (state, job.message)
            target.write(path.read_bytes())
            path.unlink()
        elif writer == "pyexcelerate":
            from pyexcelerate import Panes, Style, Workbook
            from pyexcelerate import Format as PxFormat

            sheet = reports.register_sheet(counted(), year=None)
            columns = list(sheet.columns)
            converters = [spreadsheets._CONVERTERS[c.kind] for c in columns]
            keys = [c.key for c in columns]
            data = [[sheet.title], [spreadsheets._subtitle_text(sheet)],
                    [c.header for c in columns]]
            data += [[convert(row.get(key)) for convert, key in zip(converters, keys)]
                     for row in sheet.rows]
            book = Workbook()
            ws = book.new_sheet(sheet.name, data=data)
            ws.range((1, 1), (1, len(columns))).merge()
            ws.range((2, 1), (2, len(columns))).merge()
            for index, column in enumerate(columns, 1):
                fmt = spreadsheets.NUMBER_FORMATS[column.kind]
                ws.set_col_style(index, Style(format=PxFormat(fmt),
                                              size=column.display_width))
            ws.panes = Panes(0, 3)
            book.save(target.name)
        target.seek(0, 2)
        size = target.tell()
    wall = time.perf_counter() - wall
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime - cpu_before,
                  "rows": rows, "bytes": size, "maxrss_mib": usage.ru_maxrss / 1024,
                  "before_mib": rss_before}}))
"""

WRITERS = ("read only", "xlsxwriter", "rustpy-xlsxwriter", "pyexcelerate", "app job")


def measure(url: str, writer: str) -> dict:
    out = subprocess.run([sys.executable, "-c", WRITER.format(root=str(ROOT), url=url,
                                                              writer=writer)],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--workdir", default="/tmp/grants-bench")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    url = prepare(args.size, args)
    backend = url.split(":", 1)[0]
    print(f"Register export of {args.size:,} seeded dossiers, {backend}, Python "
          f"{platform.python_version()}, {platform.machine()}; targets ≤ {TARGET_SECONDS} s and "
          f"≤ {TARGET_MIB} MiB\n")
    print("| writer | rows | wall s | CPU s | peak MiB (process; app loaded) | file MiB | target |")
    print("|---|---|---|---|---|---|---|")
    for writer in WRITERS:
        result = measure(url, writer)
        if "error" in result:
            print(f"| {writer} | failed: {result['error']} | | | | | |")
            continue
        # Judged on CPU time: on a shared machine the wall time mostly measures the others.
        met = "" if writer == "read only" else (
            "met" if result["cpu"] <= TARGET_SECONDS and result["maxrss_mib"] <= TARGET_MIB
            else "missed")
        print(f"| {writer} | {result['rows']:,} | {result['seconds']:.1f} | {result['cpu']:.1f} "
              f"| {result['maxrss_mib']:.0f} ({result['before_mib']:.0f}) "
              f"| {result['bytes'] / 2**20:.1f} | {met} |", flush=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nLoad average at the end: {load} ({os.cpu_count()} CPUs).")


if __name__ == "__main__":
    main()
