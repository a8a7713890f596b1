"""The notification centre (every signed-in user): the list, mark read, mark all read, the
e-mail preferences; and the admin's view of e-mails that could not be delivered, with retry."""


from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from grants.db import atomic
from grants.domain.enums import EmailState
from grants.domain.roles import Role
from grants.extensions import db
from grants.forms.notifications import MarkForm, preferences_form
from grants.models import OutgoingEmail
from grants.permissions import require_roles
from grants.queries.paging import paginate
from grants.services import mail
from grants.services import notifications as svc
from grants.web.actions import call_service, form_view
from grants.web.bell import unread_for_bell

bp = Blueprint("notifications", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.get("/notifications/")
def index():
    page = request.args.get("page", 1, type=int)
    from grants.models import Notification

    listing = paginate(select(Notification).where(Notification.user_id == current_user.id)
                       .order_by(Notification.id.desc()), page=page, per_page=25)
    return render_template("notifications/index.html", listing=listing, form=MarkForm(),
                           unread=svc.unread_count(current_user.id))


@bp.post("/notifications/<int:notification_id>/read")
def mark_read(notification_id: int):
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    with atomic():
        row = svc.mark_read(current_user, notification_id)
    if row is None:
        abort(404)
    if request.form.get("open") and (row.link or "").startswith("/"):
        return redirect(row.link)
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
def mark_all_read():
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    return call_service(lambda: svc.mark_all_read(current_user),
                        success="Đã đánh dấu mọi thông báo là đã đọc.",
                        then=url_for("notifications.index"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
def preferences():
    choices = svc.preferences_of(current_user)
    kinds = [kind for kind, _on in choices]
    with_contact = current_user.has_role(Role.APPLICANT) and bool(current_user.organisation_id)
    data = {kind.value: on for kind, on in choices}
    if with_contact:
        data["contact_email"] = svc.organisation_contact(current_user) or ""
    form = preferences_form(kinds, with_contact=with_contact,
                            data=None if request.method == "POST" else data)

    def page(status=200):
        return render_template("notifications/preferences.html", form=form, kinds=kinds,
                               with_contact=with_contact), status

    return form_view(form, lambda: svc.set_preferences(
        current_user, {k.value: form[k.value].data for k in kinds},
        contact=form.contact_email.data or "" if with_contact else None),
        page=page, success="Đã lưu lựa chọn nhận thông báo.",
        then=url_for("notifications.preferences"))


# ---------------------------------------------------------------- the admin's mail outbox


@bp.get("/admin/mail")
def admin_mail():
    require_roles(current_user, Role.ADMIN)
    state = request.args.get("state") or EmailState.FAILED.value
    if state not in EmailState._value2member_map_:
        state = EmailState.FAILED.value
    listing = paginate(select(OutgoingEmail).where(OutgoingEmail.state == state)
                       .order_by(OutgoingEmail.id.desc()),
                       page=request.args.get("page", 1, type=int), per_page=50)
    counts = dict(db.session.execute(select(OutgoingEmail.state, func.count())
                                     .group_by(OutgoingEmail.state)).all())
    return render_template("notifications/admin_mail.html", listing=listing, state=state,
                           counts=counts, states=list(EmailState), form=MarkForm())


@bp.post("/admin/mail/<int:email_id>/retry")
def retry_mail(email_id: int):
    require_roles(current_user, Role.ADMIN)
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    email = db.session.get(OutgoingEmail, email_id)
    if email is None:
        abort(404)
    return call_service(lambda: mail.retry(email),
                        success=f"Đã đưa thư gửi {email.to_address} vào hàng đợi gửi lại.",
                        then=url_for("notifications.admin_mail"))


# ---------------------------------------------------------------- the bell (every page)


@bp.app_context_processor
def _bell():
    return {"notification_bell": unread_for_bell}
