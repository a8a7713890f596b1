"""A dossier's stored files sent to the browser, for staff and applicant pages alike: its
attachments and its issued documents (not a blueprint). Never kept by shared caches."""

from io import BytesIO

from flask import abort, current_app, g, send_file
from flask_login import current_user

from grants.db import atomic
from grants.extensions import db
from grants.models import Attachment, Document
from grants.services import security_log, uploads


def log_download(kind: str, dossier, row, name: str) -> None:
    """The security log's line for a file handed out (staff or applicant), committed now."""
    user = g.get("api_user") or (current_user._get_current_object()
                                 if current_user.is_authenticated else None)
    with atomic():
        security_log.record(kind, user=user, detail={"dossier": dossier.code, "id": row.id,
                                                     "name": name})

#: What an uploaded file may do when a browser opens it anyway: nothing (no script, no plugin,
#: no same-origin access, no form, no frame).
UPLOADED_FILE_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def send_uploaded(path, *, mimetype: str, download_name: str, **send_kw):
    """A file someone uploaded, always as a download (``Content-Disposition: attachment``),
    never sniffed, and sandboxed should a browser render it: a PDF with JavaScript or embedded
    files runs nothing in the app's origin (issue 13 point 9)."""
    send_kw.pop("as_attachment", None)
    g.no_store = True
    response = send_file(path, mimetype=mimetype, download_name=download_name,
                         as_attachment=True, **send_kw)
    response.headers["Content-Security-Policy"] = UPLOADED_FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_attachment(dossier, attachment_id: int, **send_kw):
    """The file of attachment ``attachment_id`` of ``dossier``, as a download (see
    ``send_uploaded``); 404 for another dossier's, a removed one, or one whose file is missing.
    ``send_kw`` go to ``send_file``."""
    row = db.get_or_404(Attachment, attachment_id)
    if row.dossier_id != dossier.id or row.is_removed:
        abort(404)
    path = uploads.open_attachment(row, current_app.config["UPLOAD_DIR"])  # NotFound → 404
    log_download("download.attachment", dossier, row, row.original_name)
    return send_uploaded(path, mimetype=row.content_type, download_name=row.original_name,
                         **send_kw)


def send_document(dossier, document_id: int, **send_kw):
    """The PDF of issued document ``document_id`` of ``dossier`` (404 for another dossier's),
    named ``<dossier code>-<kind>[-<number>].pdf``. ``send_kw`` go to ``send_file``."""
    row = db.get_or_404(Document, document_id)
    if row.dossier_id != dossier.id:
        abort(404)
    g.no_store = True
    number = f"-{row.number}" if row.number else ""
    name = f"{dossier.code}-{row.kind}{number}.pdf"
    log_download("download.document", dossier, row, name)
    return send_file(BytesIO(row.pdf), mimetype="application/pdf", download_name=name,
                     **send_kw)
