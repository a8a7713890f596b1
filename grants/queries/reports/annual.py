"""Report 6: the annual report on implementing the resolution, for a year or a range of years.

Its figures are those of the other reports, read through their own functions (budget
execution, target progress, demand summary, processing), so the paper and the pages always
agree; only what no page shows yet is counted here: dossiers by outcome and the reasons given
for not supporting or not receiving them.
"""

import json
from collections import Counter

from sqlalchemy import case, func, or_, select

from grants.domain.annual_report import (
    AnnualFigures,
    CommuneRow,
    KindRow,
    ReasonRow,
    ReportTexts,
    YearFigures,
    check_period,
    default_texts,
)
from grants.domain.enums import Outcome
from grants.domain.workflow_states import NOT_FILED, UNDECIDED, Status
from grants.extensions import db
from grants.models import AnnualReportText, AuditEvent, Decision, Dossier, ProgramYear
from grants.queries.reports.budget_execution import budget_execution
from grants.queries.reports.cache import DEFAULT_SECONDS
from grants.queries.reports.demand import demand_summary
from grants.queries.reports.processing import processing_report
from grants.queries.reports.targets import target_report
from grants.queries.sql import live_approval, status_values


def _outcome_counts(year: ProgramYear) -> tuple[int, int, int, int, int]:
    """(received, refused, approved, rejected, undecided) of the year's filed dossiers."""
    undecided = Dossier.status.in_(status_values(UNDECIDED))
    row = db.session.execute(
        select(func.sum(case((Dossier.received_at.is_not(None), 1), else_=0)),
               func.sum(case((Dossier.status == Status.REFUSED.value, 1), else_=0)),
               func.sum(case((live_approval(), 1), else_=0)),
               func.sum(case((Dossier.outcome == Outcome.REJECTED.value, 1), else_=0)),
               func.sum(case((undecided, 1), else_=0)))
        .where(Dossier.program_year_id == year.id,
               Dossier.status.not_in(status_values(NOT_FILED)))).one()
    return tuple(int(v or 0) for v in row)  # type: ignore[return-value]


def year_figures(year: ProgramYear, *, cache_seconds: float = DEFAULT_SECONDS) -> YearFigures:
    """One year's line of the report, from the report pages' own functions."""
    money = budget_execution(year)
    targets = target_report(year, cache_seconds=cache_seconds)
    demand = demand_summary(year, cache_seconds=cache_seconds)
    timing = processing_report(year, page=None, cache_seconds=cache_seconds).on_time
    received, refused, approved, rejected, undecided = _outcome_counts(year)
    return YearFigures(
        year=year.year, filed=demand.total.dossiers, received=received, refused=refused,
        approved=approved, rejected=rejected, undecided=undecided,
        approved_items=targets.progress.approved_items, approved_vnd=targets.approved_vnd,
        budget_vnd=money.budget_vnd, committed_vnd=money.committed_vnd,
        disbursed_vnd=money.disbursed_vnd, target_min=year.target_min,
        target_max=year.target_max, on_time=timing.on_time, late=timing.late,
        without_due=timing.without_due)


def _reason_key(text: str) -> str:
    return " ".join(text.split()).rstrip(" .;").casefold()


def _grouped(texts_per_dossier) -> tuple[ReasonRow, ...]:
    """Each distinct reason (spacing, case and a final full stop ignored) with the number of
    dossiers that cite it, most cited first; the first spelling met is shown."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for texts in texts_per_dossier:
        keys = set()
        for text in texts:
            key = _reason_key(text or "")
            if key:
                shown.setdefault(key, " ".join(text.split()))
                keys.add(key)
        counts.update(keys)
    return tuple(ReasonRow(shown[k], n)
                 for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], shown[kv[0]])))


def rejection_reasons(year_ids: list[int]) -> tuple[ReasonRow, ...]:
    """The reasons written in the rejections of the years' dossiers, grouped."""
    rows = db.session.scalars(
        select(Decision.reasons_json).join(Dossier, Decision.dossier_id == Dossier.id)
        .where(Dossier.program_year_id.in_(year_ids),
               Decision.outcome == Outcome.REJECTED.value,
               Dossier.outcome == Outcome.REJECTED.value))
    return _grouped(json.loads(raw) if raw else [] for raw in rows)


def refusal_reasons(year_ids: list[int]) -> tuple[ReasonRow, ...]:
    """The reasons the desk gave for refusing the years' dossiers, grouped. The refused
    dossiers are found first (few, from the dossiers' year-and-state index), then their
    refusal in the audit trail by dossier."""
    refused = list(db.session.scalars(select(Dossier.id).where(
        Dossier.program_year_id.in_(year_ids), Dossier.status == Status.REFUSED.value)))
    notes: dict[int, str | None] = {}
    for start in range(0, len(refused), 500):
        for dossier_id, note in db.session.execute(
                select(AuditEvent.dossier_id, AuditEvent.note)
                .where(AuditEvent.dossier_id.in_(refused[start:start + 500]),
                       AuditEvent.to_status == Status.REFUSED.value,
                       or_(AuditEvent.from_status.is_(None),
                           AuditEvent.from_status != Status.REFUSED.value))
                .order_by(AuditEvent.id)):
            notes[dossier_id] = note  # the last refusal of the dossier
    return _grouped([note or "(không ghi lý do)"] for note in notes.values())


def _kinds(years: list[ProgramYear], cache_seconds: float) -> tuple[KindRow, ...]:
    sums: dict[str, list] = {}
    for year in years:
        for k in target_report(year, cache_seconds=cache_seconds).kinds:
            acc = sums.setdefault(k.key, [k.label, 0, 0])
            acc[1] += k.approved_items
            acc[2] += k.approved_vnd
    return tuple(KindRow(key, label, n, vnd) for key, (label, n, vnd) in sums.items())


def _communes(years: list[ProgramYear], cache_seconds: float) -> tuple[CommuneRow, ...]:
    sums: dict[str, list[int]] = {}
    for year in years:
        for row in demand_summary(year, cache_seconds=cache_seconds).by_commune:
            acc = sums.setdefault(row.label, [0, 0, 0, 0])
            for i, value in enumerate((row.dossiers, row.items, row.requested_vnd,
                                       row.approved_vnd)):
                acc[i] += value
    rows = (CommuneRow(name, *acc) for name, acc in sums.items())
    return tuple(sorted(rows, key=lambda r: (-r.approved_vnd, -r.requested_vnd, r.commune)))


def annual_figures(first: int, last: int, *,
                   cache_seconds: float = DEFAULT_SECONDS) -> AnnualFigures:
    """The report's figures for the program years ``first``..``last`` (those that exist),
    with every earlier program year for comparison. Raises InvalidInput for a reversed or too
    long range; a range holding no program year gives empty figures."""
    check_period(first, last)
    rows = list(db.session.scalars(select(ProgramYear).where(ProgramYear.year <= last)
                                   .order_by(ProgramYear.year)))
    chosen = [y for y in rows if y.year >= first]
    earlier = [y for y in rows if y.year < first]
    ids = [y.id for y in chosen]
    return AnnualFigures(
        first=first, last=last,
        years=tuple(year_figures(y, cache_seconds=cache_seconds) for y in chosen),
        earlier=tuple(year_figures(y, cache_seconds=cache_seconds) for y in earlier),
        kinds=_kinds(chosen, cache_seconds), communes=_communes(chosen, cache_seconds),
        rejection_reasons=rejection_reasons(ids) if ids else (),
        refusal_reasons=refusal_reasons(ids) if ids else ())


def saved_texts(first: int, last: int):
    """The officers' stored text of the report on ``first``..``last`` (an AnnualReportText),
    or None while nobody has saved one."""
    return db.session.scalar(select(AnnualReportText).where(
        AnnualReportText.first_year == first, AnnualReportText.last_year == last))


def report_texts(first: int, last: int) -> ReportTexts:
    """The stored text of the report, or the default text."""
    row = saved_texts(first, last)
    if row is None:
        return default_texts(first, last)
    return ReportTexts(row.introduction, row.assessment, row.proposals)
