"""Documents of a dossier: issued at their step, numbered gap-free, stored as issued."""

import hashlib
import io
import json
import os
import threading

import pytest
from pypdf import PdfReader

from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict, Forbidden
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import documents
from grants.services import dossiers as svc
from tests.walk import act as _act
from tests.walk import draft as _draft
from tests.walk import to_reviewed as _to_reviewed


def _text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())  # lines wrap anywhere; compare on single spaces


def _kinds(dossier):
    return [d.kind for d in documents.documents_of(dossier)]


def test_each_step_issues_its_slip(db, world):
    dossier = _to_reviewed(db, world, _draft(db, world))
    assert _kinds(dossier) == ["receipt", "appraisal_minutes"]
    receipt = documents.documents_of(dossier)[0]
    text = _text(receipt.pdf)
    assert dossier.code in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert world["org"].name in text
    assert hashlib.sha256(receipt.pdf).hexdigest() == receipt.sha256


def test_the_decision_cites_the_years_functions_decision_and_numbered_plan(db, world):
    from datetime import date

    year = world["year"]
    year.functions_decision = "Quyết định số 25/2025/QĐ-UBND ngày 01/7/2025 của UBND tỉnh"
    year.plan_number, year.plan_date = "05/KH-SKHCN", date(2026, 2, 10)
    db.session.commit()
    dossier = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.approve, dossier, actor=world[Role.LEADER])
    document = _act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])
    text = _text(document.pdf)
    assert "Căn cứ Quyết định số 25/2025/QĐ-UBND ngày 01/7/2025 của UBND tỉnh;" in text
    assert "Căn cứ Kế hoạch số 05/KH-SKHCN ngày 10/02/2026 của Sở Khoa học và Công nghệ" in text
    assert text.index("Căn cứ Quyết định") < text.index("Căn cứ Nghị quyết số 43/2022")
    # The stored paper embeds Liberation Serif and no other font.
    for page in PdfReader(io.BytesIO(document.pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert font["/BaseFont"].split("+", 1)[-1].startswith("LiberationSerif")
            assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_decision_is_numbered_and_kept_as_issued(db, world):
    from grants.models import LetterTemplate

    first = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.approve, first, actor=world[Role.LEADER])
    draft = documents.preview(first, DocumentKind.SUPPORT_DECISION, actor=world[Role.RECORDS])
    assert "DỰ THẢO" in _text(draft)
    document = _act(db, documents.issue_outcome, first, actor=world[Role.RECORDS])
    assert first.status == Status.ISSUED
    assert (document.number, document.symbol) == (1, "QĐ-SKHCN")
    text = _text(document.pdf)
    assert "01/QĐ-SKHCN" in text and "70.000.000" in text and "Bảy mươi triệu đồng" in text
    # The admin changes the template afterwards: the issued bytes do not change.
    db.session.add(LetterTemplate(kind="support_decision", field="title",
                                  text="QUYẾT ĐỊNH MỚI"))
    db.session.commit()
    again = db.session.get(type(document), document.id)
    assert hashlib.sha256(again.pdf).hexdigest() == document.sha256

    second = _to_reviewed(db, world, _draft(db, world, items=[
        svc.ItemInput("HACCP", 30_000_000, 15_000_000)]))
    _act(db, svc.approve, second, actor=world[Role.LEADER])
    assert _act(db, documents.issue_outcome, second, actor=world[Role.RECORDS]).number == 2


def test_rejection_letter_lists_each_reason(db, world):
    dossier = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.reject, dossier, actor=world[Role.LEADER],
         reasons=["Hóa đơn không hợp lệ", "<script>alert(1)</script>"],
         next_steps="Bổ sung hóa đơn và nộp lại trong năm 2027.")
    document = _act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])
    text = _text(document.pdf)
    assert document.symbol == "SKHCN-TĐC"
    assert "Hóa đơn không hợp lệ" in text and "<script>alert(1)</script>" in text
    assert "nộp lại trong năm 2027" in text
    decision = svc.decision_of(dossier)
    assert decision.document_id == document.id and json.loads(decision.reasons_json)


def test_document_before_its_step_is_refused(db, world):
    dossier = _to_reviewed(db, world, _draft(db, world))
    with pytest.raises(Conflict, match="Chưa thể lập"):
        documents.preview(dossier, DocumentKind.SUPPORT_DECISION, actor=world[Role.RECORDS])
    with pytest.raises(Conflict):
        documents.issue_outcome(dossier, actor=world[Role.RECORDS])
    db.session.rollback()


def test_only_records_clerk_issues(db, world):
    dossier = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.approve, dossier, actor=world[Role.LEADER])
    with pytest.raises(Forbidden):
        documents.issue_outcome(dossier, actor=world[Role.CLERK])
    db.session.rollback()


@pytest.mark.skipif(not os.environ.get("GRANTS_TEST_DATABASE_URL"),
                    reason="row locks are tested on PostgreSQL (CI sets GRANTS_TEST_DATABASE_URL)")
def test_two_clerks_numbering_at_once_get_distinct_gap_free_numbers(app, db):
    from grants.db import atomic
    from grants.services.numbering import next_number

    numbers, errors = [], []
    barrier = threading.Barrier(6)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                with atomic():
                    numbers.append(next_number(2026, "QĐ-SKHCN"))
            except Exception as err:  # noqa: BLE001
                errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_the_letterhead_comes_from_the_caller(db, world):
    from grants.letters import Letterhead

    dossier = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.approve, dossier, actor=world[Role.LEADER])
    letterhead = Letterhead(body_lines=("UBND TỈNH THỬ NGHIỆM", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"),
                            place="Thành phố Thử")
    text = _text(documents.preview(dossier, DocumentKind.SUPPORT_DECISION,
                                   actor=world[Role.RECORDS], letterhead=letterhead))
    assert "UBND TỈNH THỬ NGHIỆM" in text and "Thành phố Thử, ngày" in text
    assert "UBND TỈNH BẮC NINH" not in text

