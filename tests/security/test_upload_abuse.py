"""Issue 13 points 8 and 9 from outside: removed files leave the disk and the caps count what
is stored (per dossier and per organisation); uploaded PDFs with active content are flagged to
staff and every attachment is served as a sandboxed download."""

import io
import os
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from grants.domain.roles import Role
from tests.integration.test_budget_concurrency import postgres_only
from tests.web.test_applicant import create_draft

MB = 1024 * 1024
PDF_HEAD = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n"


def big_pdf(size: int) -> bytes:
    return PDF_HEAD + b"%" + b"x" * (size - len(PDF_HEAD) - 8) + b"\n%%EOF\n"


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) if folder.exists() \
        else 0


def upload(client, dossier, line_id, data, name):
    """POST one file; the multipart body is built in memory (the test client's own builder
    spools big bodies to a temporary file it never closes)."""
    boundary, body = encode_multipart({"checklist_item_id": str(line_id or ""),
                                       "return_to": "dossier",
                                       "files": FileStorage(io.BytesIO(data), filename=name,
                                                            content_type="application/pdf")})
    return client.post(f"/portal/dossiers/{dossier.id}/attachments", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def portal(client, world, login):
    login(world["applicant"])
    return client


def _attachments(db, dossier):
    from grants.models import Attachment

    db.session.expire_all()
    return db.session.query(Attachment).filter_by(dossier_id=dossier.id).all()


def test_upload_remove_repeat_keeps_the_disk_bounded_and_the_caps_hold(app, portal, db, world):
    folder = Path(app.config["UPLOAD_DIR"])
    dossier = create_draft(portal, ("ISO9001", "120.000.000", "50.000.000"))
    line = dossier.program_year.checklist[0].id
    for _round in range(8):  # the attack: 9 MB up, remove, again
        assert upload(portal, dossier, line, big_pdf(9 * MB), "to.pdf").status_code == 302
        row = [a for a in _attachments(db, dossier) if not a.is_removed][0]
        removed = portal.post(f"/portal/dossiers/{dossier.id}/attachments/{row.id}/remove")
        assert removed.status_code == 302
        assert disk_bytes(folder) < 1 * MB  # the removed file is gone from disk
    assert len(_attachments(db, dossier)) == 8  # the rows (and audit trail) stay
    # The 50 MB cap counts the files that are stored: five of 9 MB fit, the sixth does not.
    for n in range(5):
        assert upload(portal, dossier, line, big_pdf(9 * MB), f"{n}.pdf").status_code == 302
    refused = upload(portal, dossier, line, big_pdf(9 * MB), "6.pdf")
    assert refused.status_code in (400, 422)
    assert "vượt 50 MB" in refused.get_data(as_text=True)
    assert disk_bytes(folder) <= 50 * MB
    # The organisation's cap counts every dossier of it.
    app.config["MAX_ORGANISATION_BYTES"] = 60 * MB
    other = create_draft(portal, ("5S", "20.000.000", "10.000.000"))
    assert upload(portal, other, line, big_pdf(9 * MB), "a.pdf").status_code == 302
    over = upload(portal, other, line, big_pdf(9 * MB), "b.pdf")
    assert over.status_code in (400, 422)
    assert "Tổ chức đã dùng" in over.get_data(as_text=True)
    assert disk_bytes(folder) <= 60 * MB


def test_a_removed_file_that_could_not_be_deleted_still_counts(app, db, world, monkeypatch):
    from grants.services import uploads

    folder = Path(app.config["UPLOAD_DIR"])
    dossier = _dossier(db, world)
    stored = uploads.store_attachment(
        dossier, actor=world["applicant"], stream=io.BytesIO(big_pdf(3 * MB)),
        original_name="a.pdf", checklist_item_id=None, upload_dir=folder, max_bytes=10 * MB,
        max_dossier_bytes=5 * MB)
    db.session.commit()

    real_remove = uploads.os.remove

    def cannot(path):
        if str(path).endswith(stored.stored_name):
            raise PermissionError(path)
        real_remove(path)

    monkeypatch.setattr(uploads.os, "remove", cannot)
    uploads.remove_attachment(stored, actor=world["applicant"])
    db.session.commit()
    assert (folder / stored.stored_name).exists()
    with pytest.raises(Exception, match="5 MB"):
        uploads.store_attachment(
            dossier, actor=world["applicant"], stream=io.BytesIO(big_pdf(3 * MB)),
            original_name="b.pdf", checklist_item_id=None, upload_dir=folder,
            max_bytes=10 * MB, max_dossier_bytes=5 * MB)
    db.session.rollback()


def _dossier(db, world):
    from grants.models import Dossier

    dossier = Dossier(code="HS-UP-1", organisation=world["org"], program_year=world["year"])
    db.session.add(dossier)
    db.session.commit()
    return dossier


def active_pdf() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('xin chao');")}))
    writer.add_attachment("lenh.txt", b"payload")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_active_pdf_is_flagged_to_staff_and_served_as_a_sandboxed_download(
        app, client, portal, db, world, login):
    dossier = create_draft(portal, ("ISO9001", "120.000.000", "50.000.000"))
    line = dossier.program_year.checklist[0].id
    assert upload(portal, dossier, line, active_pdf(), "don.pdf").status_code == 302
    row = _attachments(db, dossier)[0]
    assert "/JavaScript" in row.active_content and "/EmbeddedFiles" in row.active_content
    mine = portal.get(f"/portal/dossiers/{dossier.id}/attachments/{row.id}")
    assert mine.headers["Content-Disposition"].startswith("attachment")
    mine.close()
    for other in dossier.program_year.checklist[1:]:
        assert upload(portal, dossier, other.id, PDF_HEAD + b"%%EOF\n", "x.pdf").status_code == 302
    from grants.services import dossiers as svc

    svc.submit(dossier, actor=world["applicant"], declaration=True)
    db.session.commit()
    login(world[Role.CLERK])
    for query in ("", "?download=0"):
        response = client.get(f"/dossiers/{dossier.id}/attachments/{row.id}{query}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        response.close()
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "PDF có nội dung chủ động" in page and "/JavaScript" in page


def test_plain_pdf_is_not_flagged(app, db, world):
    from pypdf import PdfWriter

    from grants.services import uploads

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    plain = io.BytesIO()
    writer.write(plain)
    dossier = _dossier(db, world)
    stored = uploads.store_attachment(
        dossier, actor=world["applicant"], stream=io.BytesIO(plain.getvalue()),
        original_name="a.pdf",
        checklist_item_id=None, upload_dir=Path(app.config["UPLOAD_DIR"]), max_bytes=10 * MB,
        max_dossier_bytes=5 * MB)
    assert stored.active_content is None
    assert os.path.exists(Path(app.config["UPLOAD_DIR"]) / stored.stored_name)


@postgres_only
def test_two_uploads_to_two_dossiers_at_once_cannot_both_pass_the_organisation_s_cap(
        app, db, world):
    """Two uploads of 3 MB, each to its own dossier of one organisation whose cap is 5 MB, at
    the same moment: one is stored, the other refused (each dossier's own lock did not cover
    the other dossier: both passed the check and 6 MB were stored)."""
    import threading

    from grants.db import atomic
    from grants.domain.errors import InvalidInput
    from grants.models import Attachment, Dossier, User
    from grants.services import uploads

    app.config["MAX_ORGANISATION_BYTES"] = 5 * MB
    folder = Path(app.config["UPLOAD_DIR"])
    ids = []
    for n in (1, 2):
        dossier = Dossier(code=f"HS-CAP-{n}", organisation=world["org"],
                          program_year=world["year"])
        db.session.add(dossier)
        db.session.flush()
        ids.append(dossier.id)
    applicant_id = world["applicant"].id
    db.session.commit()
    both_checked = threading.Barrier(2)
    real_check = uploads.check_organisation_room

    def check_then_wait(*args, **kwargs):
        real_check(*args, **kwargs)
        try:  # both inside their check before either commits (if the check lets them)
            both_checked.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass

    outcomes = {}

    def store(dossier_id):
        with app.app_context():
            try:
                with atomic():
                    uploads.store_attachment(
                        db.session.get(Dossier, dossier_id),
                        actor=db.session.get(User, applicant_id),
                        stream=io.BytesIO(big_pdf(3 * MB)), original_name="a.pdf",
                        checklist_item_id=None, upload_dir=folder, max_bytes=10 * MB,
                        max_dossier_bytes=50 * MB)
                outcomes[dossier_id] = "stored"
            except InvalidInput as refused:
                outcomes[dossier_id] = refused.message

    uploads.check_organisation_room = check_then_wait
    try:
        threads = [threading.Thread(target=store, args=(i,)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        uploads.check_organisation_room = real_check
    assert len(outcomes) == 2
    assert list(outcomes.values()).count("stored") == 1, outcomes
    assert any("Tổ chức đã dùng" in v for v in outcomes.values())
    db.session.expire_all()
    assert db.session.query(Attachment).count() == 1
