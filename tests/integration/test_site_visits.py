"""Site visits (issue 12, point 3): dated between reception and now, corrected or voided with a
reason in the audit trail, and each visit's own minutes, dated the day of the visit."""

import hashlib
import io
import json
import re
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from grants.db import local_now
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.roles import Role
from grants.domain.workflow import InvalidTransition
from grants.models import AuditEvent, Document, SiteVisit
from grants.services import documents
from grants.services import dossiers as svc
from tests.walk import act, draft, to_assigned

FIRST = dict(visited_at=datetime(2026, 3, 10, 14, 0), place="Xưởng số 2, KCN Quế Võ",
             team="Phạm Thị Dung - Chuyên viên", findings="Xưởng áp dụng 5S đầy đủ.")
SECOND = dict(visited_at=datetime(2026, 3, 5, 9, 30), place="Văn phòng, phường Kinh Bắc",
              team="Lê Văn Nam - Chuyên viên", findings="Hồ sơ ISO 9001 lưu đủ tại văn phòng.")


def _text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


@pytest.fixture
def assigned(db, world):
    return to_assigned(db, world, draft(db, world))


def _visit(db, world, dossier, **kw):
    return act(db, svc.record_visit, dossier, actor=world[Role.APPRAISER], **kw)


def _minutes(db, dossier):
    return list(db.session.scalars(select(Document).where(
        Document.dossier_id == dossier.id, Document.kind == "appraisal_minutes")
        .order_by(Document.id)))


# ---------------------------------------------------------------- the date is checked


def test_visit_in_the_future_is_refused_on_its_date(db, world, assigned):
    later = (local_now() + timedelta(days=2)).replace(second=0, microsecond=0)
    with pytest.raises(InvalidInput, match="chưa đến") as refused:
        _visit(db, world, assigned, **{**FIRST, "visited_at": later})
    assert refused.value.field == "visited_at"
    assert svc.site_visits(assigned) == [] and _minutes(db, assigned) == []


def test_visit_before_the_dossier_was_received_is_refused(db, world, assigned):
    with pytest.raises(InvalidInput, match="trước ngày tiếp nhận hồ sơ") as refused:
        _visit(db, world, assigned, **{**FIRST, "visited_at": datetime(2026, 3, 1, 9, 0)})
    assert refused.value.field == "visited_at"
    assert "02/03/2026" in refused.value.message
    assert svc.site_visits(assigned) == []


def test_visit_on_the_day_of_reception_is_accepted(db, world, assigned):
    visit = _visit(db, world, assigned, **{**FIRST, "visited_at": datetime(2026, 3, 2, 8, 0)})
    assert visit.visited_local == datetime(2026, 3, 2, 8, 0)


# ---------------------------------------------------------------- each visit's minutes


def test_two_visits_recorded_out_of_order_each_get_their_own_minutes(db, world, assigned):
    # The later visit is recorded first; the earlier one afterwards.
    first = _visit(db, world, assigned, **FIRST)
    second = _visit(db, world, assigned, **SECOND)
    one, two = _minutes(db, assigned)
    assert (one.site_visit_id, two.site_visit_id) == (first.id, second.id)
    assert one.sha256 != two.sha256
    text_one, text_two = _text(one.pdf), _text(two.pdf)
    assert "ngày 10/03/2026" in text_one and "14 giờ 00" in text_one
    assert FIRST["place"] in text_one and FIRST["findings"] in text_one
    assert "Phạm Thị Dung" in text_one
    assert SECOND["place"] not in text_one and SECOND["findings"] not in text_one
    assert "ngày 05/03/2026" in text_two and "09 giờ 30" in text_two
    assert SECOND["place"] in text_two and SECOND["findings"] in text_two
    assert "Lê Văn Nam" in text_two
    assert FIRST["place"] not in text_two and FIRST["findings"] not in text_two
    # The minutes are dated the day of their visit (header and document row agree).
    assert one.issued_on == first.visited_local.date()
    assert two.issued_on == second.visited_local.date()
    assert "ngày 10 tháng 3 năm 2026" in text_one
    assert "ngày 05 tháng 3 năm 2026" in text_two
    assert [d.id for d in first.minutes] == [one.id]
    assert [d.id for d in second.minutes] == [two.id]


def test_minutes_before_the_appraisal_print_no_proposal(db, world, assigned):
    _visit(db, world, assigned, **FIRST)
    text = _text(_minutes(db, assigned)[0].pdf)
    # No amount of zero: "0 đ" standing alone (a person named "Người dùng 1640" followed by
    # a word in đ is not an amount).
    assert "Không đồng" not in text and not re.search(r"(?<![\d.])0 đ(?!\w)", text)
    assert "Tổng mức đề xuất hỗ trợ" not in text
    assert "Chưa đề xuất mức hỗ trợ" in text


# ---------------------------------------------------------------- correct and void


def test_correction_is_audited_and_issues_new_minutes_superseding_the_old(db, world, assigned):
    visit = _visit(db, world, assigned, **FIRST)
    (old,) = _minutes(db, assigned)
    old_sha = old.sha256
    act(db, svc.correct_visit, assigned, visit, actor=world[Role.APPRAISER],
        reason="Ghi nhầm giờ và kết quả", **{**FIRST, "visited_at": datetime(2026, 3, 10, 8, 0),
                                              "findings": "Xưởng áp dụng 5S một phần."})
    assert visit.visited_local == datetime(2026, 3, 10, 8, 0)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site_visit.correct"))
    assert event.actor_id == world[Role.APPRAISER].id and event.dossier_id == assigned.id
    assert event.object_type == "SiteVisit" and event.object_id == visit.id
    assert event.note == "Ghi nhầm giờ và kết quả"
    assert json.loads(event.before_json) == {"visited_local": "2026-03-10T14:00:00",
                                             "findings": FIRST["findings"]}
    assert json.loads(event.after_json) == {"visited_local": "2026-03-10T08:00:00",
                                            "findings": "Xưởng áp dụng 5S một phần."}
    old_again, new = _minutes(db, assigned)
    # The issued minutes are never re-rendered: the old ones stay byte for byte.
    assert old_again.id == old.id and old_again.sha256 == old_sha
    assert hashlib.sha256(old_again.pdf).hexdigest() == old_sha
    assert new.site_visit_id == visit.id and new.sha256 != old_sha
    text = _text(new.pdf)
    assert "Xưởng áp dụng 5S một phần." in text and "08 giờ 00" in text
    assert "thay thế biên bản" in text and "Ghi nhầm giờ và kết quả" in text
    assert [d.id for d in documents.minutes_of(visit)] == [old.id, new.id]


def test_correction_needs_a_reason_and_a_change_and_a_valid_date(db, world, assigned):
    visit = _visit(db, world, assigned, **FIRST)
    appraiser = world[Role.APPRAISER]
    with pytest.raises(InvalidInput) as no_reason:
        act(db, svc.correct_visit, assigned, visit, actor=appraiser, reason=" ", **FIRST)
    assert no_reason.value.field == "reason"
    with pytest.raises(InvalidInput, match="giống hệt"):
        act(db, svc.correct_visit, assigned, visit, actor=appraiser, reason="x", **FIRST)
    with pytest.raises(InvalidInput) as bad_date:
        act(db, svc.correct_visit, assigned, visit, actor=appraiser, reason="x",
            **{**FIRST, "visited_at": datetime(2026, 2, 1, 9, 0)})
    assert bad_date.value.field == "visited_at"
    assert len(_minutes(db, assigned)) == 1


def test_voided_visit_stays_on_record_but_no_longer_counts(db, world, assigned):
    appraiser = world[Role.APPRAISER]
    visit = _visit(db, world, assigned, **FIRST)
    with pytest.raises(InvalidInput) as no_reason:
        act(db, svc.void_visit, assigned, visit, actor=appraiser, reason="")
    assert no_reason.value.field == "reason"
    act(db, svc.void_visit, assigned, visit, actor=appraiser, reason="Nhập nhầm hồ sơ")
    db.session.expire_all()
    visit = db.session.get(SiteVisit, visit.id)
    assert visit.is_voided and visit.void_reason == "Nhập nhầm hồ sơ"
    assert svc.site_visits(assigned) == [visit]
    assert len(_minutes(db, assigned)) == 1  # its minutes stay as issued
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site_visit.void"))
    assert event.note == "Nhập nhầm hồ sơ" and event.object_id == visit.id
    assert json.loads(event.before_json) == {"voided_at": None}
    assert json.loads(event.after_json)["void_reason"] == "Nhập nhầm hồ sơ"
    eligible = {i.id: i.consulting_cost_vnd for i in assigned.items}
    with pytest.raises(Conflict, match="thẩm định thực tế"):
        act(db, svc.appraise, assigned, actor=appraiser, documents_ok=True,
            documents_note=None, eligible_costs=eligible, recommendation="support",
            reasons=[], conclusion=None)
    with pytest.raises(Conflict, match="đã bị hủy"):
        act(db, svc.correct_visit, assigned, visit, actor=appraiser, reason="x", **SECOND)
    with pytest.raises(Conflict, match="đã bị hủy"):
        act(db, svc.void_visit, assigned, visit, actor=appraiser, reason="x")


def test_only_the_dossiers_appraiser_changes_visits_while_appraisal_is_open(
        db, world, assigned, make_user):
    visit = _visit(db, world, assigned, **FIRST)
    other = make_user(Role.APPRAISER)
    with pytest.raises(Forbidden):
        act(db, svc.void_visit, assigned, visit, actor=other, reason="x")
    with pytest.raises(Forbidden):
        act(db, svc.correct_visit, assigned, visit, actor=other, reason="x", **SECOND)
    eligible = {i.id: i.consulting_cost_vnd for i in assigned.items}
    act(db, svc.appraise, assigned, actor=world[Role.APPRAISER], documents_ok=True,
        documents_note=None, eligible_costs=eligible, recommendation="support", reasons=[],
        conclusion=None)
    with pytest.raises(InvalidTransition):
        act(db, svc.void_visit, assigned, visit, actor=world[Role.APPRAISER], reason="x")
    with pytest.raises(InvalidTransition):
        act(db, svc.correct_visit, assigned, visit, actor=world[Role.APPRAISER], reason="x",
            **SECOND)
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("site_visit.%"))).all()
