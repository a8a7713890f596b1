"""The applicant's side of its identity (issue 13 points 7 and 8): the status page ("Xác minh
tổ chức"), the business registration certificate upload, the e-mail confirmation link."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from grants.domain.roles import Role
from grants.extensions import limiter
from grants.forms.identity import CertificateForm, ConfirmForm, ResendForm
from grants.permissions import require_roles
from grants.queries import identity as identity_queries
from grants.services import identity
from grants.services.uploads import ACCEPT_ATTRIBUTE
from grants.web.actions import call_service, flash_back, page_of
from grants.web.confirmation import confirmation_link, read_token

bp = Blueprint("identity", __name__, url_prefix="/identity")


def _applicant():
    require_roles(current_user, Role.APPLICANT)
    if current_user.organisation is None:
        abort(404)
    return current_user


def _status_page(form=None, status=200):
    user = _applicant()
    return render_template(
        "identity/status.html", org=user.organisation, user=user,
        claim=identity_queries.latest_claim(user.id, user.organisation_id),
        form=form or CertificateForm(), resend_form=ResendForm(), accept=ACCEPT_ATTRIBUTE,
        max_bytes=current_app.config["MAX_UPLOAD_BYTES"]), status


@bp.get("/")
@login_required
def status():
    return _status_page()


@bp.post("/certificate")
@login_required
def certificate():
    user = _applicant()
    form = CertificateForm()
    if not form.validate_on_submit():
        abort(400)
    storage = form.file.data
    if not storage or not storage.filename:
        form.file.errors.append("Chọn tệp giấy chứng nhận để tải lên.")
        return _status_page(form, 422)
    config = current_app.config
    return call_service(
        lambda: identity.upload_certificate(
            user, stream=storage.stream, original_name=storage.filename,
            upload_dir=config["UPLOAD_DIR"], max_bytes=config["MAX_UPLOAD_BYTES"]),
        form=form, page=lambda code: _status_page(form, code),
        success="Đã tải lên giấy chứng nhận. Bộ phận một cửa sẽ đối chiếu và xác minh tổ chức; "
                "kết quả hiện ở trang này.",
        then=url_for("identity.status"))


@bp.post("/resend")
@login_required
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
def resend():
    user = _applicant()
    if not ResendForm().validate_on_submit():
        abort(400)
    if user.email_confirmed:
        flash("Địa chỉ thư điện tử của bạn đã được xác nhận.", "info")
        return redirect(url_for("identity.status"))
    return call_service(lambda: identity.send_confirmation(user, confirmation_link(user)),
                        on_error=flash_back(url_for("identity.status")),
                        success=f"Đã gửi lại thư xác nhận tới {user.email}.",
                        then=url_for("identity.status"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button; POST uses the link (once)."""
    found = read_token(token)
    form = ConfirmForm()
    page = page_of("identity/confirm.html", form=form, valid=found is not None)
    if found is None:
        return page(400)
    if not form.validate_on_submit():
        return page(200)
    user_id, email = found
    return call_service(lambda: identity.confirm_email(user_id, email), form=form, page=page,
                        status=400,
                        success="Đã xác nhận địa chỉ thư điện tử.",
                        then=url_for("main.home") if current_user.is_authenticated
                        else url_for("auth.login"))
