"""Dossier attachments: PDF, JPEG and PNG only (judged by content), size limits, stored outside
static/ under generated names, with the original filename kept for display only.

No Flask request objects here: callers pass a file-like stream, its original name and the limits
(from config). A file lands in the upload directory only after every check passed, and is
deleted again if the surrounding transaction rolls back, so a refused or failed upload leaves
nothing behind.
"""

import hashlib
import os
import re
import tempfile
import unicodedata
import uuid
from contextlib import suppress
from pathlib import Path

import filetype
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.roles import Role
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models import Attachment, ChecklistItem, Dossier, User
from grants.permissions import can_view_dossier
from grants.services import audit

#: Detected MIME type → extension of the stored file. Nothing else is accepted.
ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
CHUNK_BYTES = 64 * 1024
HEADER_BYTES = 8192  # what ``filetype`` looks at
MAX_NAME_CHARS = 255
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:pdf|jpg|png)")
_PENDING_KEY = "grants.uploads.pending_paths"

#: States in which the organisation (or the desk on its behalf) may change the files.
APPLICANT_EDITABLE = (Status.DRAFT, Status.SUPPLEMENT_REQUESTED)
#: The desk may also add what the organisation brings to the counter before reception.
CLERK_EDITABLE = (Status.DRAFT, Status.SUPPLEMENT_REQUESTED, Status.SUBMITTED)


# ---------------------------------------------------------------- files follow the transaction


@event.listens_for(Session, "after_commit")
def _keep_stored_files(session):
    session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _discard_stored_files(session, previous_transaction):
    # Only the outermost rollback: the rows naming these files are gone, so are the files.
    if previous_transaction.parent is None:
        for path in session.info.pop(_PENDING_KEY, ()):
            with suppress(FileNotFoundError):
                os.remove(path)


def _track(path: Path) -> None:
    db.session.info.setdefault(_PENDING_KEY, []).append(str(path))


# ---------------------------------------------------------------- helpers


def human_size(size: int) -> str:
    """Bytes as Vietnamese readers write them: "10 MB", "2,5 MB", "800 KB"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            text = f"{size / scale:.1f}".removesuffix(".0").replace(".", ",")
            return f"{text} {unit}"
    return f"{size} byte"


def clean_filename(name: str | None, extension: str) -> str:
    """The original filename fit for display: last path component, no control or format
    characters, at most 255 characters (the extension kept); a neutral name if nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text
                   if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
    text = " ".join(text.split()).strip(" .")
    if not text:
        return f"tep-dinh-kem.{extension}"
    if len(text) > MAX_NAME_CHARS:
        stem, dot, suffix = text.rpartition(".")
        if dot and 0 < len(suffix) <= 10 and stem:
            text = stem[:MAX_NAME_CHARS - len(suffix) - 1].rstrip() + "." + suffix
        else:
            text = text[:MAX_NAME_CHARS]
    return text


def _is_own_applicant(actor: User, dossier: Dossier) -> bool:
    return (actor.has_role(Role.APPLICANT) and actor.organisation_id is not None
            and actor.organisation_id == dossier.organisation_id)


def check_editable(dossier: Dossier, actor: User) -> None:
    """Refuse unless ``actor`` may change the dossier's files now.

    Raises NotFound (dossier not visible), Forbidden (neither the organisation nor the desk),
    Conflict (the dossier's state no longer allows changes).
    """
    if not can_view_dossier(actor, dossier):
        raise NotFound("Không tìm thấy hồ sơ.")
    own = _is_own_applicant(actor, dossier)
    clerk = actor.has_role(Role.CLERK)
    if not (own or clerk):
        raise Forbidden("Bạn không có quyền thay đổi tệp đính kèm của hồ sơ này.", field="file")
    states = CLERK_EDITABLE if clerk else APPLICANT_EDITABLE
    if dossier.state not in states:
        raise Conflict("Không thể thay đổi tệp đính kèm khi hồ sơ đang ở trạng thái "
                       f"«{dossier.status_label}».", field="file")


def _check_version(dossier: Dossier, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != dossier.version:
        raise Conflict("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang để xem "
                       "trạng thái mới nhất rồi thao tác lại.")


def _checklist_item(dossier: Dossier, checklist_item_id: int | None) -> ChecklistItem | None:
    if checklist_item_id in (None, ""):
        return None
    try:
        wanted = int(checklist_item_id)
    except (TypeError, ValueError):
        wanted = None
    for item in dossier.program_year.checklist:
        if item.id == wanted:
            return item
    raise InvalidInput("Dòng danh mục giấy tờ không thuộc hồ sơ năm "
                       f"{dossier.program_year.year}.", field="checklist_item_id")


def _dossier_bytes(dossier: Dossier) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Attachment.size_bytes), 0)).where(
        Attachment.dossier_id == dossier.id, Attachment.is_removed.is_(False)))


def _lock(dossier: Dossier) -> Dossier:
    # Serialise uploads to one dossier so two at once cannot both pass the total limit.
    from grants.services.dossiers import lock_dossier

    return lock_dossier(dossier.id)


def _upload_root(upload_dir) -> Path:
    if not upload_dir:
        raise RuntimeError("UPLOAD_DIR chưa được cấu hình.")
    root = Path(upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _detect(header: bytes, shown_name: str) -> tuple[str, str]:
    """(MIME type, extension) from the first bytes; InvalidInput for anything else."""
    kind = filetype.guess(header)
    mime = kind.mime if kind is not None else None
    if mime not in ALLOWED_TYPES or (mime == "application/pdf"
                                     and not header.startswith(b"%PDF-")):
        found = f" (nội dung thực tế: {kind.extension.upper()})" if kind is not None else ""
        raise InvalidInput(f"Tệp «{shown_name}» không phải PDF, JPEG hoặc PNG{found}. Hệ thống "
                           "kiểm tra nội dung tệp, không dựa vào phần mở rộng của tên tệp.",
                           field="file")
    return mime, ALLOWED_TYPES[mime]


def _receive(stream, handle, max_bytes: int, shown_name: str) -> tuple[int, str, bytes]:
    """Copy ``stream`` into ``handle`` in chunks; (size, sha256, first bytes). Stops reading as
    soon as the limit is passed, so an endless or huge stream is never read whole."""
    digest = hashlib.sha256()
    header = b""
    size = 0
    while True:
        chunk = stream.read(min(CHUNK_BYTES, max_bytes + 1 - size))
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise InvalidInput(f"Tệp «{shown_name}» vượt quá dung lượng cho phép "
                               f"({human_size(max_bytes)} mỗi tệp).", field="file")
        if len(header) < HEADER_BYTES:
            header += chunk[:HEADER_BYTES - len(header)]
        digest.update(chunk)
        handle.write(chunk)
    return size, digest.hexdigest(), header


# ---------------------------------------------------------------- use cases


def store_attachment(dossier: Dossier, *, actor: User, stream, original_name: str | None,
                     checklist_item_id: int | None, upload_dir, max_bytes: int,
                     max_dossier_bytes: int, expected_version: int | None = None) -> Attachment:
    """Check and store one uploaded file against a checklist line (None: an additional paper).

    The type is judged by content (PDF with a ``%PDF-`` header, JPEG, PNG), never by the name or
    the client's content type. Raises InvalidInput (field "file") for an empty, oversized or
    wrongly typed file or when the dossier's total would pass ``max_dossier_bytes``; Conflict
    when the dossier can no longer be changed (or ``expected_version`` is stale); Forbidden /
    NotFound for the wrong actor. On refusal nothing is stored. Flushes, never commits.
    """
    check_editable(dossier, actor)
    dossier = _lock(dossier)
    check_editable(dossier, actor)  # again, on the fresh row
    _check_version(dossier, expected_version)
    line = _checklist_item(dossier, checklist_item_id)
    shown_name = clean_filename(original_name, "pdf")
    used = _dossier_bytes(dossier)
    if used >= max_dossier_bytes:
        raise InvalidInput(f"Hồ sơ đã dùng hết dung lượng cho phép ({human_size(max_dossier_bytes)}"
                           "). Gỡ bớt tệp không cần thiết trước khi tải thêm.", field="file")
    root = _upload_root(upload_dir)
    fd, temp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=root)
    try:
        with os.fdopen(fd, "wb") as handle:
            size, sha256, header = _receive(stream, handle, max_bytes, shown_name)
        if size == 0:
            raise InvalidInput(f"Tệp «{shown_name}» rỗng (0 byte).", field="file")
        mime, extension = _detect(header, shown_name)
        if used + size > max_dossier_bytes:
            raise InvalidInput(
                f"Tổng dung lượng tệp của hồ sơ sẽ vượt {human_size(max_dossier_bytes)}; chỉ còn "
                f"{human_size(max_dossier_bytes - used)} cho tệp «{shown_name}» "
                f"({human_size(size)}).", field="file")
        stored_name = f"{uuid.uuid4().hex}.{extension}"
        final_path = root / stored_name
        os.replace(temp_name, final_path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(temp_name)
        raise
    _track(final_path)
    attachment = Attachment(dossier=dossier, checklist_item_id=line.id if line else None,
                            original_name=clean_filename(original_name, extension),
                            stored_name=stored_name, content_type=mime, size_bytes=size,
                            sha256=sha256, uploaded_by_id=actor.id, is_removed=False)
    db.session.add(attachment)
    db.session.flush()
    audit.record("attachment.store", attachment, actor=actor, dossier=dossier,
                 after={"original_name": attachment.original_name, "size_bytes": size,
                        "content_type": mime, "sha256": sha256,
                        "checklist_item": line.code if line else None})
    return attachment


def remove_attachment(attachment: Attachment, *, actor: User,
                      expected_version: int | None = None) -> None:
    """Mark an attachment removed (the file is kept for the audit trail) while the dossier is
    still editable. Raises as ``check_editable``; Conflict if it was already removed."""
    dossier = _lock(attachment.dossier)
    check_editable(dossier, actor)
    _check_version(dossier, expected_version)
    if attachment.is_removed:
        raise Conflict(f"Tệp «{attachment.original_name}» đã được gỡ trước đó.")
    attachment.is_removed = True
    db.session.flush()
    audit.record("attachment.remove", attachment, actor=actor, dossier=dossier,
                 before={"is_removed": False}, after={"is_removed": True,
                                                      "original_name": attachment.original_name})


def open_attachment(attachment: Attachment, upload_dir) -> Path:
    """The stored file's path, after checking its generated name stays inside ``upload_dir``.
    Raises NotFound when the file is missing."""
    if not STORED_NAME.fullmatch(attachment.stored_name or ""):
        raise NotFound("Không tìm thấy tệp đính kèm.")
    path = Path(upload_dir) / attachment.stored_name
    if not path.is_file():
        raise NotFound("Không tìm thấy tệp đính kèm trên máy chủ.")
    return path


def active_attachments(dossier: Dossier) -> list[Attachment]:
    """The dossier's files that have not been removed, oldest first."""
    return list(db.session.scalars(select(Attachment).where(
        Attachment.dossier_id == dossier.id, Attachment.is_removed.is_(False))
        .order_by(Attachment.id)))
