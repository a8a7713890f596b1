"""The server killed (SIGKILL, master and workers at once) in the middle of a stream of approvals
and payments loses nothing it acknowledged, and the ledger is consistent after a restart.

The app runs under gunicorn (2 workers × 4 threads, production settings) on a scratch database
— a SQLite file, or a PostgreSQL database of its own when GRANTS_TEST_DATABASE_URL is set.
Approvals go through the JSON API with the leader's bearer token; payments through the finance
officer's web form (the API has no payment endpoint), with a session cookie and its CSRF token.
"""

import queue
import threading
import time

import pytest

from grants.db import local_today
from grants.domain.roles import Role
from tests.faults.server import Http, Server, app_on, migrated, scratch_database

pytestmark = pytest.mark.slow

PASSWORD = "matkhau-faults-1"
N_REVIEWED = 40      # approved over the API during the stream
N_APPROVED = 6       # approved at seed time, so payments start at once
INSTALMENTS = (30_000_000, 40_000_000)  # 70 M approved per dossier (50 M + 20 M)


def _seed(db) -> dict:
    """A year with room for every approval, one organisation per dossier (no double support),
    staff accounts, the leader's API token; dossiers reviewed (and some approved)."""
    from grants.demo.reference import CATALOGUE
    from grants.models import CatalogueItem, Organisation, ProgramYear, SupportRule, User
    from grants.services import accounts
    from grants.services import dossiers as svc
    from grants.services.year_defaults import setup_year_defaults
    from tests.walk import act, draft, to_reviewed

    items = [CatalogueItem(code=c, name=n, kind=k) for c, n, k in CATALOGUE
             if c in {"ISO9001", "5S"}]
    year = ProgramYear(year=2026, budget_vnd=100_000_000_000, committed_vnd=0, disbursed_vnd=0,
                       target_min=16, target_max=500, statutory_days=16)
    setup_year_defaults(year)
    for item in items:
        year.rules.append(SupportRule(catalogue_item=item, share_percent=50,
                                      cap_vnd=50_000_000))
    db.session.add_all([*items, year])
    people = {}
    for role in (Role.CLERK, Role.HEAD, Role.APPRAISER, Role.LEADER, Role.FINANCE):
        user = User(email=f"{role}@faults.test", full_name=f"Cán bộ {role}")
        user.set_password(PASSWORD)
        user.set_roles([role])
        db.session.add(user)
        people[role] = user
    db.session.commit()
    token = accounts.issue_api_token(people[Role.LEADER], label="faults")
    db.session.commit()

    reviewed, approved = [], []
    for n in range(N_REVIEWED + N_APPROVED):
        org = Organisation(name=f"Công ty Thử tải {n}", org_type="enterprise",
                           tax_code=f"09{n:08d}", commune="Phường Suối Hoa")
        applicant = User(email=f"org{n}@faults.test", full_name=f"Đại diện {n}",
                         organisation=org)
        applicant.set_password(PASSWORD)
        applicant.set_roles([Role.APPLICANT])
        db.session.add_all([org, applicant])
        db.session.commit()
        world = {**people, "applicant": applicant, "org": org, "year": year}
        dossier = to_reviewed(db, world, draft(db, world))
        if n < N_APPROVED:
            act(db, svc.approve, dossier, actor=people[Role.LEADER])
            approved.append(dossier.id)
        else:
            reviewed.append(dossier.id)
    return {"token": token, "reviewed": reviewed, "approved": approved,
            "finance": people[Role.FINANCE].email}


class Stream:
    """Approvals and payments fired from threads; every answer recorded."""

    def __init__(self, server: Server, seed: dict, voucher_prefix: str = "PC"):
        self.server, self.seed, self.prefix = server, seed, voucher_prefix
        self.results: list[dict] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.to_approve: queue.Queue = queue.Queue()
        self.to_pay: queue.Queue = queue.Queue()
        for dossier_id in seed["reviewed"]:
            self.to_approve.put(dossier_id)
        for dossier_id in seed["approved"]:
            self.to_pay.put((dossier_id, 0))
        self.vouchers = iter(range(1, 10_000))

    def record(self, **result):
        with self.lock:
            self.results.append(result)

    def count(self, kind: str, outcome: str = "ok") -> int:
        with self.lock:
            return sum(r["kind"] == kind and r["outcome"] == outcome for r in self.results)

    def _send(self, kind, call, **facts):
        try:
            status, headers, _ = call()
        except ConnectionRefusedError:
            self.record(kind=kind, outcome="not sent", **facts)
            return None
        except OSError as err:  # reset or timed out mid-request: committed or not, unknown
            self.record(kind=kind, outcome="unknown", error=repr(err), **facts)
            return None
        self.record(kind=kind, outcome="ok" if 200 <= status < 400 else "refused",
                    status=status, location=headers.get("Location"), **facts)
        return status, headers

    def approvals(self):
        client = Http(self.server.base)
        auth = {"Authorization": f"Bearer {self.seed['token']}"}
        while not self.stop.is_set():
            try:
                dossier_id = self.to_approve.get(timeout=0.2)
            except queue.Empty:
                return
            answer = self._send("approve", lambda d=dossier_id: client.request(
                "POST", f"/api/v1/dossiers/{d}/actions/approve", json_body={}, headers=auth),
                dossier_id=dossier_id)
            if answer and answer[0] == 200:
                self.to_pay.put((dossier_id, 0))

    def payments(self):
        client = Http(self.server.base)
        try:
            token = client.login(self.seed["finance"], PASSWORD)
        except (OSError, RuntimeError):
            if self.stop.wait(10):
                return  # killed before this thread had logged in
            raise
        today = local_today().strftime("%d/%m/%Y")
        while not self.stop.is_set():
            try:
                dossier_id, instalment = self.to_pay.get(timeout=0.2)
            except queue.Empty:
                continue
            with self.lock:
                voucher = f"{self.prefix}-{next(self.vouchers):04d}"
            amount = INSTALMENTS[instalment]
            answer = self._send("pay", lambda d=dossier_id, v=voucher, a=amount: client.request(
                "POST", f"/finance/dossiers/{d}/payments", form={
                    "csrf_token": token, "paid_on": today, "amount_vnd": str(a),
                    "voucher_no": v, "method": "transfer", "version": ""}),
                dossier_id=dossier_id, voucher=voucher, amount=amount)
            if answer and answer[0] == 302 and instalment + 1 < len(INSTALMENTS):
                self.to_pay.put((dossier_id, instalment + 1))

    def run_until_killed(self, kill, *, approvals: int, payments: int, timeout: float = 90):
        threads = [threading.Thread(target=self.approvals)]
        threads += [threading.Thread(target=self.payments) for _ in range(3)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (
                self.count("approve") >= approvals and self.count("pay") >= payments):
            time.sleep(0.01)
        kill()  # mid-stream: the threads are still sending
        self.stop.set()
        for thread in threads:
            thread.join(timeout=30)


def _check_database(db, results) -> list[str]:
    """Everything acknowledged is there; the counters equal the ledger."""
    from grants.domain.budget import EntryKind
    from grants.models import Dossier, LedgerEntry, ProgramYear
    from grants.services.ledger import check_consistency

    db.session.rollback()
    problems = []
    for r in results:
        if r["outcome"] != "ok":
            continue
        dossier = db.session.get(Dossier, r["dossier_id"])
        if r["kind"] == "approve":
            commitment = db.session.scalar(db.select(LedgerEntry).where(
                LedgerEntry.dossier_id == dossier.id,
                LedgerEntry.kind == EntryKind.COMMITMENT.value))
            if dossier.status != "approved" or dossier.approved_vnd != 70_000_000 \
                    or commitment is None:
                problems.append(f"approval of dossier {dossier.id} acknowledged but "
                                f"{dossier.status}/{dossier.approved_vnd}/{commitment}")
        elif r["location"] is None or "/finance/dossiers/" not in r["location"]:
            problems.append(f"payment answered {r['status']} to {r['location']}")
        else:
            entry = db.session.scalar(db.select(LedgerEntry).where(
                LedgerEntry.voucher_no == r["voucher"]))
            if entry is None or entry.amount_vnd != r["amount"] \
                    or entry.dossier_id != r["dossier_id"]:
                problems.append(f"payment {r['voucher']} acknowledged but stored as {entry}")
    for r in results:
        if r["outcome"] == "refused" and r["status"] >= 500:
            problems.append(f"{r['kind']} of dossier {r['dossier_id']}: {r['status']}")
    for year in db.session.scalars(db.select(ProgramYear)):
        problems += check_consistency(year)
        sums = dict(db.session.execute(
            db.select(LedgerEntry.kind, db.func.sum(LedgerEntry.amount_vnd))
            .where(LedgerEntry.program_year_id == year.id).group_by(LedgerEntry.kind)).all())
        if year.committed_vnd != sums.get("commitment", 0) - sums.get("commitment_release", 0) \
                or year.disbursed_vnd != sums.get("disbursement", 0) \
                - sums.get("disbursement_reversal", 0):
            problems.append(f"year {year.year}: counters differ from the ledger sums")
    overpaid = db.session.scalars(db.select(Dossier.id).where(
        Dossier.paid_vnd > Dossier.approved_vnd)).all()
    if overpaid:
        problems.append(f"paid more than approved: dossiers {overpaid}")
    db.session.rollback()
    return problems


def test_sigkill_mid_stream_loses_nothing_acknowledged(tmp_path):
    uploads = tmp_path / "uploads"
    with scratch_database(tmp_path, "faults") as url:
        migrated(url)
        with app_on(url, uploads):
            from grants.extensions import db

            seed = _seed(db)
            db.session.remove()
            db.engine.dispose()
        log = tmp_path / "gunicorn.log"
        server = Server(url, uploads, log).start()
        stream = Stream(server, seed)
        try:
            stream.run_until_killed(server.kill, approvals=10, payments=8)
        finally:
            server.kill()
        results = list(stream.results)
        ok = stream.count("approve") + stream.count("pay")
        in_flight = [r["kind"] for r in results if r["outcome"] == "unknown"]
        print(f"\nbefore the kill: {stream.count('approve')} approvals and "
              f"{stream.count('pay')} payments acknowledged; in flight: {in_flight}")
        assert stream.count("approve") >= 10 and stream.count("pay") >= 6, results[-5:]

        with app_on(url, uploads):
            from grants.extensions import db

            assert _check_database(db, results) == []

        # Restarted on the same database, it carries on: every dossier still waiting is
        # approved and paid its first instalment.
        server = Server(url, uploads, log).start()
        try:
            with app_on(url, uploads):
                from grants.extensions import db
                from grants.models import Dossier

                waiting = db.session.scalars(db.select(Dossier.id).where(
                    Dossier.status == "reviewed").order_by(Dossier.id)).all()
                db.session.rollback()
            resumed = Stream(server, {**seed, "reviewed": waiting, "approved": []}, "UNC")
            resumed.run_until_killed(lambda: None, approvals=len(waiting),
                                     payments=len(waiting), timeout=120)
        finally:
            server.stop()
        assert resumed.count("approve") == len(waiting)
        assert all(r["outcome"] == "ok" for r in resumed.results), [
            r for r in resumed.results if r["outcome"] != "ok"][:5]
        with app_on(url, uploads):
            from grants.extensions import db

            assert _check_database(db, results + resumed.results) == []
        assert ok > 0
