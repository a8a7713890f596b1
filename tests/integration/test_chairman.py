"""The Chairman's path (issue 14.3): where the year's deciding authority is the provincial
Chairman, the Department submits a proposal (Tờ trình, N/TTr-SKHCN) to the People's Committee,
the external step has its own allotment and deadline, and the Committee's decision is recorded
when it comes back — the budget committed through the ledger under the year lock — and filed as
the Committee's paper (QĐ-UBND, its body and signer)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants.db import local_today
from grants.domain.budget import BudgetExceeded
from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict, InvalidInput
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import documents
from grants.services import dossiers as svc
from tests.walk import act, draft, to_reviewed

SIGNER = "Nguyễn Văn Phúc"


def make_chairman_year(db, world):
    """The world's year, switched to the Chairman by the admin (as the settings page does)."""
    from grants.services import admin

    year = world["year"]
    act(db, admin.update_program_year, year, actor=world[Role.ADMIN],
        budget_vnd=year.budget_vnd, target_min=year.target_min, target_max=year.target_max,
        authority="chairman", signer_title="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        signer_name=SIGNER, plan_reference=None, intake_open=True)
    return year


@pytest.fixture
def chairman(db, world):
    make_chairman_year(db, world)
    return world


def history(db, dossier):
    from grants.models import AuditEvent

    return [(r.action, r.to_status) for r in db.session.scalars(
        select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                 AuditEvent.to_status.is_not(None)).order_by(AuditEvent.id))]


def documents_of(db, dossier, kind):
    from grants.models import Document

    return list(db.session.scalars(select(Document).where(
        Document.dossier_id == dossier.id, Document.kind == kind.value).order_by(Document.id)))


def test_switching_the_authority_gives_the_committee_its_own_step(db, world):
    from grants.domain.deadlines import validate_allotments
    from grants.services.clock import year_steps

    year = make_chairman_year(db, world)
    keys = [(s.key, s.allotment_minutes) for s in year.steps]
    assert keys[4:6] == [("decision", 240), ("committee", 960)]  # 2,5 days: 0,5 + 2
    assert validate_allotments(year_steps(year), year.statutory_days) == []
    from grants.services import admin

    act(db, admin.update_program_year, year, actor=world[Role.ADMIN], budget_vnd=year.budget_vnd,
        target_min=year.target_min, target_max=year.target_max, authority="director",
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", signer_name="Vũ Đức Giang",
        plan_reference=None, intake_open=True)
    assert [s.key for s in year.steps] == ["reception", "assignment", "appraisal", "review",
                                           "decision", "issuing", "return"]
    assert [s.allotment_minutes for s in year.steps if s.key == "decision"] == [1200]


def test_the_whole_path_proposal_committee_decision_and_its_paper(db, chairman):
    w = chairman
    leader, records = w[Role.LEADER], w[Role.RECORDS]
    dossier = to_reviewed(db, w, draft(db, w))
    act(db, svc.submit_to_committee, dossier, actor=leader, note="Kính trình")
    assert dossier.status == Status.SUBMITTED_TO_COMMITTEE
    # The external step runs on its own deadline, after the Department's decision step.
    assert dossier.step_key == "committee" and dossier.step_due_at is not None
    assert w["year"].committed_vnd == 0  # nothing is committed by a proposal
    (proposal,) = documents_of(db, dossier, DocumentKind.COMMITTEE_PROPOSAL)
    assert proposal.symbol == "TTr-SKHCN" and proposal.number == 1
    assert proposal.pdf.startswith(b"%PDF-")

    decision = act(db, svc.record_committee_approval, dossier, actor=leader,
                   decision_number=125, decided_on=local_today(), signer_name=SIGNER)
    assert dossier.status == Status.APPROVED and decision.total_vnd == 70_000_000
    assert (decision.committee_number, decision.authority) == (125, "chairman")
    assert w["year"].committed_vnd == 70_000_000 and dossier.approved_vnd == 70_000_000
    from grants.models import LedgerEntry

    assert db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.dossier_id == dossier.id, LedgerEntry.kind == "commitment")) == 1

    document = act(db, documents.issue_outcome, dossier, actor=records)
    assert (document.number, document.symbol) == (125, "QĐ-UBND")
    assert document.issued_on == local_today()
    from tests.unit.test_letters import text_of

    text = text_of(document.pdf)
    # The issuing body heads the paper (after the verification mark, which is extracted first).
    assert "không có giá trị pháp lý. ỦY BAN NHÂN DÂN TỈNH BẮC NINH CỘNG HÒA" in text
    assert "Số: 125/QĐ-UBND" in text
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ CỘNG HÒA" not in text  # the Committee's paper
    assert "TM. ỦY BAN NHÂN DÂN" in text and "KT. CHỦ TỊCH" in text and SIGNER in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH" in text
    assert "Tờ trình số 01/TTr-SKHCN" in text
    # The Department's own decision numbers were not used.
    from grants.models import Counter

    assert db.session.scalar(select(Counter).where(Counter.symbol == "QĐ-SKHCN")) is None
    assert [a for a, _ in history(db, dossier)][-3:] == [
        "dossier.submit_to_committee", "dossier.record_committee_approval", "dossier.issue"]


def test_the_committee_may_refuse_and_the_department_replies(db, chairman):
    w = chairman
    dossier = to_reviewed(db, w, draft(db, w))
    act(db, svc.submit_to_committee, dossier, actor=w[Role.LEADER])
    with pytest.raises(InvalidInput):
        act(db, svc.record_committee_rejection, dossier, actor=w[Role.LEADER], reasons=[" "])
    act(db, svc.record_committee_rejection, dossier, actor=w[Role.LEADER],
        reasons=["Tổ chức đã được hỗ trợ cho cùng tiêu chuẩn"], reference="Văn bản 45/UBND-KGVX")
    assert dossier.status == Status.REJECTED and w["year"].committed_vnd == 0
    document = act(db, documents.issue_outcome, dossier, actor=w[Role.RECORDS])
    assert document.kind == DocumentKind.REJECTION_LETTER.value


def test_a_chairman_year_has_no_direct_approval_and_a_director_year_no_proposal(db, world):
    dossier = to_reviewed(db, world, draft(db, world))
    with pytest.raises(Conflict, match="không trình UBND tỉnh"):
        act(db, svc.submit_to_committee, dossier, actor=world[Role.LEADER])
    make_chairman_year(db, world)
    with pytest.raises(Conflict, match="trình UBND tỉnh"):
        act(db, svc.approve, dossier, actor=world[Role.LEADER])
    # The Department may still reply that support is refused (seed 000).
    act(db, svc.reject, dossier, actor=world[Role.LEADER], reasons=["Không đủ điều kiện"])
    assert dossier.status == Status.REJECTED


@pytest.mark.parametrize(("fields", "field"), [
    ({"decision_number": 0}, "decision_number"),
    ({"decision_number": "125"}, "decision_number"),
    ({"decided_on": None}, "decided_on"),
    ({"decided_on": local_today() + timedelta(days=2)}, "decided_on"),
    ({"decided_on": date(2020, 1, 1)}, "decided_on"),  # before the proposal
])
def test_the_committees_decision_must_be_complete(db, chairman, fields, field):
    from grants.models import AuditEvent

    w = chairman
    dossier = to_reviewed(db, w, draft(db, w))
    act(db, svc.submit_to_committee, dossier, actor=w[Role.LEADER])
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    values = {"decision_number": 125, "decided_on": local_today(), **fields}
    with pytest.raises(InvalidInput) as err:
        act(db, svc.record_committee_approval, dossier, actor=w[Role.LEADER], **values)
    assert err.value.field == field
    assert dossier.status == Status.SUBMITTED_TO_COMMITTEE and w["year"].committed_vnd == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_the_committees_approval_still_fits_the_budget(db, chairman):
    w = chairman
    dossier = to_reviewed(db, w, draft(db, w))
    act(db, svc.submit_to_committee, dossier, actor=w[Role.LEADER])
    w["year"].budget_vnd = 60_000_000  # less than the 70 M proposed
    db.session.commit()
    with pytest.raises(BudgetExceeded, match="60.000.000"):
        act(db, svc.record_committee_approval, dossier, actor=w[Role.LEADER],
            decision_number=125, decided_on=local_today())
    assert dossier.status == Status.SUBMITTED_TO_COMMITTEE and w["year"].committed_vnd == 0


def test_one_committee_number_files_one_dossier(db, chairman):
    w = chairman
    first = to_reviewed(db, w, draft(db, w, items=[svc.ItemInput("ISO9001", 120_000_000,
                                                                 50_000_000)]))
    second = to_reviewed(db, w, draft(db, w, items=[svc.ItemInput("HACCP", 120_000_000,
                                                                  50_000_000)]))
    for dossier in (first, second):
        act(db, svc.submit_to_committee, dossier, actor=w[Role.LEADER])
    act(db, svc.record_committee_approval, first, actor=w[Role.LEADER], decision_number=7,
        decided_on=local_today())
    with pytest.raises(InvalidInput, match=first.code):
        act(db, svc.record_committee_approval, second, actor=w[Role.LEADER],
            decision_number=7, decided_on=local_today())


def test_nothing_proposed_is_not_submitted(db, chairman):
    w = chairman
    dossier = to_reviewed(db, w, draft(db, w))
    for item in dossier.items:
        item.proposed_vnd = 0
    db.session.commit()
    with pytest.raises(InvalidInput, match="Không hỗ trợ"):
        act(db, svc.submit_to_committee, dossier, actor=w[Role.LEADER])
    assert dossier.status == Status.REVIEWED
