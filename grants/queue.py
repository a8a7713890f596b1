"""The task queue (Huey): one instance for the whole app, configured by ``init_app``.

Tasks are declared at import time on ``huey`` with ``@task(...)`` / ``@periodic_task(...)``
from this module; ``init_app`` then points the instance at its storage according to the
settings:

- ``REDIS_URL`` set: Redis (production; every worker and web process shares it);
- otherwise a SQLite file (``HUEY_FILE``, default ``instance/huey.sqlite``), so ``make run``
  needs nothing else;
- ``HUEY_IMMEDIATE`` true (the tests): a task runs at once, in the process that enqueues it.

A task body runs inside an application context of the app that configured the queue (the
worker's, made by ``flask --app grants worker``), so it can use the database like a CLI
command: open a transaction with ``grants.db.atomic``.

Work that must follow a change of state is enqueued only once that change is committed
(``grants.db.after_commit``): a rolled-back transaction enqueues nothing.
"""

import functools
import importlib
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey
from huey import crontab as crontab  # re-exported for periodic tasks

huey = Huey("grants", immediate=True)
"""The app's queue. Until ``init_app`` runs it is in immediate mode (in-memory)."""

_app = None

TASK_MODULES: tuple[str, ...] = ("grants.services.mail", "grants.services.notifications",
                                 "grants.services.webhooks", "grants.services.jobs",
                                 "grants.web.idempotency")
"""Modules that declare tasks, imported by ``init_app`` so the worker knows every task (a task
enqueued by the web process must be registered in the worker under the same name)."""


def init_app(app) -> None:
    """Point ``huey`` at the storage named by the app's settings."""
    global _app
    _app = app
    redis_url = app.config.get("REDIS_URL") or ""
    immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if redis_url:
        huey.storage_class = RedisHuey.storage_class
        huey.storage_kwargs = {"url": redis_url}
    else:
        filename = app.config.get("HUEY_FILE") or str(Path(app.instance_path) / "huey.sqlite")
        huey.storage_class = SqliteHuey.storage_class
        huey.storage_kwargs = {"filename": filename}
    huey._immediate = immediate
    huey.storage = huey.create_storage()
    app.extensions["huey"] = huey
    for module in TASK_MODULES:
        importlib.import_module(module)


def _current_app():
    """The app whose work this is: the one of the current application context (a task run at
    once, in the request that enqueued it, belongs to that request's app), else the app that
    configured the queue (the worker's). Several apps live in one process in the tests (the
    browser tests serve more than one), so the last configured app is not always the right one."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        raise RuntimeError("grants.queue.init_app has not run: no application")
    return _app


def settings():
    """The settings of the app the queue runs for (its ``config``): what tasks read, without
    importing Flask below the edge."""
    return _current_app().config


def storage_name() -> str:
    """What the queue keeps its data in, for the README, the admin and the worker's banner."""
    if huey.immediate:
        return "immediate (in-process)"
    kwargs = huey.storage_kwargs
    return f"redis {kwargs['url']}" if "url" in kwargs else f"sqlite {kwargs['filename']}"


def _in_app_context(func):
    @functools.wraps(func)
    def run(*args, **kwargs):
        # A fresh application context (so a session of its own, never the enqueuer's).
        with _current_app().app_context():
            return func(*args, **kwargs)

    return run


def task(**options):
    """``@huey.task(**options)`` whose body runs in an application context."""
    def decorate(func):
        return huey.task(name=f"{func.__module__}.{func.__name__}", **options)(
            _in_app_context(func))

    return decorate


def periodic_task(validate_datetime, **options):
    """``@huey.periodic_task`` whose body runs in an application context."""
    def decorate(func):
        return huey.periodic_task(validate_datetime,
                                  name=f"{func.__module__}.{func.__name__}", **options)(
            _in_app_context(func))

    return decorate
