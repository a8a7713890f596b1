"""The change feeds skip nothing on PostgreSQL: an integrator reading ``GET /api/v1/events?after=``
and ``GET /api/v1/dossiers?updated_since=`` while two transactions commit out of the order in
which they started gets every event and every changed dossier.

The scene: the first transaction has made its change and is held just before it commits (a
subscriber that waits); the second makes its change and commits behind it; the integrator reads
both feeds meanwhile, then again from where it stopped once both are done. Without the
commit-order lock the second's event id and stamp were visible first, the integrator's cursor
passed them, and the first's (older id, older stamp) was never read.
"""

import threading

from sqlalchemy import text

from grants.domain.roles import Role
from grants.services import events
from tests.integration.test_budget_concurrency import postgres_only
from tests.walk import act, draft
from tests.web.test_webhooks_api import token_for  # noqa: F401 - the fixture

pytestmark = postgres_only


class Integrator:
    """Reads both feeds from where it stopped, as a client that keeps its cursors would."""

    def __init__(self, db, client, headers, since):
        self.client, self.headers = client, headers
        self.after = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM domain_events"))
        self.since = since
        self.events: list[int] = []
        self.dossiers: set[tuple[int, str]] = set()  # (id, state) as read

    def read(self) -> None:
        answer = self.client.get(f"/api/v1/events?after={self.after}&limit=500",
                                 headers=self.headers).get_json()
        self.events += [item["id"] for item in answer["items"]]
        self.after = answer["next_after"]
        answer = self.client.get("/api/v1/dossiers", headers=self.headers,
                                 query_string={"updated_since": self.since,
                                               "per_page": 100}).get_json()
        for item in answer["items"]:
            self.dossiers.add((item["id"], item["state"]))
            self.since = max(self.since, item["updated_at"])


def waiting_for_a_lock(db) -> bool:
    with db.engine.connect() as connection:
        return bool(connection.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")))


def test_feeds_skip_nothing_when_transactions_commit_out_of_order(app, db, world, client,
                                                                   token_for):  # noqa: F811
    first, second = draft(db, world), draft(db, world)
    ids = {"first": first.id, "second": second.id}
    clerk_id = world[Role.CLERK].id
    reader = Integrator(db, client, token_for(world[Role.APPRAISER]),
                        since="2000-01-01T00:00:00.000000+00:00")
    reader.read()  # up to date before the two submissions
    reader.events.clear()
    reader.dossiers.clear()
    db.session.commit()
    held, release = threading.Event(), threading.Event()

    def hold_the_first(_event):
        if threading.current_thread().name == "first":
            held.set()
            release.wait(timeout=30)

    done, errors = {}, []

    def submit(name):
        from grants.models import Dossier, User
        from grants.services import dossiers as svc

        with app.app_context():
            try:
                act(db, svc.submit, db.session.get(Dossier, ids[name]),
                    actor=db.session.get(User, clerk_id))
                done[name] = True
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    events.subscribe(hold_the_first)
    threads = {name: threading.Thread(target=submit, args=(name,), name=name)
               for name in ids}
    try:
        threads["first"].start()
        assert held.wait(timeout=30), "the first transaction never reached its commit"
        threads["second"].start()
        for _ in range(200):  # until the second is done or waits behind the first
            if "second" in done or waiting_for_a_lock(db):
                break
            threads["second"].join(timeout=0.05)
        assert "second" not in done, "the second committed before the first"
        reader.read()
        seen_while_held = list(reader.events), set(reader.dossiers)
    finally:
        release.set()
        for thread in threads.values():
            thread.join(timeout=60)
        events._subscribers.remove(hold_the_first)
    assert not errors and done == {"first": True, "second": True}
    reader.read()
    written = [row.id for row in db.session.execute(text(
        "SELECT id FROM domain_events WHERE dossier_id IN (:a, :b) ORDER BY id"),
        {"a": first.id, "b": second.id})]
    assert len(written) == 2, written
    assert seen_while_held[0] == [], "an event was visible before an older one"
    assert {state for _, state in seen_while_held[1]} <= {"draft"}, (
        "a dossier's change was visible before an older one")
    assert reader.events == written
    submitted = {(first.id, "submitted"), (second.id, "submitted")}
    assert submitted <= reader.dossiers


def test_ids_and_stamps_follow_the_commit_order_under_load(app, db, world):
    """Eight threads submit at once: the events' ids and the dossiers' stamps are in the same
    order (each transaction's both under the one lock)."""
    from tests.integration.test_budget_concurrency import run_together

    clerk_id = world[Role.CLERK].id
    for _ in range(3):
        dossier_ids = [draft(db, world).id for _ in range(8)]
        db.session.commit()

        def submit(i):
            from grants.models import Dossier, User
            from grants.services import dossiers as svc

            act(db, svc.submit, db.session.get(Dossier, dossier_ids[i]),
                actor=db.session.get(User, clerk_id))

        assert all(result is None for result in run_together(app, submit))
        rows = db.session.execute(text(
            "SELECT e.id, d.updated_at FROM domain_events e JOIN dossiers d "
            "ON d.id = e.dossier_id WHERE e.dossier_id = ANY(:ids) ORDER BY e.id"),
            {"ids": dossier_ids}).all()
        assert len(rows) == 8
        stamps = [row.updated_at for row in rows]
        assert stamps == sorted(stamps) and len(set(stamps)) == 8
        db.session.commit()
