"""Walking a dossier through the services in tests: one committed action at a time."""

from datetime import datetime

from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import dossiers as svc
from grants.services.dossiers import ChecklistLine, ItemInput


def act(db, fn, *args, **kw):
    """Run one service call as a unit of work, like a view does with atomic()."""
    try:
        result = fn(*args, **kw)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise


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


def to_reviewed(db, w, dossier):
    """Submit, receive, assign, visit, appraise (support) and review a dossier."""
    clerk, head, appraiser = w[Role.CLERK], w[Role.HEAD], w[Role.APPRAISER]
    if dossier.state == Status.DRAFT:
        act(db, svc.submit, dossier, actor=clerk)
    act(db, svc.receive, dossier, actor=clerk, lines=full_checklist(dossier),
        received_at=datetime(2026, 3, 2, 2, 0))  # 09:00 local
    act(db, svc.assign, dossier, actor=head, appraiser=appraiser)
    act(db, svc.record_visit, dossier, actor=appraiser, visited_at=datetime(2026, 3, 5, 9, 0),
        place="Nhà máy, KCN Quế Võ", team="Phạm Thị Dung - Chuyên viên",
        findings="Đã áp dụng hiệu quả.")
    eligible = {i.id: i.consulting_cost_vnd for i in dossier.items}
    act(db, svc.appraise, dossier, actor=appraiser, documents_ok=True, documents_note=None,
        eligible_costs=eligible, recommendation="support", reasons=[], conclusion="Đủ điều kiện")
    act(db, svc.review, dossier, actor=head, note="Đồng ý")
    return dossier
