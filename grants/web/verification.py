"""The desk's queue "Xác minh tổ chức" (issue 13 point 7): claims to represent an organisation,
each with its business registration certificate, verified or rejected with a reason."""

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from grants.domain.errors import NotFound
from grants.domain.roles import Role
from grants.forms.identity import RejectForm, VerifyForm
from grants.permissions import role_required
from grants.queries import identity as identity_queries
from grants.services import identity, uploads
from grants.web.actions import call_service
from grants.web.downloads import send_uploaded

bp = Blueprint("verification", __name__, url_prefix="/verification")
bp.before_request(role_required(Role.CLERK))


def _claim(claim_id: int):
    try:
        return identity.claim_or_404(claim_id)
    except NotFound:
        abort(404)


@bp.get("/")
def queue():
    claims = identity_queries.pending_claims(page=request.args.get("page"),
                                             per_page=current_app.config["PER_PAGE"])
    return render_template("verification/queue.html", claims=claims)


def _page(claim, verify_form=None, reject_form=None, status=200):
    return render_template(
        "verification/claim.html", claim=claim, others=identity_queries.other_claims(claim),
        verified=identity_queries.verified_organisation(claim.tax_code),
        verify_form=verify_form or VerifyForm(), reject_form=reject_form or RejectForm()), status


@bp.get("/<int:claim_id>")
def show(claim_id: int):
    return _page(_claim(claim_id))


@bp.get("/<int:claim_id>/certificate")
def certificate(claim_id: int):
    claim = _claim(claim_id)
    path = uploads.open_stored(claim.certificate_stored_name, current_app.config["UPLOAD_DIR"])
    return send_uploaded(path, mimetype=claim.certificate_content_type,
                         download_name=claim.certificate_original_name, max_age=0)


@bp.post("/<int:claim_id>/verify")
def verify(claim_id: int):
    claim = _claim(claim_id)
    form = VerifyForm()
    if not form.validate_on_submit():
        return _page(claim, verify_form=form, status=422)
    return call_service(
        lambda: identity.verify_claim(claim, actor=current_user, note=form.note.data),
        form=form, page=lambda code: _page(claim, verify_form=form, status=code),
        success=lambda org: f"Đã xác minh tổ chức «{org.name}» (mã số thuế {org.tax_code}).",
        then=url_for("verification.queue"))


@bp.post("/<int:claim_id>/reject")
def reject(claim_id: int):
    claim = _claim(claim_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _page(claim, reject_form=form, status=422)
    return call_service(
        lambda: identity.reject_claim(claim, actor=current_user, reason=form.reason.data),
        form=form, page=lambda code: _page(claim, reject_form=form, status=code),
        success="Đã ghi nhận: không xác minh; người đăng ký thấy lý do trên cổng thông tin.",
        then=url_for("verification.queue"))
