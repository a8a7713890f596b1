"""Law 91/2025 (issue 13 point 12): the privacy notice (public), and for the admin one person's
data: find, export (JSON), erase where the law allows."""

import json

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from grants.domain.privacy import KEEP_BASIS, NOTICE_VERSION
from grants.domain.roles import Role
from grants.extensions import db
from grants.forms.identity import AnonymiseForm, ExportForm, PersonSearchForm
from grants.models import User
from grants.permissions import require_roles
from grants.services import privacy
from grants.web.actions import call_service

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


@bp.get("/")
def notice():
    return render_template("privacy/notice.html", version=NOTICE_VERSION,
                           retention_years=current_app.config["PERSONAL_DATA_RETENTION_YEARS"],
                           keep_basis=KEEP_BASIS)


def _admin():
    require_roles(current_user, Role.ADMIN)


@bp.get("/people")
@login_required
def people():
    _admin()
    form = PersonSearchForm(request.args)
    found = []
    wanted = (form.email.data or "").strip().lower()
    if wanted:
        found = list(db.session.scalars(select(User).where(
            func.lower(User.email).contains(wanted, autoescape=True)).order_by(User.email)
            .limit(50)))
    return render_template("privacy/people.html", form=form, found=found, searched=bool(wanted))


def _person_page(person, form=None, status=200):
    return render_template("privacy/person.html", person=person, form=form or AnonymiseForm(),
                           export_form=ExportForm(), keep_basis=KEEP_BASIS), status


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id: int):
    _admin()
    return _person_page(db.get_or_404(User, user_id))


@bp.post("/people/<int:user_id>/export")
@login_required
def export(user_id: int):
    """A POST (a button): each export of personal data is recorded in the security log."""
    _admin()
    person = db.get_or_404(User, user_id)
    if not ExportForm().validate_on_submit():
        abort(400)
    data = call_service(lambda: privacy.export_person(person, actor=current_user),
                        success=[], then=lambda result: _json_download(person, result))
    return data


def _json_download(person, data) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="du-lieu-ca-nhan-{person.id}.json"'
    return response


@bp.post("/people/<int:user_id>/anonymise")
@login_required
def anonymise(user_id: int):
    _admin()
    person = db.get_or_404(User, user_id)
    form = AnonymiseForm()
    if not form.validate_on_submit():
        return _person_page(person, form, 422)
    return call_service(
        lambda: privacy.anonymise_person(person, actor=current_user, confirm=form.confirm.data),
        form=form, page=lambda code: _person_page(person, form, code),
        success=lambda erasure: f"Đã ẩn danh dữ liệu của người dùng #{person.id} "
                                f"({erasure.audit_rows} dòng nhật ký được thay thế).",
        then=url_for("privacy.person", user_id=person.id))
