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
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import filetype
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from grants.db import lock_for_update
from grants.domain.enums import SignatureState
from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.policy import APPLICANT_EDITABLE, CLERK_EDITABLE, Permission, can
from grants.domain.roles import Role
from grants.domain.workflow_states import PAUSED_IN_PROCESS
from grants.extensions import db
from grants.models import Attachment, ChecklistItem, Dossier, Organisation, User
from grants.services import audit

#: Detected MIME type → extension of the stored file. Nothing else is accepted.
ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
CHUNK_BYTES = 64 * 1024
HEADER_BYTES = 8192  # what ``filetype`` looks at
MAX_NAME_CHARS = 255
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:pdf|jpg|png)")
_PENDING_KEY = "grants.uploads.pending_paths"

# The states in which files may change: APPLICANT_EDITABLE and CLERK_EDITABLE (the desk may also
# add what the organisation brings to the counter before reception), named in domain/policy.py.


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


def check_editable(dossier: Dossier, actor: User) -> None:
    """Refuse unless ``actor`` may change the dossier's files now.

    Raises NotFound (dossier not visible), Forbidden (neither the organisation nor the desk),
    Conflict (the dossier's state no longer allows changes).
    """
    if not can(actor, Permission.VIEW_DOSSIER, dossier):
        raise NotFound("Không tìm thấy hồ sơ.")
    if not can(actor, Permission.CHANGE_FILES, dossier):
        raise Forbidden("Bạn không có quyền thay đổi tệp đính kèm của hồ sơ này.", field="file")
    states = CLERK_EDITABLE if actor.has_role(Role.CLERK) else APPLICANT_EDITABLE
    if dossier.status not in states and dossier.status not in PAUSED_IN_PROCESS:
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


def _on_disk_bytes(where, upload_dir) -> int:
    """What the attachments matching ``where`` hold on disk: every file not removed, plus a
    removed one whose file is still there (its deletion after the commit failed). Removed
    files are deleted from disk when the removal commits (``remove_attachment``), so an
    upload-remove-upload loop cannot fill the disk (issue 13 point 8)."""
    active = db.session.scalar(select(func.coalesce(func.sum(Attachment.size_bytes), 0))
                               .where(where, Attachment.is_removed.is_(False)))
    lingering = 0
    if upload_dir:
        root = Path(upload_dir)
        for name, size in db.session.execute(select(Attachment.stored_name, Attachment.size_bytes)
                                             .where(where, Attachment.is_removed.is_(True))):
            if STORED_NAME.fullmatch(name or "") and (root / name).exists():
                lingering += size
    return int(active) + lingering


def _dossier_bytes(dossier: Dossier, upload_dir=None) -> int:
    return _on_disk_bytes(Attachment.dossier_id == dossier.id, upload_dir)


def organisation_bytes(organisation_id: int, upload_dir=None) -> int:
    """Every stored file of the organisation: its dossiers' attachments (as ``_on_disk_bytes``)
    and the registration certificates it uploaded."""
    from grants.models import OrganisationClaim

    files = _on_disk_bytes(Attachment.dossier_id.in_(
        select(Dossier.id).where(Dossier.organisation_id == organisation_id)), upload_dir)
    certificates = db.session.scalar(
        select(func.coalesce(func.sum(OrganisationClaim.certificate_size), 0))
        .where(OrganisationClaim.organisation_id == organisation_id))
    return files + int(certificates)


def _organisation_limit() -> int | None:
    from grants.queue import settings

    try:
        return settings().get("MAX_ORGANISATION_BYTES")
    except RuntimeError:  # no app (a bare script): no organisation limit
        return None


def check_organisation_room(organisation_id: int, size: int, upload_dir, shown_name: str,
                            limit: int | None = None) -> None:
    """InvalidInput (field "file") when ``size`` more bytes would pass the organisation's cap
    (the MAX_ORGANISATION_BYTES setting)."""
    limit = limit if limit is not None else _organisation_limit()
    if not limit:
        return
    # Serialise the organisation's uploads (to any of its dossiers, or a certificate) until
    # the transaction ends, so two at once cannot both pass its cap (the dossier's own lock
    # does not cover its other dossiers). Taken after the dossier's lock, as everywhere.
    db.session.execute(lock_for_update(select(Organisation.id)
                                       .where(Organisation.id == organisation_id)))
    used = organisation_bytes(organisation_id, upload_dir)
    if used + size > limit:
        left = max(limit - used, 0)
        raise InvalidInput(
            f"Tổ chức đã dùng {human_size(used)} trong {human_size(limit)} dung lượng lưu trữ "
            f"cho phép; chỉ còn {human_size(left)} cho tệp «{shown_name}» ({human_size(size)}). "
            "Gỡ bớt tệp không cần thiết hoặc liên hệ Bộ phận một cửa.", field="file")


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


#: PDF names that make a file do something when opened (issue 13 point 9): scripts, actions on
#: opening or on events, launching programs, files carried inside.
ACTIVE_PDF_NAMES = ("/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFiles",
                    "/EmbeddedFile", "/RichMedia", "/XFA")
MAX_PDF_OBJECTS = 50_000


def pdf_active_content(path) -> str | None:
    """The active-content names found in the PDF at ``path`` ("/JavaScript, /OpenAction"), or
    None. Walks every object reachable from the trailer with pypdf (object streams included,
    so compressed objects do not hide a name); a file pypdf cannot parse is reported as such
    rather than passed as clean."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    found: set[str] = set()
    try:
        reader = PdfReader(str(path), strict=False)
        stack = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        steps = 0
        while stack and steps < MAX_PDF_OBJECTS:
            steps += 1
            item = stack.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                for name, value in item.items():
                    if name in ACTIVE_PDF_NAMES:
                        found.add(name)
                    if str(value) in ("/JavaScript", "/Launch") and name == "/S":
                        found.add(str(value))
                    if name != "/Parent":
                        stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
    except Exception:  # noqa: BLE001 - any parser failure: warn, do not trust the file
        found.add("cấu trúc PDF không đọc được")
    return ", ".join(sorted(found)) or None


def pdf_signatures(path, trusted=()) -> tuple[str | None, str | None]:
    """(state, summary) of the digital signatures of the PDF at ``path`` (issue 14 point 9):
    the worst state among them (broken, then untrusted) and one line per signature; (None,
    None) for an unsigned PDF or one the signature reader cannot parse."""
    from grants.letters import signing

    checks = signing.check_signatures(Path(path).read_bytes(), trusted=trusted)
    if not checks:  # unsigned, or not readable by the signature reader (active content warns)
        return None, None
    summary = "; ".join(check.summary for check in checks)
    states = {check.state for check in checks}
    worst = next(s for s in (SignatureState.BROKEN, SignatureState.UNTRUSTED,
                             SignatureState.TRUSTED) if s in states)
    return worst.value, summary[:500]


# ---------------------------------------------------------------- use cases


def store_attachment(dossier: Dossier, *, actor: User, stream, original_name: str | None,
                     checklist_item_id: int | None, upload_dir, max_bytes: int,
                     max_dossier_bytes: int, expected_version: int | None = None,
                     trusted=()) -> Attachment:
    """Check and store one uploaded file against a checklist line (None: an additional paper).

    A signed PDF's signatures are checked (``trusted``: the certificates taken as trust
    anchors) and kept on the row for the desk; a broken or foreign signature is recorded as
    such, never refused.

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
    used = _dossier_bytes(dossier, upload_dir)
    if used >= max_dossier_bytes:
        raise InvalidInput(f"Hồ sơ đã dùng hết dung lượng cho phép ({human_size(max_dossier_bytes)}"
                           "). Gỡ bớt tệp không cần thiết trước khi tải thêm.", field="file")

    def room_for(size: int) -> None:
        if used + size > max_dossier_bytes:
            raise InvalidInput(
                f"Tổng dung lượng tệp của hồ sơ sẽ vượt {human_size(max_dossier_bytes)}; chỉ còn "
                f"{human_size(max_dossier_bytes - used)} cho tệp «{shown_name}» "
                f"({human_size(size)}).", field="file")
        check_organisation_room(dossier.organisation_id, size, upload_dir, shown_name)

    stored = _store(stream, original_name, shown_name, upload_dir=upload_dir,
                    max_bytes=max_bytes, check=room_for)
    mime, size, sha256 = stored.content_type, stored.size, stored.sha256
    final_path = _upload_root(upload_dir) / stored.stored_name
    active = pdf_active_content(final_path) if mime == "application/pdf" else None
    state, summary = (pdf_signatures(final_path, trusted) if mime == "application/pdf"
                      else (None, None))
    attachment = Attachment(dossier=dossier, checklist_item_id=line.id if line else None,
                            original_name=stored.original_name,
                            stored_name=stored.stored_name, content_type=mime, size_bytes=size,
                            sha256=sha256, uploaded_by_id=actor.id, is_removed=False,
                            active_content=active, signature_state=state,
                            signature_summary=summary)
    db.session.add(attachment)
    db.session.flush()
    audit.record("attachment.store", attachment, actor=actor, dossier=dossier,
                 after={"original_name": attachment.original_name, "size_bytes": size,
                        "content_type": mime, "sha256": sha256, "active_content": active,
                        "signature": summary,
                        "checklist_item": line.code if line else None})
    return attachment


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def store_file(stream, original_name: str | None, *, upload_dir, max_bytes: int,
               organisation_id: int | None = None) -> StoredFile:
    """Check and store one file that belongs to no dossier (a registration certificate): the
    same checks as ``store_attachment`` (type by content, size, the organisation's cap); the
    file is deleted again if the transaction rolls back. Raises InvalidInput (field "file")."""
    shown_name = clean_filename(original_name, "pdf")

    def room_for(size: int) -> None:
        if organisation_id is not None:
            check_organisation_room(organisation_id, size, upload_dir, shown_name)

    return _store(stream, original_name, shown_name, upload_dir=upload_dir,
                  max_bytes=max_bytes, check=room_for)


def _store(stream, original_name: str | None, shown_name: str, *, upload_dir, max_bytes: int,
           check: Callable[[int], None]) -> StoredFile:
    """Receive a file into a temporary name, check it (not empty, a permitted type by its
    content, then ``check(size)``), and move it under a generated name; on any refusal the
    temporary file is gone. The stored file is deleted again if the transaction rolls back."""
    root = _upload_root(upload_dir)
    fd, temp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=root)
    try:
        with os.fdopen(fd, "wb") as handle:
            size, sha256, header = _receive(stream, handle, max_bytes, shown_name)
        if size == 0:
            raise InvalidInput(f"Tệp «{shown_name}» rỗng (0 byte).", field="file")
        mime, extension = _detect(header, shown_name)
        check(size)
        stored_name = f"{uuid.uuid4().hex}.{extension}"
        final_path = root / stored_name
        os.replace(temp_name, final_path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(temp_name)
        raise
    _track(final_path)
    return StoredFile(stored_name, clean_filename(original_name, extension), mime, size, sha256)


def delete_after_commit(stored_name: str, upload_dir=None) -> None:
    """Delete a stored file from disk once the current transaction commits."""
    _delete_after_commit(upload_dir, stored_name)


def open_stored(stored_name: str | None, upload_dir) -> Path:
    """The path of a stored file by its generated name (inside ``upload_dir``); NotFound."""
    if not STORED_NAME.fullmatch(stored_name or ""):
        raise NotFound("Không tìm thấy tệp.")
    path = Path(upload_dir) / stored_name
    if not path.is_file():
        raise NotFound("Không tìm thấy tệp trên máy chủ.")
    return path


def remove_attachment(attachment: Attachment, *, actor: User,
                      expected_version: int | None = None, upload_dir=None) -> None:
    """Mark an attachment removed while the dossier is still editable, and delete its file
    from disk once that commits (the audit trail keeps its name, size and SHA-256; a file
    whose deletion fails still counts against the limits). ``upload_dir`` defaults to the
    UPLOAD_DIR setting. Raises as ``check_editable``; Conflict if it was already removed."""
    dossier = _lock(attachment.dossier)
    check_editable(dossier, actor)
    _check_version(dossier, expected_version)
    if attachment.is_removed:
        raise Conflict(f"Tệp «{attachment.original_name}» đã được gỡ trước đó.")
    attachment.is_removed = True
    db.session.flush()
    _delete_after_commit(upload_dir, attachment.stored_name)
    audit.record("attachment.remove", attachment, actor=actor, dossier=dossier,
                 before={"is_removed": False}, after={"is_removed": True,
                                                      "original_name": attachment.original_name})


def _delete_after_commit(upload_dir, stored_name: str) -> None:
    from grants.db import after_commit

    if upload_dir is None:
        from grants.queue import settings

        upload_dir = settings().get("UPLOAD_DIR")
    if not upload_dir or not STORED_NAME.fullmatch(stored_name or ""):
        return
    path = Path(upload_dir) / stored_name

    def delete():
        # A file that cannot be deleted stays counted against the limits (_on_disk_bytes).
        with suppress(OSError):
            os.remove(path)

    after_commit(delete)


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
