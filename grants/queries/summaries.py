"""Report summaries (issue 15.2): what each summary row must hold, recomputed from the source
rows, and the summary rows as stored. No writes here (``grants.services.summaries`` keeps the
rows; ``flask check-summaries`` compares the two).

Every figure is a plain sum over the rows of its group, so a change moves a summary by the
difference of what the changed rows contribute before and after it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import Float, and_, case, extract, func, literal, literal_column, select

from grants.domain.workflow import STEP_OF_STATUS
from grants.domain.workflow_states import PAUSED_IN_PROCESS, Status
from grants.extensions import db
from grants.models import AuditEvent, Dossier, DossierItem, LedgerEntry, Organisation
from grants.models.program import MINUTES_PER_DAY, ProcedureStep
from grants.models.summary import SummaryDossiers, SummaryItems, SummaryLedger, SummarySteps
from grants.queries.catalogue import NO_COMMUNE
from grants.queries.sql import approved_item, live_approval

# table → (key columns, figure columns), in the order of the tuples below
SHAPES = {
    SummaryDossiers: (("program_year_id", "commune", "org_type", "status"),
                      ("dossiers", "item_count", "items_cost_vnd", "items_requested_vnd",
                       "judged", "on_time", "approved_items_vnd")),
    SummaryItems: (("program_year_id", "catalogue_item_id", "status", "approved"),
                   ("items", "consulting_cost_vnd", "requested_vnd", "approved_vnd")),
    SummarySteps: (("program_year_id", "from_status", "actor_id"),
                   ("done", "spans", "span_days", "over_allotment")),
    SummaryLedger: (("program_year_id", "kind", "entry_year", "entry_month"),
                    ("entries", "amount_vnd")),
}

Rows = dict[tuple, list]
"""Summary key → figures (lists, so deltas can be added in place)."""

STEP_STATES = [status.value for status in STEP_OF_STATUS]
"""The states a measured step starts from (the processing report's steps)."""
PAUSED = [status.value for status in PAUSED_IN_PROCESS]


@dataclass
class Figures:
    """Summary rows by table."""

    tables: dict[type, Rows] = field(default_factory=lambda: {t: {} for t in SHAPES})

    def add(self, other: "Figures", sign: int = 1) -> "Figures":
        for table, rows in other.tables.items():
            mine = self.tables[table]
            for key, values in rows.items():
                acc = mine.setdefault(key, [0] * len(values))
                for i, v in enumerate(values):
                    acc[i] += sign * v
        return self


def _key(table: type, row) -> tuple:
    keys, _figures = SHAPES[table]
    values = list(row[:len(keys)])
    if table is SummaryItems:
        values[3] = bool(values[3])
    return tuple(values)


def _fold(table: type, rows: Iterable) -> Rows:
    n = len(SHAPES[table][0])
    out: Rows = {}
    for row in rows:
        figures = [int(v or 0) for v in row[n:]]
        if table is SummarySteps:
            figures[2] = float(row[n + 2] or 0)
        acc = out.setdefault(_key(table, row), [0] * len(figures))
        for i, v in enumerate(figures):
            acc[i] += v
    return out


def _commune():
    return func.coalesce(Organisation.commune, NO_COMMUNE)


def dossier_rows(*where) -> Rows:
    """SummaryDossiers recomputed from the dossiers matching ``where``."""
    done_at = func.coalesce(Dossier.finished_at, Dossier.decided_at)
    judged = and_(Dossier.due_at.is_not(None), done_at.is_not(None))
    commune = _commune()
    granted = (select(func.coalesce(func.sum(DossierItem.approved_vnd), 0))
               .where(DossierItem.dossier_id == Dossier.id, approved_item())
               .scalar_subquery())
    return _fold(SummaryDossiers, db.session.execute(
        select(Dossier.program_year_id, commune, Organisation.org_type, Dossier.status,
               func.count(Dossier.id), func.sum(Dossier.item_count),
               func.sum(Dossier.items_cost_vnd), func.sum(Dossier.items_requested_vnd),
               func.sum(case((judged, 1), else_=0)),
               func.sum(case((and_(judged, done_at <= Dossier.due_at), 1), else_=0)),
               func.sum(case((live_approval(), granted), else_=0)))
        .join(Organisation, Dossier.organisation_id == Organisation.id)
        .where(*where)
        .group_by(Dossier.program_year_id, commune, Organisation.org_type, Dossier.status)))


def item_rows(*where) -> Rows:
    """SummaryItems recomputed from the items of the dossiers matching ``where``."""
    approved = case((and_(live_approval(), approved_item()), literal_column("1")),
                    else_=literal_column("0"))
    return _fold(SummaryItems, db.session.execute(
        select(Dossier.program_year_id, DossierItem.catalogue_item_id, Dossier.status, approved,
               func.count(DossierItem.id), func.sum(DossierItem.consulting_cost_vnd),
               func.sum(DossierItem.requested_vnd), func.sum(DossierItem.approved_vnd))
        .select_from(DossierItem)
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .where(*where)
        .group_by(Dossier.program_year_id, DossierItem.catalogue_item_id, Dossier.status,
                  approved)))


def allotments(year_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    """Year → {state a counted step starts from: its allotment in working days}, as the
    processing report compares them."""
    steps: dict[int, dict[str, float]] = {}
    for year_id, key, minutes, counted in db.session.execute(
            select(ProcedureStep.program_year_id, ProcedureStep.key,
                   ProcedureStep.allotment_minutes, ProcedureStep.counted)
            .where(ProcedureStep.program_year_id.in_(sorted(set(year_ids))))):
        steps.setdefault(year_id, {})
        if counted:
            for status, step in STEP_OF_STATUS.items():
                if step.value == key:
                    steps[year_id][status.value] = float(Fraction(minutes, MINUTES_PER_DAY))
    return steps


def step_rows(year_id: int, counted: dict[str, float]) -> Rows:
    """SummarySteps of one year recomputed from its audit trail (``counted``: its allotments)."""
    span = AuditEvent.step_days
    allotment = case(counted, value=AuditEvent.from_status, else_=literal(None, Float)) \
        if counted else literal(None, Float)
    actor = func.coalesce(AuditEvent.actor_id, 0)
    return _fold(SummarySteps, db.session.execute(
        select(AuditEvent.program_year_id, AuditEvent.from_status, actor,
               func.sum(case((AuditEvent.to_status.in_(PAUSED), 0), else_=1)),
               func.count(), func.sum(span), func.sum(case((span > allotment, 1), else_=0)))
        .where(AuditEvent.program_year_id == year_id, span.is_not(None),
               AuditEvent.from_status.in_(STEP_STATES),
               AuditEvent.to_status != Status.WITHDRAWN.value)
        .group_by(AuditEvent.program_year_id, AuditEvent.from_status, actor)))


def step_contribution(year_id, from_status, actor_id, to_status, step_days,
                      counted: dict[str, float]) -> tuple[tuple, list] | None:
    """What one new audit event adds to SummarySteps (None: it measures no step)."""
    if (year_id is None or step_days is None or from_status not in STEP_STATES
            or to_status == Status.WITHDRAWN.value):
        return None
    allot = counted.get(from_status)
    over = 1 if allot is not None and step_days > allot else 0
    return ((year_id, from_status, actor_id or 0),
            [0 if to_status in PAUSED else 1, 1, float(step_days), over])


def ledger_rows(*where) -> Rows:
    """SummaryLedger recomputed from the ledger entries matching ``where``."""
    y, m = extract("year", LedgerEntry.entry_on), extract("month", LedgerEntry.entry_on)
    return _fold(SummaryLedger, db.session.execute(
        select(LedgerEntry.program_year_id, LedgerEntry.kind, y, m, func.count(LedgerEntry.id),
               func.sum(LedgerEntry.amount_vnd))
        .where(*where)
        .group_by(LedgerEntry.program_year_id, LedgerEntry.kind, y, m)))


def recomputed(year_ids: Iterable[int] | None = None) -> Figures:
    """Every summary row recomputed from the source rows (of ``year_ids``, or all years)."""
    from grants.models import ProgramYear

    years = sorted(year_ids) if year_ids is not None else list(
        db.session.scalars(select(ProgramYear.id)))
    figures = Figures()
    of_years = (Dossier.program_year_id.in_(years),)
    figures.tables[SummaryDossiers] = dossier_rows(*of_years)
    figures.tables[SummaryItems] = item_rows(*of_years)
    counted = allotments(years)
    for year_id in years:
        figures.tables[SummarySteps].update(step_rows(year_id, counted.get(year_id, {})))
    figures.tables[SummaryLedger] = ledger_rows(LedgerEntry.program_year_id.in_(years))
    return figures


def stored(year_ids: Iterable[int] | None = None) -> Figures:
    """The summary rows as stored."""
    figures = Figures()
    for table, (keys, values) in SHAPES.items():
        stmt = select(*(getattr(table, k) for k in (*keys, *values)))
        if year_ids is not None:
            stmt = stmt.where(table.program_year_id.in_(sorted(year_ids)))
        figures.tables[table] = _fold(table, db.session.execute(stmt))
    return figures


def differences(expected: Figures, found: Figures) -> list[tuple[str, tuple, list, list]]:
    """(table, key, expected, stored) for every row that differs; all-zero rows count as
    absent, and summed working days may differ by rounding (1e-6)."""
    out = []
    for table, (_keys, names) in SHAPES.items():
        want, have = expected.tables[table], found.tables[table]
        for key in sorted(set(want) | set(have), key=repr):
            a = want.get(key, [0] * len(names))
            b = have.get(key, [0] * len(names))
            if any(abs(x - y) > 1e-6 for x, y in zip(a, b, strict=True)):
                out.append((table.__tablename__, key, a, b))
    return out
