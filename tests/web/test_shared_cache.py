"""With a shared cache (``CACHE_TYPE = "RedisCache"``), what one worker computed is what every
other worker serves: two app instances on the same database (two gunicorn workers) compute a
report figure, a page fragment and a chart once between them, and again once after a change of
the data. Every memoised value travels pickled, and comes back equal.

Those tests are skipped when no Redis answers at GRANTS_TEST_CACHE_REDIS_URL (CI's PostgreSQL
pass has one). A Redis that does not answer slows pages but never breaks them, and production
uses the Redis of GRANTS_REDIS_URL unless told otherwise."""

import os
import pickle
import subprocess
import sys
import uuid

import pytest
import redis

from config import TestConfig
from grants.db import atomic
from grants.domain.roles import Role
from tests.conftest import CACHE_REDIS_URL, RequestClient, redis_answers
from tests.factories import PASSWORD
from tests.integration.test_ledger import new_dossier

needs_redis = pytest.mark.skipif(not redis_answers(CACHE_REDIS_URL),
                                 reason=f"no Redis answering at {CACHE_REDIS_URL}")


@pytest.fixture
def workers(app, db):
    """Two app instances on the test's database, sharing one Redis under a prefix of their own
    (removed afterwards)."""
    from grants.app import create_app
    from grants.extensions import db as extension_db

    prefix = f"grants-test-shared-{uuid.uuid4().hex[:12]}:"

    class Worker(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        CACHE_TYPE = "RedisCache"
        CACHE_REDIS_URL = CACHE_REDIS_URL
        CACHE_KEY_PREFIX = prefix

    made = [create_app(Worker), create_app(Worker)]
    for worker in made:
        worker.test_client_class = RequestClient
    db.session.commit()
    yield made
    for worker in made:
        with worker.app_context():
            extension_db.engine.dispose()
    client = redis.Redis.from_url(CACHE_REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def year(make_year):
    return make_year(budget_vnd=800_000_000)


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER, Role.FINANCE)


def approved(db, year, leader, make_org, commune="Xã Tiên Du"):
    from grants.services import ledger

    dossier = new_dossier(db, year, amounts=(40_000_000, 10_000_000),
                          org=make_org(commune=commune))
    with atomic():
        ledger.commit_approval(dossier, actor=leader, total_vnd=50_000_000)
    db.session.commit()
    return dossier


def stored(workers, part: str) -> list:
    """The keys in Redis of the workers' prefix holding ``part``."""
    prefix = workers[0].config["CACHE_KEY_PREFIX"]
    return list(redis.Redis.from_url(CACHE_REDIS_URL).scan_iter(match=f"{prefix}*{part}*"))


def counting(monkeypatch, module, name: str) -> list:
    """Count the calls of ``module.name`` (still calling it)."""
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@needs_redis
def test_a_figure_computed_by_one_worker_is_reused_by_the_other(db, workers, year, leader,
                                                               make_org, monkeypatch):
    from grants.queries.reports import demand

    approved(db, year, leader, make_org)
    computed = counting(monkeypatch, demand, "_demand_summary")
    year_id = year.id
    db.session.commit()  # SQLite: the test's own reads must not hold the lock

    def summary(worker):
        with worker.app_context():
            return demand.demand_summary(db.session.get(type(year), year_id))

    figures = [summary(worker) for worker in workers]
    assert len(computed) == 1
    assert stored(workers, "memo:demand:"), "the figure is in Redis, not in a process"
    assert figures[0] == figures[1] and figures[0].total.requested_vnd == 50_000_000

    approved(db, year, leader, make_org, commune="Phường Từ Sơn")  # a new stamp
    after = summary(workers[1])
    assert len(computed) == 2 and after.total.requested_vnd == 100_000_000
    assert summary(workers[0]) == after
    assert len(computed) == 2


@needs_redis
def test_a_fragment_and_a_chart_rendered_by_one_worker_are_served_by_the_other(
        db, workers, year, leader, make_org, monkeypatch):
    from grants.web import budget

    approved(db, year, leader, make_org)
    bodies = counting(monkeypatch, budget, "_dashboard_body")
    charts = counting(monkeypatch, budget, "budget_chart")
    clients = [worker.test_client() for worker in workers]
    email = leader.email
    db.session.commit()  # SQLite: the test's own reads must not hold the lock
    pages, svgs = [], []
    for client in clients:
        response = client.post("/auth/login", data={"email": email,
                                                    "password": PASSWORD})
        assert response.status_code == 302
        pages.append(client.get("/budget/").get_data(as_text=True))
        svgs.append(client.get("/budget/2026/charts/months.svg").data)
    assert len(bodies) == 1 and len(charts) == 1
    assert stored(workers, "fragment:budget-dashboard:") and stored(workers, "memo:budget.chart")
    assert "50.000.000 đ" in pages[0] and "50.000.000 đ" in pages[1]
    assert svgs[0] == svgs[1] and svgs[0].startswith(b"<?xml")

    approved(db, year, leader, make_org, commune="Phường Từ Sơn")  # a new stamp
    assert "100.000.000 đ" in clients[1].get("/budget/").get_data(as_text=True)
    clients[1].get("/budget/2026/charts/months.svg")
    assert len(bodies) == 2 and len(charts) == 2
    assert "100.000.000 đ" in clients[0].get("/budget/").get_data(as_text=True)
    clients[0].get("/budget/2026/charts/months.svg")
    assert len(bodies) == 2 and len(charts) == 2


@needs_redis
def test_every_memoised_value_pickles_and_comes_back_equal(db, workers, year, leader, make_org,
                                                           monkeypatch):
    """Every report page, the dashboard and every chart, with what they memoise recorded."""
    from grants.queries.reports import cache
    from grants.web.budget_charts import BUDGET_CHARTS
    from grants.web.reports import CHARTS

    approved(db, year, leader, make_org)
    stored = []
    original = cache.cache_set

    def recording(key, value, seconds):
        stored.append((key, value))
        original(key, value, seconds)

    monkeypatch.setattr(cache, "cache_set", recording)
    client = workers[0].test_client()
    email = leader.email
    db.session.commit()  # SQLite: the test's own reads must not hold the lock
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    urls = ["/budget/", "/reports/years", *(f"/budget/2026/charts/{n}.svg" for n in BUDGET_CHARTS),
            *(f"/reports/2026/{page}" for page in ("budget", "targets", "demand", "processing")),
            *(f"/reports/2026/charts/{n}.svg" for n in CHARTS),
            *(f"/reports/years/charts/{n}.svg" for n in ("money", "on-time"))]
    for url in urls:
        assert client.get(url).status_code == 200, url
    names = {key.split(":")[1] for key, _value in stored if key.startswith("memo:")}
    assert {"demand", "processing", "target", "years", "budget.dashboard", "budget.forecast",
            "reports.chart",
            *(f"budget.chart.{n}" for n in BUDGET_CHARTS)} <= names
    for key, value in stored:
        assert pickle.loads(pickle.dumps(value)) == value, key  # noqa: S301 - our own bytes
    with workers[1].app_context():
        from grants.extensions import cache as shared

        for key, value in stored:
            assert shared.get(key) == value, key


def test_pages_work_when_the_redis_does_not_answer(app, db, year, leader, make_org):
    """Nothing listens on port 1: every read and write of the cache fails, and is skipped."""
    from grants.app import create_app
    from grants.extensions import db as extension_db

    approved(db, year, leader, make_org)
    email = leader.email
    db.session.commit()

    class Down(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        CACHE_TYPE = "RedisCache"
        CACHE_REDIS_URL = "redis://127.0.0.1:1/0"

    down = create_app(Down)
    down.test_client_class = RequestClient
    client = down.test_client()
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    try:
        for _ in range(2):
            assert "50.000.000 đ" in client.get("/budget/").get_data(as_text=True)
            assert client.get("/budget/2026/charts/months.svg").status_code == 200
            assert client.get("/reports/2026/demand").status_code == 200
    finally:
        with down.app_context():
            extension_db.engine.dispose()


def test_a_redis_that_hangs_is_waited_on_once_then_left_alone_for_a_while(app, monkeypatch):
    """A port that accepts connections and never answers: the first read waits for the 0.5 s
    timeout; the reads and writes after it skip the store (no wait) until RETRY_SECONDS have
    passed, then it is tried again."""
    import socket
    import time

    from grants.app import create_app
    from grants.queries.reports import cache

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # never accepted: a connection is made, no answer ever comes

    class Hanging(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        CACHE_TYPE = "RedisCache"
        CACHE_REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"

    hanging = create_app(Hanging)
    try:
        with hanging.app_context():
            started = time.monotonic()
            assert cache.cache_get("memo:x") is None
            assert time.monotonic() - started >= 0.4  # waited for the timeout once
            started = time.monotonic()
            for _ in range(20):
                assert cache.cache_get("memo:x") is None
                cache.cache_set("memo:x", 1, 60)
            assert time.monotonic() - started < 0.2  # skipped: no wait at all
            later = time.monotonic() + cache.RETRY_SECONDS + 1
            monkeypatch.setattr(cache.time, "monotonic", lambda: later)
            started = time.perf_counter()
            assert cache.cache_get("memo:x") is None
            assert time.perf_counter() - started >= 0.4  # tried again after the pause
    finally:
        silent.close()


@pytest.mark.parametrize(("environment", "expected"), [
    ({"GRANTS_REDIS_URL": "redis://cache:6379/0"}, "RedisCache redis://cache:6379/0"),
    ({"GRANTS_REDIS_URL": "redis://cache:6379/0", "GRANTS_CACHE_TYPE": "SimpleCache"},
     "SimpleCache redis://cache:6379/0"),
    ({"GRANTS_REDIS_URL": "redis://cache:6379/0",
      "GRANTS_CACHE_REDIS_URL": "redis://other:6379/3"}, "RedisCache redis://other:6379/3"),
    ({}, "SimpleCache "),
])
def test_production_shares_the_cache_through_the_redis(environment, expected):
    code = "import config; c = config.ProductionConfig; print(c.CACHE_TYPE, c.CACHE_REDIS_URL)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**env, **environment})
    assert shown.stdout.rstrip("\n") == expected
