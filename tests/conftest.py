"""Fixtures: app on a migrated database (SQLite file copy per test, or PostgreSQL truncated per
test when GRANTS_TEST_DATABASE_URL is set), client, login_as(role), factories."""

import contextvars
import os
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from config import TestConfig

PG_URL = os.environ.get("GRANTS_TEST_DATABASE_URL")
# The PostgreSQL pass keeps report figures and page fragments in Redis, as production does
# (db 7 by default: the worker tests flush db 6, GRANTS_TEST_REDIS_URL).
CACHE_REDIS_URL = os.environ.get("GRANTS_TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/7")

pytest_plugins = ["tests.factories"]


def _worker_url(tmp_root: Path, worker: str) -> str:
    if not PG_URL:
        return f"sqlite:///{tmp_root / 'template.sqlite'}"
    url = make_url(PG_URL)
    if worker == "master":
        return PG_URL
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from grants.app import create_app

    class MigrateConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(MigrateConfig)
    with app.app_context():
        from grants.extensions import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def shared_cache(worker_id):
    """On PostgreSQL with a Redis answering: the cache settings of every test app, under a key
    prefix of this test process alone (parallel workers and other runs on the same Redis never
    meet), whose keys are removed at the end. Otherwise nothing: each app's own SimpleCache."""
    if not PG_URL or not redis_answers(CACHE_REDIS_URL):
        yield {}
        return
    import uuid

    import redis

    prefix = f"grants-test-{uuid.uuid4().hex[:12]}-{worker_id}:"
    yield {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": CACHE_REDIS_URL,
           "CACHE_KEY_PREFIX": prefix}
    client = redis.Redis.from_url(CACHE_REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])


@pytest.fixture(scope="session")
def database_template(tmp_path_factory, worker_id):
    """A database at the migrations' head, built once per test process."""
    root = tmp_path_factory.mktemp("db")
    url = _worker_url(root, worker_id)
    _migrate(url)
    return url


def _truncate_all(db) -> None:
    """Empty every table. DELETE with triggers off (replica role) is far quicker than TRUNCATE
    on small tables, and passes the append-only triggers, which only the tests may do."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f"DELETE FROM {table}"))


class RequestClient(FlaskClient):
    """A test client whose every request runs as in production: in its own app context, so
    with its own ``g`` and its own database session, never the test body's.

    Flask reuses an app context that is already pushed when it pushes a request context, and
    the ``app`` fixture keeps one pushed for the test body (so that tests can use
    ``db.session`` directly). Each request therefore runs in an empty ``contextvars`` context,
    as a request in a fresh server thread does. Before each request, the test body's open
    transaction is committed: what the test set up is then what the request finds in the
    database, SQLite's write lock is released, and the test's objects are expired, so that
    reading them after the request reloads what the request wrote.

    ``with client:`` (keeping the request context after the request) is not supported.
    """

    def open(self, *args, **kwargs):
        from grants.extensions import db

        if has_app_context() and db.session().in_transaction():  # not in a redirect's request
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)

    def __enter__(self):
        raise TypeError("RequestClient does not keep request contexts (with client:)")


def _check_summaries(request, db) -> None:
    """After each test, the report summaries must equal what the test's data gives when
    recomputed from the source rows (issue 15.2): the whole suite's data is checked, in the
    test's own transaction when it is still usable, else in the committed state."""
    from sqlalchemy.exc import SQLAlchemyError

    from grants.services import summaries

    if request.node.get_closest_marker("summaries_unchecked"):
        return
    try:
        found = summaries.check()
    except SQLAlchemyError:
        db.session.rollback()
        found = summaries.check()
    if found:
        pytest.fail("report summaries differ from the source rows (table, key, recomputed, "
                    f"stored): {found[:5]}", pytrace=False)


@pytest.fixture
def app(database_template, tmp_path, shared_cache, request):
    from grants.app import create_app
    from grants.extensions import cache, db

    if PG_URL:
        url = database_template
    else:
        path = tmp_path / "test.sqlite"
        shutil.copyfile(make_url(database_template).database, path)
        url = f"sqlite:///{path}"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(tmp_path / "uploads")

    for name, value in shared_cache.items():
        setattr(Config, name, value)
    app = create_app(Config)
    app.test_client_class = RequestClient
    with app.app_context():
        if PG_URL:
            _truncate_all(db)
        if shared_cache:
            cache.clear()  # this session's keys: each test starts cold, as with its own app
        yield app
        try:
            _check_summaries(request, db)
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def db(app):
    from grants.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()
