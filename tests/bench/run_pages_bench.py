"""In-process benchmark of the pages every signed-in user pays for: the empty authenticated
layout (navigation, bell, flash messages, CSRF token; no content) and the cached staff dossier
page, timed with the Flask test client, with the database round trips each request makes.

    .venv/bin/python tests/bench/run_pages_bench.py                  # SQLite
    GRANTS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python tests/bench/run_pages_bench.py              # PostgreSQL
    .venv/bin/python tests/bench/run_pages_bench.py --profile        # plus cProfile's top costs

The database (demo data plus ``--dossiers`` generated dossiers) is seeded once with
``flask --app grants seed-demo`` into /tmp/grants-pages-bench/ or the PostgreSQL database
grants_pagesbench_<N> (reused unless ``--reseed``). The app runs with the development settings
but the rate limiter on, as in production. The empty layout page is a route this script adds to
its own app (``/_bench/layout``, ``login_required``, ``_cached_page.html`` with no body); the
dossier page is the demo clerk's view of a paid dossier, its body already cached. Each page is
requested ``--repeat`` times after a warm-up: the figure is the median CPU time of this process
per request (for PostgreSQL it excludes the server's own work; wall time is printed beside it).

Target (issue 15): the empty layout page ≤ 1.5 ms per request in-process.

A script, not a test: pytest does not collect it.
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
FLASK = [sys.executable, "-m", "flask", "--app", "grants"]
CLERK = ("motcua@demo.vn", "demo12345")
TARGET_LAYOUT_MS = 1.5


def _env(url: str) -> dict:
    return {**os.environ, "GRANTS_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}


def prepare(dossiers: int, workdir: Path, reseed: bool) -> str:
    from sqlalchemy import create_engine, make_url, text

    base = os.environ.get("GRANTS_BENCH_DATABASE_URL")
    if base:
        url = make_url(base)
        name = f"grants_pagesbench_{dossiers}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name})
            if exists and reseed:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = False
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"pages-{dossiers}.sqlite"
        if reseed and path.exists():
            path.unlink()
        target = f"sqlite:///{path}"
    engine = create_engine(target)
    try:
        with engine.connect() as conn:
            have = conn.scalar(text("SELECT count(*) FROM dossiers"))
    except Exception:  # noqa: BLE001 - no schema yet
        have = 0
    finally:
        engine.dispose()
    if have < dossiers:
        subprocess.run([*FLASK, "db", "upgrade"], env=_env(target), cwd=ROOT, check=True,
                       capture_output=True)
        subprocess.run([*FLASK, "seed-demo", "--dossiers", str(dossiers - have)],
                       env=_env(target), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        if base:
            engine = create_engine(target, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("VACUUM ANALYZE"))
            engine.dispose()
    return target


def make_app(url: str):
    from flask import Blueprint, render_template
    from flask_login import login_required

    from config import DevelopmentConfig
    from grants.app import create_app

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = True
        RATELIMIT_ENABLED = True  # as in production: its before-request check is a cost
        TWO_FACTOR_REQUIRED = False

    app = create_app(BenchConfig)
    bench = Blueprint("bench", __name__)

    @bench.get("/_bench/layout")
    @login_required
    def layout():
        return render_template("_cached_page.html", title="Trang trống", body="")

    app.register_blueprint(bench)
    return app


def login(app):
    """A test client signed in as the demo clerk, the login's flash message already shown."""
    import re

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"email": CLERK[0], "password": CLERK[1]}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, ("the demo clerk cannot log in", response.status_code)
    client.get("/home")  # shows (and so drops) the welcome message
    return client


def sample_dossier(app) -> int:
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Dossier

    with app.app_context():
        return db.session.scalar(select(Dossier.id).where(Dossier.paid_vnd > 0)
                                 .order_by(Dossier.id).limit(1)) \
            or db.session.scalar(select(Dossier.id).order_by(Dossier.id).limit(1))


def timed(client, path: str, repeat: int) -> dict:
    for _ in range(20):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert "set-cookie" not in response.headers, (path, "a new cookie on every request")
    cpus, walls = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        response.get_data()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return {"cpu": statistics.median(cpus), "wall": statistics.median(walls)}


def round_trips(app, client, path: str):
    from grants.extensions import db
    from tests.round_trips import counted_round_trips

    with app.app_context():
        engine = db.engine
    with counted_round_trips(engine) as seen:
        client.get(path)
    return seen


def profile(client, path: str, repeat: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(path).get_data()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/grants-pages-bench"))
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top costs")
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    url = prepare(args.dossiers, args.workdir, args.reseed)
    app = make_app(url)
    client = login(app)
    dossier_id = sample_dossier(app)
    pages = [("empty authenticated layout", "/_bench/layout", TARGET_LAYOUT_MS),
             ("dossier page (clerk, body cached)", f"/dossiers/{dossier_id}", None),
             ("work queue (clerk, list cached)", "/intake/", None)]
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    load_before = os.getloadavg()
    lines = [f"### {backend}, {args.dossiers:,} generated dossiers, {args.repeat} requests each",
             "", "| page | CPU ms / request (median) | wall ms (median) | target | ok | "
             "round trips (statements + BEGIN/COMMIT/ROLLBACK) |", "|---|---:|---:|---|---|---|"]
    failed = False
    profiles = []
    for name, path, target in pages:
        figures = timed(client, path, args.repeat)
        seen = round_trips(app, client, path)
        ok = "—" if target is None else ("✅" if figures["cpu"] <= target else "❌")
        failed |= ok == "❌"
        lines.append(f"| {name} | {figures['cpu']:.2f} | {figures['wall']:.2f} | "
                     f"{f'≤ {target} ms' if target else '—'} | {ok} | {seen.total}: "
                     f"{len(seen.statements)} + {seen.begins} BEGIN + {seen.commits} COMMIT + "
                     f"{seen.rollbacks} ROLLBACK |")
        if args.profile:
            profiles.append(f"#### {name}\n" + profile(client, path, 300, args.top))
    load_after = os.getloadavg()
    lines += ["", f"Machine: {platform.node()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}; load average {load_before[0]:.1f} before, "
              f"{load_after[0]:.1f} after (1 min)."]
    print("\n".join(lines))
    for text in profiles:
        print("\n" + text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
