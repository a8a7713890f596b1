"""A running export records its progress in committed transactions of its own, page by page,
so another connection (the job page's poll) sees it move while the work goes on; plus the pure
rules of jobs (who may start what, percent, expiry) and reportlab's accelerator."""

from datetime import datetime, timedelta

from sqlalchemy import text

from grants.domain.jobs import JobKind, expiry, may_see, may_start, percent_done
from grants.domain.roles import Role
from tests import walk


def test_progress_is_committed_page_by_page(app, db, world, monkeypatch):
    from grants.db import atomic
    from grants.services import jobs

    for _ in range(5):
        walk.to_assigned(db, world, walk.draft(db, world))
    monkeypatch.setattr(jobs, "BATCH", 2)
    seen = []
    original = jobs.Progress.__call__

    def watched(self, done, **kw):
        original(self, done, **kw)
        with db.engine.connect() as other:  # another connection: only committed data
            seen.append(tuple(other.execute(
                text("SELECT done, total, state FROM jobs WHERE id = :id"),
                {"id": self.job_id}).one()))

    monkeypatch.setattr(jobs.Progress, "__call__", watched)
    with atomic():
        job = jobs.start_job("register", actor=world[Role.LEADER], parameters={"year": 2026})
    assert (0, 5, "running") in seen
    assert [done for done, total, state in seen if state == "running"][-4:] == [0, 2, 4, 5]
    db.session.refresh(job)
    assert job.state == "done" and job.done == job.total == 5


def test_who_may_start_and_see_a_job():
    class User:
        def __init__(self, id_, *roles):
            self.id, self.roles, self.is_authenticated = id_, set(roles), True

    class Job:
        owner_id = 1

    assert may_start(User(1, Role.HEAD), JobKind.REGISTER)
    assert not may_start(User(1, Role.HEAD), JobKind.YEAR_CLOSE)
    assert not may_start(User(1, Role.LEADER), JobKind.LEGACY_IMPORT)
    assert may_start(User(1, Role.ADMIN), JobKind.LEGACY_IMPORT)
    assert not may_start(User(1, Role.CLERK), JobKind.REGISTER)
    assert may_see(User(1, Role.CLERK), Job()) and not may_see(User(2, Role.ADMIN), Job())


def test_percent_and_expiry():
    assert percent_done(0, None) is None and percent_done(1, 3) == 33
    assert percent_done(5, 4) == 100 and percent_done(0, 0) is None
    assert expiry(datetime(2026, 1, 1), 7) == datetime(2026, 1, 1) + timedelta(days=7)


def test_reportlab_runs_on_its_c_accelerator():
    """rl-accel is installed and reportlab uses it (issue 15 point 5)."""
    from reportlab.lib import rl_accel

    assert rl_accel.fp_str.__module__ == "_rl_accel"
    assert rl_accel.unicode2T1.__module__ == "_rl_accel"


def test_a_lost_hand_off_to_the_queue_is_not_an_error_and_the_sweep_runs_the_job(
        app, db, world, monkeypatch):
    """The queue's storage down at the commit (Redis restarting): the export the leader asked
    for is saved, the request does not fail, the callbacks after it still run, and the sweep
    enqueues the job again; a second run of a job already claimed does nothing."""
    from grants.db import after_commit, atomic, utcnow
    from grants.models import Job
    from grants.services import jobs

    walk.to_assigned(db, world, walk.draft(db, world))

    def queue_down(_job_id):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    ran_after = []
    monkeypatch.setattr(jobs, "run_job", queue_down)
    with atomic():
        job = jobs.start_job("register", actor=world[Role.LEADER], parameters={"year": 2026})
        after_commit(lambda: ran_after.append("next callback"))
    monkeypatch.undo()
    job_id = job.id
    assert ran_after == ["next callback"]
    with atomic():
        assert db.session.get(Job, job_id, populate_existing=True).state == "queued"
        assert jobs.stalled_queued() == []  # not yet: it may still be in the queue
    with atomic():
        db.session.get(Job, job_id).created_at = utcnow() - jobs.REQUEUE_AFTER * 2
    with atomic():
        assert jobs.stalled_queued() == [job_id]
    assert jobs.requeue_stalled.call_local() == 1
    with atomic():
        assert db.session.get(Job, job_id, populate_existing=True).state == "done"
    assert jobs.run_job.call_local(job_id) is None  # claimed once, never run twice
