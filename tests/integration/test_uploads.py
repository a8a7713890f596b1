"""Uploads through the service: type by content, size limits, generated names, nothing left
behind on refusal or rollback, and who may change a dossier's files when."""

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import dossiers as svc
from grants.services import uploads
from grants.services.dossiers import ItemInput
from tests.walk import act

MB = 1024 * 1024

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1 RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run in DOS"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hoa-don.pdf", b"\x00" * (5 * MB))
    return buffer.getvalue()


class EndlessPdf:
    """A stream that never ends; counts what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        data = (b"%PDF-1.7\n" + b"0" * size)[:size] if self.read_bytes == 0 else b"0" * size
        self.read_bytes += len(data)
        return data


@pytest.fixture
def world(db, make_year, make_user):
    from grants.models import CatalogueItem, SupportRule

    item = CatalogueItem(code="ISO9001", name="ISO 9001 Hệ thống quản lý chất lượng",
                         kind="standard")
    db.session.add(item)
    year = make_year()
    year.rules.append(SupportRule(catalogue_item=item, share_percent=50, cap_vnd=50_000_000))
    db.session.commit()
    applicant = make_user(Role.APPLICANT)
    dossier = svc.create_draft(applicant.organisation, year, actor=applicant,
                               items=[ItemInput("ISO9001", 120_000_000, 50_000_000)])
    db.session.commit()
    return {"year": year, "applicant": applicant, "dossier": dossier,
            "clerk": make_user(Role.CLERK), "appraiser": make_user(Role.APPRAISER),
            "stranger": make_user(Role.APPLICANT)}


@pytest.fixture
def upload_dir(app):
    return Path(app.config["UPLOAD_DIR"])


def store(db, upload_dir, dossier, actor, data, name="tep.pdf", line="first",
          max_bytes=MB, max_dossier_bytes=5 * MB, stream=None):
    if line == "first":
        line = dossier.program_year.checklist[0].id
    return act(db, uploads.store_attachment,
               dossier, actor=actor, stream=stream or io.BytesIO(data), original_name=name,
               checklist_item_id=line, upload_dir=upload_dir, max_bytes=max_bytes,
               max_dossier_bytes=max_dossier_bytes)


def files_in(upload_dir: Path) -> list[str]:
    return sorted(os.listdir(upload_dir)) if upload_dir.exists() else []


@pytest.mark.parametrize(("data", "name", "mime", "extension"), [
    (PDF, "Đơn đề nghị.pdf", "application/pdf", "pdf"),
    (png_bytes(), "giay-chung-nhan.png", "image/png", "png"),
    (jpeg_bytes(), "hoa-don.jpg", "image/jpeg", "jpg"),
    (png_bytes(), "anh-chup-khong-duoi", "image/png", "png"),  # type by content, not name
])
def test_accepted_types_are_stored_under_generated_names(db, world, upload_dir, data, name,
                                                         mime, extension):
    import hashlib

    from grants.models import AuditEvent

    attachment = store(db, upload_dir, world["dossier"], world["applicant"], data, name)
    assert attachment.content_type == mime
    assert attachment.original_name == name
    assert attachment.size_bytes == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert uploads.STORED_NAME.fullmatch(attachment.stored_name)
    assert attachment.stored_name.endswith("." + extension)
    path = uploads.open_attachment(attachment, upload_dir)
    assert path.parent == upload_dir and path.read_bytes() == data
    assert files_in(upload_dir) == [attachment.stored_name]
    assert "static" not in str(path)
    event = db.session.query(AuditEvent).filter_by(action="attachment.store").one()
    assert event.dossier_id == world["dossier"].id and event.actor_id == world["applicant"].id


@pytest.mark.parametrize(("data", "name", "message"), [
    (EXE, "hop-dong.pdf", "không phải PDF, JPEG hoặc PNG"),
    (HTML, "anh.png", "không phải PDF, JPEG hoặc PNG"),
    (zip_bomb(), "hoa-don.pdf", "ZIP"),
    (b"", "rong.pdf", "rỗng"),
    (b"%PDF1.4 without the dash", "gia.pdf", "không phải PDF"),
])
def test_wrong_or_empty_content_is_refused_and_nothing_stored(db, world, upload_dir, data, name,
                                                             message):
    from grants.models import Attachment

    with pytest.raises(InvalidInput, match=message) as caught:
        store(db, upload_dir, world["dossier"], world["applicant"], data, name)
    assert caught.value.field == "file"
    assert files_in(upload_dir) == []
    assert db.session.query(Attachment).count() == 0


def test_oversized_file_is_refused_without_reading_it_all(db, world, upload_dir):
    with pytest.raises(InvalidInput, match="vượt quá dung lượng") as caught:
        store(db, upload_dir, world["dossier"], world["applicant"], PDF + b"0" * 2048,
              max_bytes=1024)
    assert "1 KB" in caught.value.message
    endless = EndlessPdf()
    with pytest.raises(InvalidInput, match="vượt quá dung lượng"):
        store(db, upload_dir, world["dossier"], world["applicant"], None, stream=endless,
              max_bytes=MB)
    assert endless.read_bytes == MB + 1
    assert files_in(upload_dir) == []


def test_exact_limit_is_accepted(db, world, upload_dir):
    data = PDF + b"0" * (2048 - len(PDF))
    attachment = store(db, upload_dir, world["dossier"], world["applicant"], data,
                       max_bytes=2048)
    assert attachment.size_bytes == 2048


def test_dossier_total_is_limited(db, world, upload_dir):
    data = PDF + b"0" * 3000
    first = store(db, upload_dir, world["dossier"], world["applicant"], data,
                  max_dossier_bytes=8000)
    store(db, upload_dir, world["dossier"], world["applicant"], data, max_dossier_bytes=8000)
    with pytest.raises(InvalidInput, match="Tổng dung lượng") as caught:
        store(db, upload_dir, world["dossier"], world["applicant"], data,
              max_dossier_bytes=8000)
    assert "chỉ còn" in caught.value.message
    assert len(files_in(upload_dir)) == 2
    # A removed file is deleted from disk (issue 13 point 8), so it no longer counts.
    uploads.remove_attachment(first, actor=world["applicant"])
    db.session.commit()
    assert len(files_in(upload_dir)) == 1
    store(db, upload_dir, world["dossier"], world["applicant"], data, max_dossier_bytes=8000)
    assert len(files_in(upload_dir)) == 2


def test_path_traversal_name_is_stored_under_generated_name(db, world, upload_dir):
    attachment = store(db, upload_dir, world["dossier"], world["applicant"], PDF,
                       "../../etc/passwd.pdf")
    assert attachment.original_name == "passwd.pdf"
    assert "/" not in attachment.stored_name and ".." not in attachment.stored_name
    assert files_in(upload_dir) == [attachment.stored_name]
    assert not (upload_dir.parent.parent / "etc" / "passwd.pdf").exists()
    windows = store(db, upload_dir, world["dossier"], world["applicant"], PDF,
                    "C:\\Users\\ke toan\\hoa\x00 don\u202e.pdf")
    assert windows.original_name == "hoa don.pdf"
    long_name = store(db, upload_dir, world["dossier"], world["applicant"], PDF,
                      "a" * 400 + ".pdf")
    assert len(long_name.original_name) == 255 and long_name.original_name.endswith(".pdf")
    nameless = store(db, upload_dir, world["dossier"], world["applicant"], png_bytes(), "../")
    assert nameless.original_name == "tep-dinh-kem.png"


def test_rollback_of_the_transaction_removes_the_file(db, world, upload_dir):
    uploads.store_attachment(world["dossier"], actor=world["applicant"], stream=io.BytesIO(PDF),
                             original_name="a.pdf", checklist_item_id=None,
                             upload_dir=upload_dir, max_bytes=MB, max_dossier_bytes=5 * MB)
    assert len(files_in(upload_dir)) == 1
    db.session.rollback()
    assert files_in(upload_dir) == []


def test_checklist_line_must_belong_to_the_year(db, world, upload_dir, make_year):
    other_year = make_year(year=2030)
    with pytest.raises(InvalidInput) as caught:
        store(db, upload_dir, world["dossier"], world["applicant"], PDF,
              line=other_year.checklist[0].id)
    assert caught.value.field == "checklist_item_id"
    assert files_in(upload_dir) == []


def test_who_may_change_files_and_when(db, world, upload_dir):
    dossier = world["dossier"]
    with pytest.raises(NotFound):
        store(db, upload_dir, dossier, world["stranger"], PDF)
    with pytest.raises(Forbidden):
        store(db, upload_dir, dossier, world["appraiser"], PDF)
    for line in dossier.program_year.checklist:
        store(db, upload_dir, dossier, world["applicant"], PDF, line=line.id)
    svc.submit(dossier, actor=world["applicant"], declaration=True)
    db.session.commit()
    assert dossier.status == Status.SUBMITTED
    with pytest.raises(Conflict, match="Đã nộp"):
        store(db, upload_dir, dossier, world["applicant"], PDF)
    # The desk adds what the organisation brings to the counter before reception.
    store(db, upload_dir, dossier, world["clerk"], jpeg_bytes(), "ban-goc.jpg", line=None)
    svc.request_supplement(dossier, actor=world["clerk"], items=[{"label": "Hóa đơn"}])
    db.session.commit()
    store(db, upload_dir, dossier, world["applicant"], PDF, "hoa-don-bo-sung.pdf")
    assert len(files_in(upload_dir)) == len(dossier.program_year.checklist) + 2


def test_remove_is_audited_and_only_while_editable(db, world, upload_dir):
    from grants.models import AuditEvent

    dossier = world["dossier"]
    attachment = store(db, upload_dir, dossier, world["applicant"], PDF)
    line = dossier.program_year.checklist[0]
    assert line.label not in svc.missing_uploads(dossier)
    uploads.remove_attachment(attachment, actor=world["applicant"])
    db.session.commit()
    assert attachment.is_removed
    assert line.label in svc.missing_uploads(dossier)
    assert uploads.active_attachments(dossier) == []
    assert db.session.query(AuditEvent).filter_by(action="attachment.remove").count() == 1
    with pytest.raises(Conflict):
        uploads.remove_attachment(attachment, actor=world["applicant"])
    db.session.rollback()
    kept = store(db, upload_dir, dossier, world["applicant"], PDF)
    svc.withdraw(dossier, actor=world["applicant"], reason="Không tiếp tục")
    db.session.commit()
    with pytest.raises(Conflict):
        uploads.remove_attachment(kept, actor=world["applicant"])
    db.session.rollback()
    assert not kept.is_removed


def test_open_attachment_refuses_odd_names_and_missing_files(db, world, upload_dir):
    attachment = store(db, upload_dir, world["dossier"], world["applicant"], PDF)
    os.remove(upload_dir / attachment.stored_name)
    with pytest.raises(NotFound):
        uploads.open_attachment(attachment, upload_dir)
    attachment.stored_name = "../config.py"
    with pytest.raises(NotFound):
        uploads.open_attachment(attachment, upload_dir)
    db.session.rollback()


def test_human_size():
    assert uploads.human_size(10 * MB) == "10 MB"
    assert uploads.human_size(int(2.5 * MB)) == "2,5 MB"
    assert uploads.human_size(800 * 1024) == "800 KB"
    assert uploads.human_size(12) == "12 byte"
