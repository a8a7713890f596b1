"""One generated dossier at a time: its state, items, amounts, decision, ledger entries and audit
trail, kept as rows of the current batch; ``write_batch`` inserts them."""

import random
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select, update

from grants.demo.bulk import words
from grants.demo.bulk.context import Item, Org, Year
from grants.demo.bulk.rows import Ids, dump, insert_rows, lock_counter, utc
from grants.demo.bulk.timeline import CREATE, Event, Timeline, reached
from grants.domain.budget import EntryKind
from grants.domain.enums import Channel, Outcome, PaymentMethod, Recommendation
from grants.domain.money import format_vnd, support_amount
from grants.domain.office_time import office_days_between
from grants.domain.roles import Role
from grants.domain.workflow import STEP_OF_STATUS
from grants.domain.workflow_states import DECIDED, TERMINAL, Action, Status
from grants.extensions import db
from grants.models import (
    Appraisal,
    AuditEvent,
    CatalogueItem,
    Counter,
    Decision,
    Dossier,
    DossierItem,
    LedgerEntry,
    Organisation,
    ProgramYear,
    SupplementRequest,
    User,
    UserRole,
)
from grants.services import summaries
from grants.services.ledger import AUDIT_ACTIONS
from grants.services.numbering import DOSSIER_SYMBOL
from grants.services.year_defaults import CHECKLIST, REASON_BUDGET, REASON_DOUBLE_SUPPORT

_BUDGET_STEP = 100_000_000

# Final states, in the order the first dossiers of a run take them:
# state: (weight in the current year, weight in a past year).
_STATUS_WEIGHTS = {
    Status.DRAFT: (6, 1), Status.SUBMITTED: (8, 0.3), Status.SUPPLEMENT_REQUESTED: (5, 2),
    Status.REFUSED: (4, 7), Status.RECEIVED: (7, 0.3), Status.ASSIGNED: (12, 0.5),
    Status.APPRAISED: (7, 0.3), Status.REVIEWED: (6, 0.3), Status.APPROVED: (5, 0.5),
    Status.REJECTED: (4, 1), Status.ISSUED: (6, 3), Status.RETURNED: (26, 77),
    Status.WITHDRAWN: (4, 6),
    # issue 14: waiting for papers asked after reception
    Status.SUPPLEMENT_BEFORE_ASSIGNMENT: (1, 0.1), Status.SUPPLEMENT_DURING_APPRAISAL: (2, 0.2),
}
# The state a withdrawn dossier was in: weights.
_WITHDRAWN_FROM = {
    Status.DRAFT: 2, Status.SUBMITTED: 2, Status.SUPPLEMENT_REQUESTED: 3, Status.RECEIVED: 1,
    Status.ASSIGNED: 2, Status.APPRAISED: 1, Status.REVIEWED: 1,
}


@lru_cache(maxsize=1 << 16)
def _support(eligible_cost: int, share_percent: int, cap: int, requested: int) -> int:
    """The domain's support rule, memoised: the same few thousand amounts recur."""
    return support_amount(eligible_cost_vnd=eligible_cost, share_percent=share_percent,
                          cap_vnd=cap, requested_vnd=requested)


def _roundup(amount: int, step: int) -> int:
    return -(-amount // step) * step


class _Line:
    """One requested item: cost and request, then the appraiser's eligible cost and proposal."""

    __slots__ = ("item", "cost", "requested", "eligible", "proposed")

    def __init__(self, item: Item, cost: int, requested: int):
        self.item, self.cost, self.requested = item, cost, requested
        self.eligible: int | None = None
        self.proposed: int | None = None


class Generator:
    """Makes dossiers (``make``) into the current batch and writes the batch (``write_batch``)."""

    def __init__(self, rng: random.Random, ids: Ids, years: list[Year], today: date,
                 staff: dict[Role, list[int]]):
        self.rng, self.ids, self.today = rng, ids, today
        self.years = years
        self.current = next((y for y in years if y.year == today.year), None)
        self.past = [y for y in years if y is not self.current]
        self.staff = staff
        self.timeline = Timeline(rng, self.current, self._staff_member)
        self.items = [Item(*r) for r in db.session.execute(
            select(CatalogueItem.id, CatalogueItem.code, CatalogueItem.kind)
            .where(CatalogueItem.is_active.is_(True)).order_by(CatalogueItem.id))]
        member = dict(db.session.execute(
            select(User.organisation_id, func.min(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.APPLICANT.value, User.organisation_id.is_not(None))
            .group_by(User.organisation_id)).all())
        self.orgs = [Org(oid, rep, phone, email, member.get(oid)) for oid, rep, phone, email
                     in db.session.execute(select(Organisation.id, Organisation.representative,
                                                  Organisation.phone, Organisation.email)
                                           .order_by(Organisation.id))]
        self.org_order = list(range(len(self.orgs)))
        rng.shuffle(self.org_order)
        self.supported: dict[int, set[int]] = {}
        for org_id, item_id in db.session.execute(
                select(Dossier.organisation_id, DossierItem.catalogue_item_id)
                .join(Dossier, Dossier.id == DossierItem.dossier_id)
                .where(DossierItem.approved_vnd > 0)):
            self.supported.setdefault(org_id, set()).add(item_id)
        self.statuses = list(_STATUS_WEIGHTS)
        self.current_weights = [_STATUS_WEIGHTS[s][0] for s in self.statuses]
        self.past_weights = [_STATUS_WEIGHTS[s][1] for s in self.statuses]
        self.reset_batch()

    def reset_batch(self) -> None:
        self.dossiers: list[dict] = []
        self.items_rows: list[dict] = []
        self.appraisals: list[dict] = []
        self.decisions: list[dict] = []
        self.ledger: list[dict] = []
        self.supplements: list[dict] = []
        self.audit: list[dict] = []
        self.codes: list[tuple[Year, dict]] = []

    # - choices ----------------------------------------------------------------------------------

    def _pick_year_and_status(self, index: int) -> tuple[Year, Status]:
        rng = self.rng
        if index < len(self.statuses):  # the first dossiers take one state each
            status = self.statuses[index]
            if status is Status.APPROVED:  # must survive the budget check: a growable year
                growable = [y for y in self.years if y.growable]
                if growable:
                    return growable[-1], status
            return self.current or self.years[-1], status
        if self.current is not None and (not self.past or rng.random() < 0.4):
            year, weights = self.current, self.current_weights
        else:
            year, weights = rng.choice(self.past), self.past_weights
        return year, rng.choices(self.statuses, weights)[0]

    def _pick_org(self, index: int, status: Status) -> Org:
        org = (self.orgs[self.org_order[index]] if index < len(self.orgs)
               else self.rng.choice(self.orgs))
        if index < len(self.statuses) and status is Status.APPROVED:
            # The forced approval must not fall to the double-support rule.
            org = next((o for o in self.orgs if len(self.supported.get(o.id, ())) < 16), org)
        return org

    def _staff_member(self, role: Role) -> int:
        people = self.staff[role]
        return people[0] if len(people) == 1 else self.rng.choice(people)

    def _request(self, year: Year, org: Org, outcome: Outcome | None
                 ) -> tuple[list[_Line], str | None]:
        """1–3 distinct items with their cost; the request is the year's rule applied to the
        whole cost. An approval avoids items the organisation was already supported for (the
        double-support reason when it cannot)."""
        rng = self.rng
        eligible = [i for i in self.items if i.id in year.rules]
        k = rng.choices((1, 2, 3), (55, 30, 15))[0]
        special_reason = None
        pool = eligible
        if outcome is Outcome.APPROVED:
            supported = self.supported.get(org.id, set())
            fresh = [i for i in eligible if i.id not in supported]
            if fresh:
                pool = fresh
            else:
                special_reason = REASON_DOUBLE_SUPPORT
        chosen = rng.sample(pool, min(k, len(pool)))
        lines = []
        for item in chosen:
            share, cap = year.rules[item.id]
            cost = rng.randint(300, 2500) if item.kind == "standard" else rng.randint(150, 1500)
            cost *= 100_000
            lines.append(_Line(item, cost, _support(cost, share, cap, cost)))
        return lines, special_reason

    def _appraise(self, year: Year, lines: list[_Line]) -> int:
        """Eligible cost (sometimes below the cost) and proposed support per line; the total."""
        rng = self.rng
        for line in lines:
            share, cap = year.rules[line.item.id]
            eligible = line.cost
            if rng.random() >= 0.85:
                eligible -= rng.randint(1, line.cost // 500_000) * 100_000
            line.eligible = eligible
            line.proposed = _support(eligible, share, cap, line.requested)
        return sum(line.proposed for line in lines)

    def _over_budget(self, year: Year, total: int) -> bool:
        # The current year keeps 40 % of its budget free, so the demo's leaders can still
        # approve the dossiers waiting in their queues.
        reserve = year.budget * 2 // 5 if year is self.current else 0
        free = year.budget - reserve - year.committed - year.pending_commit
        return not year.growable and total > free

    def _reasons(self, year: Year, outcome: Outcome | None, appraised: bool,
                 special_reason: str | None) -> list[str] | None:
        """The rejection reasons (or an appraiser's doubts on a dossier not yet decided)."""
        rng = self.rng
        if not (outcome is Outcome.REJECTED or (appraised and outcome is None
                                                and rng.random() < 0.2)):
            return None
        if special_reason:
            return [special_reason]
        pool = [r for r in year.reasons if r not in (REASON_BUDGET, REASON_DOUBLE_SUPPORT)]
        count = rng.choice((1, 1, 2)) if len(pool) > 1 else 1
        return rng.sample(pool or year.reasons, count)

    # - one dossier ------------------------------------------------------------------------------

    def _target_and_outcome(self, status: Status) -> tuple[Status, Outcome | None]:
        """The state the dossier went to (before a withdrawal) and the decision on it."""
        rng = self.rng
        target = status
        if status is Status.WITHDRAWN:
            target = rng.choices(list(_WITHDRAWN_FROM), list(_WITHDRAWN_FROM.values()))[0]
        if target not in DECIDED:
            return target, None
        if target is Status.APPROVED:
            return target, Outcome.APPROVED
        if target is Status.REJECTED:
            return target, Outcome.REJECTED
        return target, Outcome.APPROVED if rng.random() < 0.7 else Outcome.REJECTED

    def _channels_and_people(self, org: Org, target: Status
                             ) -> tuple[Channel, Channel, int, int | None, int | None]:
        """(channel, return channel, clerk, who files, assigned appraiser)."""
        rng = self.rng
        channel = rng.choices((Channel.ONLINE, Channel.COUNTER, Channel.POST), (55, 35, 10))[0]
        if org.member_id is None and channel is Channel.ONLINE:
            channel = Channel.COUNTER
        if target is Status.SUBMITTED and channel is Channel.COUNTER:
            channel = Channel.POST  # at the counter the clerk receives it on the spot
        return_channel = channel if rng.random() < 0.8 else rng.choice(list(Channel))
        clerk = self._staff_member(Role.CLERK)
        applicant = org.member_id if channel is Channel.ONLINE else clerk
        assignee = (self._staff_member(Role.APPRAISER)
                    if reached(target, Status.ASSIGNED)
                    or target is Status.SUPPLEMENT_DURING_APPRAISAL else None)
        return channel, return_channel, clerk, applicant, assignee

    def make(self, index: int) -> None:
        """Generate dossier number ``index`` of the run into the current batch."""
        year, status = self._pick_year_and_status(index)
        org = self._pick_org(index, status)
        target, outcome = self._target_and_outcome(status)
        appraised = reached(target, Status.APPRAISED)

        lines, special_reason = self._request(year, org, outcome)
        dossier_id = self.ids.take(Dossier)
        total = self._appraise(year, lines) if appraised else 0
        if (outcome is Outcome.APPROVED and special_reason is None
                and self._over_budget(year, total)):
            special_reason = REASON_BUDGET
        if special_reason is not None:
            outcome = Outcome.REJECTED
            if target is Status.APPROVED:
                target = Status.REJECTED
                if status is Status.APPROVED:
                    status = Status.REJECTED
        approved = total if outcome is Outcome.APPROVED else 0
        if approved:
            year.pending_commit += approved
            self.supported.setdefault(org.id, set()).update(line.item.id for line in lines)

        channel, return_channel, clerk, applicant, assignee = self._channels_and_people(
            org, target)
        events = self.timeline.events(year, status, target, outcome, channel,
                                      applicant=applicant, clerk=clerk, member=org.member_id,
                                      assignee=assignee)
        when = {e.action: e.local for e in events}
        received = when.get(Action.RECEIVE)
        clock_start = due = None
        if received is not None:
            clock_start = year.calendar.clock_start(received)
            due = year.due(clock_start)
        step_key = STEP_OF_STATUS.get(status)
        step_due = None
        if step_key is not None and clock_start is not None:
            step_due = year.step_due(clock_start, str(step_key))
        decided = when.get(Action.APPROVE) or when.get(Action.REJECT)
        finished = events[-1].local if status in TERMINAL else None
        submitted = when.get(Action.RESUBMIT) or when.get(Action.SUBMIT)

        # Money: commitment at the decision, payments after the documents are issued.
        paid = self._ledger(year, dossier_id, approved, events, decided) if approved else 0

        self.dossiers.append({
            "id": dossier_id, "code": None, "organisation_id": org.id,
            "program_year_id": year.id, "channel": channel.value,
            "return_channel": return_channel.value, "status": status.value,
            "outcome": outcome.value if outcome else None,
            "submitter_name": org.representative, "submitter_phone": org.phone,
            "submitter_email": org.email, "note": None,
            "submitted_at": _utc_or_none(submitted), "received_at": _utc_or_none(received),
            "clock_started_at": _utc_or_none(clock_start), "due_at": _utc_or_none(due),
            "step_key": str(step_key) if step_key is not None else None,
            "step_due_at": _utc_or_none(step_due), "decided_at": _utc_or_none(decided),
            "finished_at": _utc_or_none(finished),
            "assignee_id": assignee, "approved_vnd": approved, "paid_vnd": paid,
            "recovered_vnd": 0, "repaid_vnd": 0,
            "created_by_id": applicant, "created_at": utc(events[0].local), "version": 1,
            "external_ref": None, "updated_at": utc(max(e.local for e in events)),
            # The sums the app keeps on every dossier (grants.models.dossier._sum_items).
            "item_count": len(lines), "items_cost_vnd": sum(line.cost for line in lines),
            "items_requested_vnd": sum(line.requested for line in lines),
        })
        self.codes.append((year, self.dossiers[-1]))
        reasons = self._reasons(year, outcome, appraised, special_reason)
        # Over budget is the leadership's call on a supported dossier; anything else was
        # already the appraiser's recommendation (proposed amounts 0, as the app records it).
        recommend = Recommendation.REJECT if reasons and special_reason != REASON_BUDGET \
            else Recommendation.SUPPORT
        if recommend is Recommendation.REJECT:
            for line in lines:
                line.proposed = 0 if appraised else None
        self._item_rows(year, dossier_id, lines, outcome)
        proposed = {line.item.code: line.proposed for line in lines}
        details = {
            CREATE: {"items": [line.item.code for line in lines], "channel": channel.value},
            Action.RECEIVE: {"due_at": utc(due).isoformat() if due else None, "warnings": []},
            Action.APPRAISE: {"recommendation": recommend.value, "proposed": proposed},
            Action.APPROVE: {"total_vnd": approved, "overrides": {}, "items": proposed},
            Action.REJECT: {"reasons": reasons},
        }
        if appraised:
            reviewed = when.get(Action.REVIEW)
            self.appraisals.append({
                "id": self.ids.take(Appraisal), "dossier_id": dossier_id, "round": 1,
                "appraiser_id": assignee, "documents_ok": True, "documents_note": None,
                "recommendation": recommend.value,
                "reasons_json": dump(reasons) if recommend is Recommendation.REJECT else None,
                "conclusion": (f"Đề xuất hỗ trợ {format_vnd(total)}."
                               if recommend is Recommendation.SUPPORT
                               else "Đề xuất không hỗ trợ."),
                "completed_at": utc(when[Action.APPRAISE]), "review_note": None,
                "reviewed_by_id": _actor(events, Action.REVIEW),
                "reviewed_at": _utc_or_none(reviewed),
                "created_at": utc(when[Action.ASSIGN]),
            })
        if outcome is not None:
            self.decisions.append({
                "id": self.ids.take(Decision), "dossier_id": dossier_id,
                "outcome": outcome.value, "authority": year.authority, "total_vnd": approved,
                "reasons_json": dump(reasons) if outcome is Outcome.REJECTED else None,
                "next_steps": None, "note": None,
                "decided_by_id": _actor(events, Action.APPROVE, Action.REJECT),
                "decided_at": utc(decided), "document_id": None,
                "signer_name": year.signer_name,
                # Demo decisions are the Department's (no People's Committee's number).
                "committee_number": None, "committee_decided_on": None,
            })
        self._history(events, year.id, dossier_id, details)

    def _item_rows(self, year: Year, dossier_id: int, lines: list[_Line],
                   outcome: Outcome | None) -> None:
        for line in lines:
            item = line.item
            evidence = (f"Giấy chứng nhận {item.code} số {self.rng.randint(100, 9999)}/{year.year}"
                        if item.kind == "standard" else
                        f"Biên bản nghiệm thu áp dụng {item.code} năm {year.year}")
            self.items_rows.append({
                "id": self.ids.take(DossierItem), "dossier_id": dossier_id,
                "catalogue_item_id": item.id, "evidence": evidence,
                "consulting_cost_vnd": line.cost, "requested_vnd": line.requested,
                "eligible_cost_vnd": line.eligible, "proposed_vnd": line.proposed,
                "approved_vnd": line.proposed if outcome is Outcome.APPROVED else None,
                "double_support_override": None,
            })

    # - audit trail and ledger -------------------------------------------------------------------

    def _audit_row(self, *, at: datetime, actor: int | None, action: str, object_type: str,
                   object_id: int, dossier_id: int, year_id: int, after: dict | None = None,
                   note: str | None = None, from_status: str | None = None,
                   to_status: str | None = None, step_days=None) -> None:
        self.audit.append({
            "id": self.ids.take(AuditEvent), "at": at, "actor_id": actor, "action": action,
            "object_type": object_type, "object_id": object_id, "dossier_id": dossier_id,
            "from_status": from_status, "to_status": to_status, "before_json": None,
            "after_json": dump(after) if after is not None else None, "note": note,
            "ip": None, "program_year_id": year_id, "step_days": step_days,
        })

    def _history(self, events: list[Event], year_id: int, dossier_id: int,
                 details: dict) -> None:
        """One audit event per step, with the details the app's services record (and the
        step's office time, as grants.models.audit fills it for the app's events)."""
        rng = self.rng
        previous: Status | None = None
        changed_at: datetime | None = None
        resubmitted = next((e.local for e in events if e.action is Action.RESUBMIT), None)
        for event in events:
            note, after = None, details.get(event.action)
            if event.action is Action.REFUSE:
                note = rng.choice(words.REFUSALS)
            elif event.action in (Action.REQUEST_SUPPLEMENT, Action.REQUEST_PAPERS):
                items = [{"label": rng.choice(CHECKLIST)[1],
                          "note": rng.choice(words.SUPPLEMENT_NOTES)}]
                after = {"items": items}
                self.supplements.append({
                    "id": self.ids.take(SupplementRequest), "dossier_id": dossier_id,
                    "items_json": dump(items), "requested_by_id": event.actor,
                    "requested_at": utc(event.local), "answered_at": _utc_or_none(resubmitted),
                    "answer_note": "Đã nộp bổ sung theo yêu cầu." if resubmitted else None,
                })
            at = utc(event.local)
            self._audit_row(
                at=at, actor=event.actor, action=f"dossier.{event.action}",
                object_type="Dossier", object_id=dossier_id, dossier_id=dossier_id,
                year_id=year_id, after=after, note=note,
                from_status=previous.value if previous else None, to_status=event.to.value,
                step_days=office_days_between(changed_at, at) if changed_at else None)
            previous, changed_at = event.to, at

    def _ledger(self, year: Year, dossier_id: int, approved: int, events: list[Event],
                decided: datetime) -> int:
        """The commitment at the decision, then payments after the documents are issued (a few
        paid to a wrong account, reversed and paid again); returns the amount paid."""
        rng = self.rng
        leader = _actor(events, Action.APPROVE)
        self._entry(year, dossier_id, EntryKind.COMMITMENT, approved, decided, leader)
        issued = next((e for e in events if e.action is Action.ISSUE), None)
        returned = any(e.action is Action.RETURN_RESULT for e in events)
        if issued is None or rng.random() > (0.9 if returned else 0.4):
            return 0
        if rng.random() < 0.75:
            parts = [approved]
        elif rng.random() < 0.7:
            first = approved // 2 // 1000 * 1000
            parts = [first, approved - first]
        else:
            parts = [approved * rng.randint(3, 7) // 10 // 1000 * 1000 or approved]
        finance = self._staff_member(Role.FINANCE)
        day = issued.day
        paid = 0
        for amount in parts:
            day += rng.randint(2, 15)
            if day > year.last:
                break
            moment = year.midnight[day] + timedelta(minutes=480 + rng.randrange(240))
            if rng.random() < 0.03:  # paid to the wrong account, reversed, then paid again
                wrong = self._entry(year, dossier_id, EntryKind.DISBURSEMENT, amount, moment,
                                    finance)
                moment += timedelta(minutes=rng.randint(30, 180))
                self._entry(year, dossier_id, EntryKind.DISBURSEMENT_REVERSAL, amount, moment,
                            finance, reverses=wrong, reason="Chuyển nhầm tài khoản thụ hưởng.")
                moment += timedelta(minutes=rng.randint(10, 60))
            self._entry(year, dossier_id, EntryKind.DISBURSEMENT, amount, moment, finance)
            paid += amount
        return paid

    def _entry(self, year: Year, dossier_id: int, kind: EntryKind, amount: int,
               moment: datetime, actor: int, *, reverses: int | None = None,
               reason: str | None = None) -> int:
        entry_id = self.ids.take(LedgerEntry)
        method = bank = voucher = None
        if kind is EntryKind.DISBURSEMENT:
            voucher = f"PC{year.year % 100:02d}-{entry_id:07d}"
            method = PaymentMethod.TRANSFER if self.rng.random() < 0.9 else PaymentMethod.CASH
            if method is PaymentMethod.TRANSFER:
                bank = f"{self.rng.choice(words.BANKS)}{self.rng.randrange(10**10):010d}"
            method = method.value
            year.pending_disburse += amount
        elif kind is EntryKind.DISBURSEMENT_REVERSAL:  # as the app: the payment's voucher
            paid = next(r for r in reversed(self.ledger) if r["id"] == reverses)
            voucher, method = paid["voucher_no"], paid["method"]
            year.pending_disburse -= amount
        row = {
            "id": entry_id, "program_year_id": year.id, "dossier_id": dossier_id,
            "kind": kind.value, "amount_vnd": amount, "reverses_id": reverses,
            "entry_on": moment.date(), "voucher_no": voucher, "method": method,
            "bank_reference": bank, "reason": reason, "created_by_id": actor,
            "created_at": utc(moment), "pending_payment_id": None,
            "payee_account_no": None, "payee_bank": None, "payee_branch": None,
        }
        self.ledger.append(row)
        facts = {"entry_id": entry_id, "kind": kind.value, "amount_vnd": amount,
                 "reverses_id": reverses, "entry_on": row["entry_on"].isoformat(),
                 "voucher_no": voucher, "method": method, "bank_reference": bank}
        self._audit_row(at=utc(moment), actor=actor, action=AUDIT_ACTIONS[kind],
                        object_type="LedgerEntry", object_id=entry_id, dossier_id=dossier_id,
                        year_id=year.id, after=facts, note=reason)
        return entry_id

    # - writing a batch --------------------------------------------------------------------------

    def write_batch(self) -> None:
        """Number the batch's dossiers, insert every row, move the year and counter totals."""
        session = db.session
        by_year: dict[int, list[dict]] = {}
        for year, row in self.codes:
            by_year.setdefault(year.year, []).append(row)
        for y, rows in by_year.items():
            last = lock_counter(y)
            for offset, row in enumerate(rows, start=1):
                row["code"] = f"{DOSSIER_SYMBOL}-{y}-{last + offset:05d}"
            session.execute(update(Counter.__table__)
                            .where(Counter.year == y, Counter.symbol == DOSSIER_SYMBOL)
                            .values(last_number=last + len(rows)))
        for model, rows in ((Dossier, self.dossiers), (DossierItem, self.items_rows),
                            (Appraisal, self.appraisals), (Decision, self.decisions),
                            (LedgerEntry, self.ledger), (SupplementRequest, self.supplements),
                            (AuditEvent, self.audit)):
            insert_rows(model, rows)
        # The report summaries move in the same transaction (the ORM's flush hooks do not see
        # these Core inserts).
        summaries.dossiers_added(session, [row["id"] for row in self.dossiers], self.audit,
                                 self.ledger)
        for year in self.years:
            if not (year.pending_commit or year.pending_disburse):
                continue
            budget, committed, disbursed = session.execute(
                select(ProgramYear.budget_vnd, ProgramYear.committed_vnd,
                       ProgramYear.disbursed_vnd)
                .where(ProgramYear.id == year.id).with_for_update()).one()
            committed += year.pending_commit
            disbursed += year.pending_disburse
            if year.growable and committed > budget:
                budget = _roundup(committed * 11 // 10, _BUDGET_STEP)
            session.execute(update(ProgramYear.__table__).where(ProgramYear.id == year.id)
                            .values(budget_vnd=budget, committed_vnd=committed,
                                    disbursed_vnd=disbursed))
            year.budget, year.committed, year.disbursed = budget, committed, disbursed
            year.pending_commit = year.pending_disburse = 0
        self.ids.sync_sequences()
        self.reset_batch()


def _actor(events: list[Event], *actions: str) -> int | None:
    return next((e.actor for e in events if e.action in actions), None)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment else None
