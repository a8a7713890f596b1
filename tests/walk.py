"""Walking a dossier through the services in tests: one committed action at a time."""

from datetime import datetime

from grants.db import atomic
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import dossiers as svc
from grants.services.dossiers import ChecklistLine, ItemInput


def act(db, fn, *args, **kw):
    """Run one service call in atomic(), as a view does: committed, or rolled back and raised.
    (``db``, the fixture, is not used: the call sites pass it.)"""
    with atomic():
        return fn(*args, **kw)


def draft(db, w, items=None, channel="counter"):
    """A draft for the world's organisation (two items by default)."""
    if items is None:
        items = [ItemInput("ISO9001", 120_000_000, 50_000_000, "Chứng chỉ số 123"),
                 ItemInput("5S", 40_000_000, 20_000_000)]
    actor = w["applicant"] if channel == "online" else w[Role.CLERK]
    return act(db, svc.create_draft, w["org"], w["year"], actor=actor, items=items,
               channel=channel)


def full_checklist(dossier, kind="certified_copy"):
    return [ChecklistLine(c.id, True, kind) for c in dossier.program_year.checklist]


RECEIVED_UTC = datetime(2026, 3, 2, 2, 0)  # 02/03/2026 09:00 in Vietnam


def to_assigned(db, w, dossier):
    """Submit (at the desk), receive on 02/03/2026 09:00 and assign to the world's appraiser."""
    clerk = w[Role.CLERK]
    if dossier.status == Status.DRAFT:
        act(db, svc.submit, dossier, actor=clerk)
    act(db, svc.receive, dossier, actor=clerk, lines=full_checklist(dossier),
        received_at=RECEIVED_UTC)
    act(db, svc.assign, dossier, actor=w[Role.HEAD], appraiser=w[Role.APPRAISER])
    return dossier


def to_reviewed(db, w, dossier):
    """Submit, receive, assign, visit, appraise (support) and review a dossier."""
    head, appraiser = w[Role.HEAD], w[Role.APPRAISER]
    to_assigned(db, w, dossier)
    act(db, svc.record_visit, dossier, actor=appraiser, visited_at=datetime(2026, 3, 5, 9, 0),
        place="Nhà máy, KCN Quế Võ", team="Phạm Thị Dung - Chuyên viên",
        findings="Đã áp dụng hiệu quả.")
    eligible = {i.id: i.consulting_cost_vnd for i in dossier.items}
    act(db, svc.appraise, dossier, actor=appraiser, documents_ok=True, documents_note=None,
        eligible_costs=eligible, recommendation="support", reasons=[], conclusion="Đủ điều kiện")
    act(db, svc.review, dossier, actor=head, note="Đồng ý")
    return dossier
