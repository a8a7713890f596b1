"""Work lists: what waits for whom, the queues and the dossier register, filtered and paginated
in SQL, oldest deadline first; plus the small reads of a dossier's page (history, appraisals,
supplement requests, documents).

Nothing here loads a whole table: every list is one filtered ``SELECT … LIMIT/OFFSET`` plus a
count, so it stays fast with 100,000 dossiers. The late flags are computed by the database in the
same query; the "due soon" marks, which need the working-day calendar, are computed only for the
rows of the page being shown.
"""

import json
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import selectinload

from grants.db import to_local, utcnow
from grants.domain.deadlines import DeadlineStatus, status_of_deadline
from grants.domain.roles import Role
from grants.domain.workflow import PAUSED_IN_PROCESS, TERMINAL, WAITING_FOR, Status
from grants.extensions import db
from grants.models import (
    Appraisal,
    AuditEvent,
    CatalogueItem,
    Document,
    Dossier,
    DossierItem,
    Organisation,
    SupplementRequest,
    User,
    UserRole,
)
from grants.queries.calendar import calendar_for
from grants.queries.paging import Page, paginate
from grants.queries.sql import name_matches

REGISTER_STATES = tuple(s for s in Status if s != Status.DRAFT)
"""States listed in the staff register: a draft is still the applicant's own business."""


class QueueRow(NamedTuple):
    """One row of a work list: the dossier and the database's late flags at query time."""

    dossier: Dossier
    step_late: bool
    late: bool


def dossiers_in_order(ids: Iterable[int], *options) -> list[Dossier]:
    """The dossiers of ``ids``, in that order (a page of ids sorted from an index), loaded in
    one statement with the loader ``options``; an id that names no dossier is left out."""
    ids = list(ids)
    found = {d.id: d for d in db.session.scalars(
        select(Dossier).where(Dossier.id.in_(ids)).options(*options))}
    return [found[i] for i in ids if i in found]


def _queue_rows(keys) -> list[QueueRow]:
    """The page's dossiers (with their items) for the narrow (id, step_late, late) rows."""
    dossiers = {d.id: d for d in dossiers_in_order((k[0] for k in keys),
                                                   selectinload(Dossier.items))}
    return [QueueRow(dossiers[k[0]], bool(k[1]), bool(k[2])) for k in keys]


def waiting_states(roles: Iterable[Role | str]) -> tuple[Status, ...]:
    """The states waiting for any of ``roles``, in workflow order."""
    held = {Role(r) for r in roles}
    wanted = {s for role, states in WAITING_FOR.items() if role in held for s in states}
    return tuple(s for s in Status if s in wanted)


def queue(statuses: Iterable[Status | str] | None = None, *, year_id: int | None = None,
          status: Status | str | None = None, commune: str | None = None,
          catalogue_code: str | None = None, search: str | None = None,
          assignee_id: int | None = None, page: int = 1, per_page: int = 25,
          order: str = "deadline", now: datetime | None = None) -> Page:
    """A page of dossiers in ``statuses`` (None: every state but draft), oldest deadline first.

    Filters: program year, one state (no rows if it is outside ``statuses``), the
    organisation's commune, a catalogue item code, free text (dossier code, organisation name or
    tax code prefix; the name with or without diacritics, in any case; LIKE wildcards are
    literal) and assignee. Order "deadline": step deadline,
    then dossier due date (both NULLS LAST), then filing time; order "newest": newest dossier
    first (walks the primary key, so a register page stays cheap however many dossiers there
    are). Each item is a ``QueueRow`` whose ``step_late``/``late`` say whether the step deadline
    / due date is before ``now`` (UTC; default: now). Never raises for odd filters.
    """
    now = now or utcnow()
    allowed = [Status(s).value for s in (statuses if statuses is not None else REGISTER_STATES)]
    step_late = case((Dossier.step_due_at < now, True), else_=False)
    late = case((Dossier.due_at < now, True), else_=False)
    text = (search or "").strip()
    stmt = select(Dossier.id, step_late.label("step_late"), late.label("late"))
    if status:
        wanted = str(status)
        stmt = stmt.where(Dossier.status == wanted if wanted in allowed else false())
    else:
        stmt = stmt.where(Dossier.status.in_(allowed))
    if year_id:
        stmt = stmt.where(Dossier.program_year_id == year_id)
    if assignee_id:
        stmt = stmt.where(Dossier.assignee_id == assignee_id)
    # Organisation filters are semi-joins on the (small) organisations table, so neither the
    # page nor the count query joins every dossier row to its organisation.
    if commune:
        stmt = stmt.where(Dossier.organisation_id.in_(
            select(Organisation.id).where(Organisation.commune == commune)))
    if catalogue_code:
        item_ids = select(CatalogueItem.id).where(CatalogueItem.code == catalogue_code)
        stmt = stmt.where(select(DossierItem.id).where(
            DossierItem.dossier_id == Dossier.id,
            DossierItem.catalogue_item_id.in_(item_ids)).exists())
    if text:
        matching = select(Organisation.id).where(or_(
            name_matches(text),
            Organisation.tax_code.startswith(text, autoescape=True)))
        stmt = stmt.where(or_(Dossier.code.icontains(text, autoescape=True),
                              Dossier.organisation_id.in_(matching)))
    if order == "newest":
        stmt = stmt.order_by(Dossier.id.desc())
    else:
        stmt = stmt.order_by(Dossier.step_due_at.asc().nulls_last(),
                             Dossier.due_at.asc().nulls_last(),
                             func.coalesce(Dossier.submitted_at, Dossier.created_at).asc(),
                             Dossier.id.asc())
    # Pages a narrow ``select(Dossier.id, step_late, late)``, then loads only that page's
    # dossiers (with their items): sorting thousands of waiting dossiers costs little when the
    # rows sorted are ids and flags read from an index, and much when they are whole dossiers
    # joined to their organisations and years.
    return paginate(stmt, page=page, per_page=per_page, load=_queue_rows)


def _mark(due: datetime | None, now_local: datetime, calendar) -> DeadlineStatus | None:
    if due is None:
        return None
    return status_of_deadline(now_local, to_local(due), calendar)


def deadline_marks(dossiers: Iterable[Dossier], *, now: datetime | None = None
                   ) -> dict[int, dict[str, DeadlineStatus | None]]:
    """Dossier id → {"step": …, "due": …}: on time / due soon / late against the working-day
    calendar (one working day's notice), or None where there is no running deadline."""
    now_local = to_local(now or utcnow())
    calendars: dict[int, object] = {}
    marks: dict[int, dict[str, DeadlineStatus | None]] = {}
    for dossier in dossiers:
        if dossier.status in TERMINAL or dossier.status == Status.DRAFT \
                or dossier.status in PAUSED_IN_PROCESS:  # the clock stands still (issue 14)
            marks[dossier.id] = {"step": None, "due": None}
            continue
        year = dossier.program_year.year
        if year not in calendars:
            calendars[year] = calendar_for(year)
        calendar = calendars[year]
        marks[dossier.id] = {"step": _mark(dossier.step_due_at, now_local, calendar),
                             "due": _mark(dossier.due_at, now_local, calendar)}
    return marks


def appraiser_workload() -> list[tuple[User, int]]:
    """Active appraisers with the number of dossiers waiting for their appraisal, least busy
    first (for the head's assign form)."""
    open_count = func.count(Dossier.id)
    stmt = (select(User, open_count)
            .join(UserRole, and_(UserRole.user_id == User.id,
                                 UserRole.role == Role.APPRAISER.value))
            .outerjoin(Dossier, and_(Dossier.assignee_id == User.id,
                                     Dossier.status == Status.ASSIGNED.value))
            .where(User.is_active_account.is_(True))
            .group_by(User.id)
            .order_by(open_count, User.full_name))
    return [(user, count) for user, count in db.session.execute(stmt).all()]


def dossier_history(dossier_id: int) -> list[AuditEvent]:
    """The dossier's audit events, oldest first, with their actors."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.dossier_id == dossier_id)
        .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.at, AuditEvent.id)))


def dossier_appraisals(dossier_id: int) -> list[Appraisal]:
    """Every appraisal round of the dossier, newest first."""
    return list(db.session.scalars(select(Appraisal).where(Appraisal.dossier_id == dossier_id)
                                   .options(selectinload(Appraisal.appraiser))
                                   .order_by(Appraisal.round.desc())))


def reasons_of(row) -> list[str]:
    """The reasons stored as JSON on an appraisal or a decision (empty when none)."""
    raw = getattr(row, "reasons_json", None)
    return list(json.loads(raw)) if raw else []


def supplement_requests(dossier_id: int) -> list[tuple[SupplementRequest, list[dict]]]:
    """The dossier's supplement requests, oldest first, each with its listed papers."""
    rows = db.session.scalars(select(SupplementRequest)
                              .where(SupplementRequest.dossier_id == dossier_id)
                              .order_by(SupplementRequest.id))
    return [(row, json.loads(row.items_json or "[]")) for row in rows]


def dossier_documents(dossier_id: int) -> list[Document]:
    """Issued documents of the dossier (without their PDF bytes), in issue order."""
    return list(db.session.scalars(select(Document).where(Document.dossier_id == dossier_id)
                                   .order_by(Document.id)))


def status_counts(year_id: int | None = None, *, assignee_id: int | None = None
                  ) -> dict[str, int]:
    """Number of dossiers per status (optionally for one program year, one assignee)."""
    stmt = select(Dossier.status, func.count()).group_by(Dossier.status)
    if year_id:
        stmt = stmt.where(Dossier.program_year_id == year_id)
    if assignee_id:
        stmt = stmt.where(Dossier.assignee_id == assignee_id)
    return dict(db.session.execute(stmt).all())


def organisation_dossiers(organisation_id: int) -> list[Dossier]:
    return list(db.session.scalars(select(Dossier).where(Dossier.organisation_id ==
                                                         organisation_id)
                                   .order_by(Dossier.created_at.desc())))


class DossierHeading(NamedTuple):
    """What the staff dossier page needs besides its cached body (memoised: a plain value)."""
    version: int
    code: str | None
    organisation_id: int


def dossier_heading(dossier_id: int) -> DossierHeading | None:
    """The dossier's version, code and organisation, or None when there is none."""
    row = db.session.execute(select(Dossier.version, Dossier.code, Dossier.organisation_id)
                             .where(Dossier.id == dossier_id)).first()
    return None if row is None else DossierHeading(*row)
