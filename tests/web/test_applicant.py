"""The applicant portal through the test client: draft, uploads, submit, status and history,
supplement answer, withdrawal, documents, and another organisation's things being 404."""

import hashlib
import io
import re
from datetime import date, datetime

import pytest

from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import dossiers as svc
from tests.integration.test_uploads import EXE, PDF, jpeg_bytes, png_bytes


@pytest.fixture
def world(db, make_year, make_user, login):
    from grants.models import CatalogueItem, SupportRule

    items = [CatalogueItem(code="ISO9001", name="ISO 9001 Hệ thống quản lý chất lượng",
                           kind="standard"),
             CatalogueItem(code="5S", name="Công cụ 5S", kind="tool"),
             CatalogueItem(code="HACCP", name="HACCP An toàn thực phẩm", kind="standard")]
    db.session.add_all(items)
    year = make_year()
    for item in items:
        year.rules.append(SupportRule(catalogue_item=item, share_percent=50,
                                      cap_vnd=50_000_000))
    db.session.commit()
    applicant = make_user(Role.APPLICANT, full_name="Nguyễn Thị Mai")
    login(applicant)
    return {"year": year, "applicant": applicant, "org": applicant.organisation,
            "clerk": make_user(Role.CLERK, full_name="Trần Văn Một Cửa"),
            "items": items}


def item_rows(*rows, total=5):
    data = {"return_channel": "online", "note": ""}
    for index in range(total):
        code, cost, requested = rows[index] if index < len(rows) else ("", "", "")
        data.update({f"items-{index}-catalogue_code": code,
                     f"items-{index}-consulting_cost_vnd": cost,
                     f"items-{index}-requested_vnd": requested,
                     f"items-{index}-evidence": "Giấy chứng nhận số 12/2025" if code else ""})
    return data


def create_draft(client, *rows):
    from grants.extensions import db
    from grants.models import Dossier

    response = client.post("/portal/dossiers/new", data=item_rows(*rows))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    dossier_id = int(re.search(r"/portal/dossiers/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(Dossier, dossier_id)


def upload(client, dossier, line_id, data=PDF, name="giay-to.pdf", return_to="dossier"):
    return client.post(f"/portal/dossiers/{dossier.id}/attachments",
                       data={"checklist_item_id": str(line_id or ""), "return_to": return_to,
                             "files": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def upload_all(client, dossier):
    for line in dossier.program_year.checklist:
        response = upload(client, dossier, line.id, name=f"{line.code}.pdf")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def page(client, dossier) -> str:
    response = client.get(f"/portal/dossiers/{dossier.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def refresh(db, dossier):
    db.session.expire_all()
    return db.session.get(type(dossier), dossier.id)


def test_full_applicant_flow(client, db, world):
    from grants.models import Attachment

    new_page = client.get("/portal/dossiers/new").get_data(as_text=True)
    assert "ISO9001 – ISO 9001" in new_page and "tối đa 50.000.000" in new_page
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"),
                           ("5S", "60.000.000", "50.000.000"))
    assert dossier.status == Status.DRAFT and dossier.channel == "online"
    assert sorted((i.catalogue_item.code, i.requested_vnd) for i in dossier.items) == [
        ("5S", 50_000_000), ("ISO9001", 50_000_000)]
    assert dossier.submitter_name == "Nguyễn Thị Mai"
    draft_page = page(client, dossier)
    assert "Bản nháp" in draft_page and "Còn thiếu giấy tờ bắt buộc" in draft_page
    upload_all(client, dossier)
    upload(client, dossier, None, png_bytes(), "anh-nha-xuong.png")
    assert db.session.query(Attachment).filter_by(dossier_id=dossier.id).count() == 7
    assert "Còn thiếu giấy tờ bắt buộc" not in page(client, dossier)

    response = client.post(f"/portal/dossiers/{dossier.id}/submit",
                           data={"version": str(dossier.version), "declaration": "y"})
    assert response.status_code == 302
    dossier = refresh(db, dossier)
    assert dossier.status == Status.SUBMITTED
    assert "Đã nộp, chờ tiếp nhận" in page(client, dossier)

    svc.receive(dossier, actor=world["clerk"],
                lines=[svc.ChecklistLine(c.id, True, "digital")
                       for c in dossier.program_year.checklist],
                received_at=datetime(2026, 3, 2, 2, 0))
    db.session.commit()
    shown = page(client, dossier)
    assert "Được tiếp nhận" in shown
    assert dossier.due_at.strftime("%d/%m") in shown  # due date dd/mm/yyyy
    assert "Chuyên viên một cửa" in shown and "Trần Văn Một Cửa" not in shown
    assert "Nguyễn Thị Mai" in shown  # the organisation's own person by name
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", shown)
    assert "Sửa danh sách" not in shown and "Tải lên" not in shown  # no longer editable

    attachment = db.session.query(Attachment).filter_by(dossier_id=dossier.id).order_by(
        Attachment.id).first()
    with client.get(f"/portal/dossiers/{dossier.id}/attachments/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PDF
        assert "attachment" in download.headers["Content-Disposition"]
        assert download.headers["Cache-Control"] == "no-store"
    listing = client.get("/portal/dossiers").get_data(as_text=True)
    assert dossier.code in listing and "100.000.000" in listing


def test_submit_with_missing_uploads_lists_them(client, db, world):
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    first = dossier.program_year.checklist[0]
    upload(client, dossier, first.id)
    response = client.post(f"/portal/dossiers/{dossier.id}/submit",
                           data={"version": str(dossier.version), "declaration": "y"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Chưa nộp được hồ sơ" in text and "Chưa đính kèm" in text
    for line in dossier.program_year.checklist[1:]:
        assert line.label in text
    assert refresh(db, dossier).status == Status.DRAFT


def test_wrong_file_type_is_refused_with_the_reason(client, db, world, app):
    import os

    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    line = dossier.program_year.checklist[1]
    response = upload(client, dossier, line.id, EXE, "hop-dong.pdf")
    assert response.status_code == 422
    assert "không phải PDF, JPEG hoặc PNG" in response.get_data(as_text=True)
    assert refresh(db, dossier).attachments == []
    upload_dir = app.config["UPLOAD_DIR"]
    assert not os.path.exists(upload_dir) or os.listdir(upload_dir) == []
    empty = client.post(f"/portal/dossiers/{dossier.id}/attachments",
                        data={"checklist_item_id": str(line.id)},
                        content_type="multipart/form-data")
    assert empty.status_code == 422 and "Chọn tệp cần tải lên" in empty.get_data(as_text=True)


def test_several_files_at_once_and_removal(client, db, world):
    from grants.models import Attachment

    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    line = dossier.program_year.checklist[4]
    response = client.post(f"/portal/dossiers/{dossier.id}/attachments",
                           data={"checklist_item_id": str(line.id),
                                 "files": [(io.BytesIO(PDF), "hd1.pdf"),
                                           (io.BytesIO(jpeg_bytes()), "hd2.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    rows = db.session.query(Attachment).filter_by(dossier_id=dossier.id).all()
    assert sorted(a.original_name for a in rows) == ["hd1.pdf", "hd2.jpg"]
    removed = client.post(f"/portal/dossiers/{dossier.id}/attachments/{rows[0].id}/remove")
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attachment, rows[0].id).is_removed
    assert client.get(f"/portal/dossiers/{dossier.id}/attachments/{rows[0].id}"
                      ).status_code == 404
    assert "hd1.pdf" not in page(client, dossier)


def test_amounts_are_checked(client, world):
    response = client.post("/portal/dossiers/new",
                           data=item_rows(("ISO9001", "120,000,000", "50.000.000")))
    assert response.status_code == 422
    assert "dấu chấm" in response.get_data(as_text=True)
    too_much = client.post("/portal/dossiers/new",
                           data=item_rows(("ISO9001", "40.000.000", "50.000.000")))
    assert too_much.status_code == 422
    assert "không được lớn hơn chi phí" in too_much.get_data(as_text=True)
    half = client.post("/portal/dossiers/new", data=item_rows(("ISO9001", "", "50.000.000")))
    assert half.status_code == 422 and "Nhập chi phí tư vấn" in half.get_data(as_text=True)
    nothing = client.post("/portal/dossiers/new", data=item_rows())
    assert nothing.status_code == 422
    assert "ít nhất một tiêu chuẩn" in nothing.get_data(as_text=True)


def test_edit_draft_and_stale_form(client, db, world):
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    form_page = client.get(f"/portal/dossiers/{dossier.id}/edit").get_data(as_text=True)
    assert 'value="50.000.000"' in form_page and 'value="120.000.000"' in form_page
    seen = dossier.version
    data = item_rows(("5S", "60.000.000", "30.000.000"), ("HACCP", "80.000.000", "40.000.000"))
    data.update(version=str(seen), note="Thay bằng 5S và HACCP")
    assert client.post(f"/portal/dossiers/{dossier.id}/edit", data=data).status_code == 302
    dossier = refresh(db, dossier)
    assert dossier.requested_vnd == 70_000_000 and dossier.version > seen
    assert dossier.note == "Thay bằng 5S và HACCP"
    stale = client.post(f"/portal/dossiers/{dossier.id}/edit", data=data | {"version": str(seen)},
                        follow_redirects=True)
    assert "Hồ sơ vừa được người khác thay đổi" in stale.get_data(as_text=True)
    upload_all(client, dossier)
    submit = client.post(f"/portal/dossiers/{dossier.id}/submit",
                         data={"version": str(seen), "declaration": "y"},
                         follow_redirects=True)
    assert "Hồ sơ vừa được người khác thay đổi" in submit.get_data(as_text=True)
    assert refresh(db, dossier).status == Status.DRAFT


def test_edit_draft_keeping_an_item(client, db, world):
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    data = item_rows(("ISO9001", "120.000.000", "45.000.000"), ("HACCP", "80.000.000",
                                                                 "40.000.000"))
    data.update(version=str(dossier.version))
    assert client.post(f"/portal/dossiers/{dossier.id}/edit", data=data).status_code == 302
    assert refresh(db, dossier).requested_vnd == 85_000_000


def test_previous_support_is_warned_before_submit(client, db, world, make_year):
    from grants.models import Dossier, DossierItem

    earlier_year = make_year(year=2025, intake_open=False)
    iso = world["items"][0]
    db.session.add(Dossier(code="HS-2025-00007", organisation=world["org"],
                           program_year=earlier_year, status="returned", outcome="approved",
                           approved_vnd=50_000_000,
                           items=[DossierItem(catalogue_item=iso, consulting_cost_vnd=100_000_000,
                                              requested_vnd=50_000_000,
                                              approved_vnd=50_000_000)]))
    db.session.commit()
    form_page = client.get("/portal/dossiers/new").get_data(as_text=True)
    assert "đã được hỗ trợ trước đây" in form_page and "HS-2025-00007" in form_page
    response = client.post("/portal/dossiers/new",
                           data=item_rows(("ISO9001", "120.000.000", "50.000.000")),
                           follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Tổ chức đã được hỗ trợ cho «ISO 9001" in text and "HS-2025-00007" in text


def test_withdraw_needs_reason_and_confirmation(client, db, world):
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    confirm_page = client.get(f"/portal/dossiers/{dossier.id}/withdraw")
    assert confirm_page.status_code == 200 and "Rút hồ sơ" in confirm_page.get_data(as_text=True)
    refused = client.post(f"/portal/dossiers/{dossier.id}/withdraw",
                          data={"reason": "Không tiếp tục", "version": str(dossier.version)})
    assert refused.status_code == 422
    assert refresh(db, dossier).status == Status.DRAFT
    done = client.post(f"/portal/dossiers/{dossier.id}/withdraw",
                       data={"reason": "Không tiếp tục", "confirm": "y",
                             "version": str(dossier.version)})
    assert done.status_code == 302
    dossier = refresh(db, dossier)
    assert dossier.status == Status.WITHDRAWN
    text = page(client, dossier)
    assert "Đã rút hồ sơ" in text and "Không tiếp tục" in text and "Rút hồ sơ…" not in text
    again = client.get(f"/portal/dossiers/{dossier.id}/withdraw", follow_redirects=True)
    assert "Không thể rút hồ sơ" in again.get_data(as_text=True)


def test_supplement_request_is_answered(client, db, world):
    from grants.models import Attachment, SupplementRequest

    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    upload_all(client, dossier)
    client.post(f"/portal/dossiers/{dossier.id}/submit",
                data={"version": str(dossier.version), "declaration": "y"})
    dossier = refresh(db, dossier)
    svc.request_supplement(dossier, actor=world["clerk"],
                           items=[{"label": "Hóa đơn chi phí tư vấn", "note": "bản chụp mờ"}])
    db.session.commit()
    shown = page(client, dossier)
    assert "Yêu cầu bổ sung giấy tờ" in shown and "Hóa đơn chi phí tư vấn" in shown
    assert "bản chụp mờ" in shown and "Tạm dừng tính thời hạn" in shown
    answer_page = client.get(f"/portal/dossiers/{dossier.id}/supplement")
    assert answer_page.status_code == 200 and "Nộp bổ sung" in answer_page.get_data(as_text=True)
    line = dossier.program_year.checklist[4]
    assert upload(client, dossier, line.id, PDF, "hoa-don-ro.pdf",
                  return_to="supplement").status_code == 302
    missing_note = client.post(f"/portal/dossiers/{dossier.id}/supplement",
                               data={"note": "", "version": str(dossier.version)})
    assert missing_note.status_code == 422
    response = client.post(f"/portal/dossiers/{dossier.id}/supplement",
                           data={"note": "Đã bổ sung hóa đơn bản rõ",
                                 "version": str(dossier.version),
                                 "files": (io.BytesIO(png_bytes()), "bien-lai.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    dossier = refresh(db, dossier)
    assert dossier.status == Status.SUBMITTED
    request = db.session.query(SupplementRequest).filter_by(dossier_id=dossier.id).one()
    assert request.answered_at is not None and request.answer_note == "Đã bổ sung hóa đơn bản rõ"
    names = {a.original_name for a in db.session.query(Attachment).filter_by(
        dossier_id=dossier.id)}
    assert {"hoa-don-ro.pdf", "bien-lai.png"} <= names
    assert "Đã bổ sung hóa đơn bản rõ" in page(client, dossier)


def test_bad_file_in_supplement_answer_changes_nothing(client, db, world, app):
    import os

    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    upload_all(client, dossier)
    client.post(f"/portal/dossiers/{dossier.id}/submit",
                data={"version": str(dossier.version), "declaration": "y"})
    dossier = refresh(db, dossier)
    svc.request_supplement(dossier, actor=world["clerk"], items=[{"label": "Hóa đơn"}])
    db.session.commit()
    before = sorted(os.listdir(app.config["UPLOAD_DIR"]))
    response = client.post(f"/portal/dossiers/{dossier.id}/supplement",
                           data={"note": "Bổ sung", "version": str(dossier.version),
                                 "files": [(io.BytesIO(PDF), "tot.pdf"),
                                           (io.BytesIO(EXE), "xau.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "không phải PDF" in response.get_data(as_text=True)
    assert refresh(db, dossier).status == Status.SUPPLEMENT_REQUESTED
    assert sorted(os.listdir(app.config["UPLOAD_DIR"])) == before  # the good one went too


def _document(db, dossier, issuer, pdf=b"%PDF-1.4\n% ket qua\n%%EOF\n"):
    from grants.models import Document

    row = Document(dossier_id=dossier.id, kind="receipt", year=2026, number=None, symbol="",
                   issued_on=date(2026, 3, 2), issued_by_id=issuer.id,
                   sha256=hashlib.sha256(pdf).hexdigest(), size_bytes=len(pdf), pdf=pdf)
    db.session.add(row)
    db.session.commit()
    return row


def test_issued_documents_can_be_downloaded(client, db, world):
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    document = _document(db, dossier, world["clerk"])
    shown = page(client, dossier)
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in shown
    response = client.get(f"/portal/dossiers/{dossier.id}/documents/{document.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert dossier.code in response.headers["Content-Disposition"]


def test_another_organisations_things_are_404(client, db, world, make_user, login, app):
    import io as _io

    from grants.services import uploads

    other = make_user(Role.APPLICANT)
    theirs = svc.create_draft(other.organisation, world["year"], actor=other,
                              items=[svc.ItemInput("5S", 40_000_000, 20_000_000)])
    db.session.commit()
    their_file = uploads.store_attachment(
        theirs, actor=other, stream=_io.BytesIO(PDF), original_name="bi-mat.pdf",
        checklist_item_id=None, upload_dir=app.config["UPLOAD_DIR"], max_bytes=10**6,
        max_dossier_bytes=10**7)
    db.session.commit()
    their_document = _document(db, theirs, world["clerk"])
    mine = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    urls = [f"/portal/dossiers/{theirs.id}", f"/portal/dossiers/{theirs.id}/edit",
            f"/portal/dossiers/{theirs.id}/withdraw", f"/portal/dossiers/{theirs.id}/supplement",
            f"/portal/dossiers/{theirs.id}/attachments/{their_file.id}",
            f"/portal/dossiers/{mine.id}/attachments/{their_file.id}",
            f"/portal/dossiers/{theirs.id}/documents/{their_document.id}",
            f"/portal/dossiers/{mine.id}/documents/{their_document.id}",
            "/portal/dossiers/999999"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in (f"/portal/dossiers/{theirs.id}/submit", f"/portal/dossiers/{theirs.id}/withdraw",
                f"/portal/dossiers/{theirs.id}/attachments",
                f"/portal/dossiers/{mine.id}/attachments/{their_file.id}/remove"):
        assert client.post(url, data={"reason": "x", "confirm": "y"}).status_code == 404, url
    assert theirs.code not in client.get("/portal/dossiers").get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(type(their_file), their_file.id).is_removed


def test_profile_is_edited_but_not_the_tax_code(client, db, world):
    from grants.models import AuditEvent

    org = world["org"]
    tax_code = org.tax_code
    shown = client.get("/portal/profile").get_data(as_text=True)
    assert tax_code in shown and org.name in shown
    response = client.post("/portal/profile", data={
        "name": "Công ty CP Hoa Mai", "address": "Số 9 Ngô Gia Tự", "commune": "Phường Suối Hoa",
        "sector": "Chế biến thực phẩm", "size": "Nhỏ", "representative": "Nguyễn Thị Mai",
        "representative_title": "Giám đốc", "phone": "0912 345 678", "email": "MAI@HOAMAI.VN",
        "tax_code": "9999999999"})
    assert response.status_code == 302
    db.session.expire_all()
    org = db.session.get(type(org), org.id)
    assert org.name == "Công ty CP Hoa Mai" and org.email == "mai@hoamai.vn"
    assert org.tax_code == tax_code
    event = db.session.query(AuditEvent).filter_by(action="organisation.update").one()
    assert "Hoa Mai" in event.after_json
    bad = client.post("/portal/profile", data={"name": "", "commune": "X"})
    assert bad.status_code == 422


def test_portal_is_for_applicants_only(client, make_user, login, world):
    assert client.get("/portal/dossiers").status_code == 200
    login(make_user(Role.CLERK))
    assert client.get("/portal/dossiers").status_code == 403
    client.post("/auth/logout")
    anonymous = client.get("/portal/dossiers")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_closed_intake_has_no_new_dossier(client, db, world):
    world["year"].intake_open = False
    db.session.commit()
    response = client.get("/portal/dossiers/new", follow_redirects=True)
    assert "chưa mở đợt tiếp nhận" in response.get_data(as_text=True)
    assert "Lập hồ sơ mới" not in response.get_data(as_text=True)


def test_pages_carry_no_inline_script_or_style(client, world):
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    for url in ("/portal/dossiers", "/portal/dossiers/new", f"/portal/dossiers/{dossier.id}",
                f"/portal/dossiers/{dossier.id}/edit", "/portal/profile",
                f"/portal/dossiers/{dossier.id}/withdraw"):
        text = client.get(url).get_data(as_text=True)
        assert "style=" not in text, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), url
        assert 'name="viewport"' in text
