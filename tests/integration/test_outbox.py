"""The outbox and the task queue's hand-off: events are written with the change that causes
them, subscribers write in the same transaction, and work scheduled with ``after_commit``
runs after a commit, never after a rollback."""

import pytest
from sqlalchemy import select

from grants import queue
from grants.db import after_commit, atomic
from grants.domain.enums import EventKind
from grants.domain.errors import InvalidInput
from grants.domain.roles import Role
from grants.extensions import db
from grants.models import DomainEvent, SecurityEvent
from grants.services import audit, events, security_log
from grants.services import dossiers as svc
from tests.walk import draft, to_assigned


def kinds(dossier_id):
    return [(e.kind, e.payload.get("to_status")) for e in db.session.scalars(
        select(DomainEvent).where(DomainEvent.dossier_id == dossier_id)
        .order_by(DomainEvent.id))]


def test_each_change_of_state_is_one_event_with_the_dossier_and_organisation(db, world):
    dossier = draft(db, world)
    to_assigned(db, world, dossier)
    assert kinds(dossier.id) == [
        (EventKind.STATUS_CHANGED, "submitted"), (EventKind.STATUS_CHANGED, "received"),
        (EventKind.DOCUMENT_ISSUED, None),  # the receipt slip
        (EventKind.STATUS_CHANGED, "assigned")]
    last = db.session.scalars(select(DomainEvent).order_by(DomainEvent.id.desc())).first()
    assert last.organisation_id == world["org"].id
    assert last.payload["action"] == "assign" and last.payload["from_status"] == "received"


def test_a_failed_action_leaves_no_event_and_runs_nothing_after_commit(db, world):
    dossier = draft(db, world)
    ran = []
    with pytest.raises(InvalidInput), atomic():
        svc.submit(dossier, actor=world[Role.CLERK])
        after_commit(lambda: ran.append("after"))
        raise InvalidInput("giả lập lỗi sau khi đã nộp", "x")
    assert ran == []
    assert kinds(dossier.id) == []
    with atomic():
        after_commit(lambda: ran.append("after"))
    assert ran == ["after"]


def test_subscribers_write_in_the_transaction_as_it_commits(db, world):
    seen = []

    def subscriber(event):
        seen.append(event.id)
        security_log.record("forbidden", detail={"event": event.id})

    events.subscribe(subscriber)
    try:
        dossier = draft(db, world)
        with pytest.raises(RuntimeError), atomic():
            svc.submit(dossier, actor=world[Role.CLERK])
            raise RuntimeError("rolled back")
        assert seen == []  # nothing is published by an action that rolls back
        with atomic():
            svc.submit(dossier, actor=world[Role.CLERK])
        written = db.session.scalars(select(DomainEvent.id).where(
            DomainEvent.dossier_id == dossier.id)).all()
        assert seen == written and len(written) == 1
        assert [e.detail for e in db.session.scalars(select(SecurityEvent))] == [
            {"event": written[0]}]
    finally:
        events._subscribers.remove(subscriber)


def test_a_subscriber_that_fails_undoes_the_action(db, world):
    def subscriber(_event):
        raise RuntimeError("the subscriber failed")

    events.subscribe(subscriber)
    try:
        dossier = draft(db, world)
        with pytest.raises(RuntimeError, match="subscriber"), atomic():
            svc.submit(dossier, actor=world[Role.CLERK])
    finally:
        events._subscribers.remove(subscriber)
    assert dossier.status == "draft" and kinds(dossier.id) == []


def test_security_log_takes_the_origin_of_the_request(db, world):
    token = audit.set_origin("203.0.113.7")
    try:
        with atomic():
            security_log.record("login.failed", email="ai@vi.du", detail={"why": "password"})
    finally:
        audit.reset_origin(token)
    entry = db.session.scalars(select(SecurityEvent)).one()
    assert (entry.kind, entry.email, entry.ip, entry.detail) == (
        "login.failed", "ai@vi.du", "203.0.113.7", {"why": "password"})


def test_queue_tasks_run_in_an_app_context_after_the_commit(app, db):
    results = []

    @queue.task()
    def count_events():
        results.append(db.session.scalar(select(db.func.count(DomainEvent.id))))

    assert queue.huey.immediate  # TestConfig
    with atomic():
        after_commit(count_events)
    assert results == [0]


def test_the_queue_storage_follows_the_settings(app, tmp_path):
    from config import TestConfig
    from grants.app import create_app

    class SqliteQueue(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        HUEY_IMMEDIATE = False
        HUEY_FILE = str(tmp_path / "q.sqlite")

    class RedisQueue(SqliteQueue):
        REDIS_URL = "redis://127.0.0.1:6379/9"

    try:
        create_app(SqliteQueue)
        assert queue.storage_name() == f"sqlite {tmp_path / 'q.sqlite'}"
        create_app(RedisQueue)
        assert queue.storage_name() == "redis redis://127.0.0.1:6379/9"
    finally:
        queue.init_app(app)
    assert queue.huey.immediate
