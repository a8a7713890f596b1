"""Admin area for webhooks (/admin/webhooks): register (the secret shown once), deactivate,
the delivery log of each webhook with filters, and manual redelivery."""

from flask import Blueprint, current_app, g, make_response, render_template, request, url_for
from flask_login import current_user

from grants.domain.roles import Role
from grants.extensions import db
from grants.forms.webhooks import DeliveryFilterForm, WebhookForm
from grants.models import Webhook, WebhookDelivery
from grants.permissions import role_required
from grants.queries import events as event_queries
from grants.services import webhooks as webhook_service
from grants.web.actions import call_service, flash_back, form_view, page_of

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
bp.before_request(role_required(Role.ADMIN))


@bp.get("/")
def list_webhooks():
    hooks = event_queries.webhooks()
    return render_template("webhooks/webhook_list.html", webhooks=hooks,
                           counts={h.id: event_queries.delivery_counts(h) for h in hooks})


@bp.route("/new", methods=["GET", "POST"])
def create_webhook():
    form = WebhookForm()

    def show_once(created):
        # The secret is shown once, in this response only: never in a flash/session cookie.
        webhook, secret = created
        g.no_store = True
        return make_response(render_template("webhooks/webhook_secret.html", webhook=webhook,
                                             secret=secret))

    return form_view(
        form,
        lambda: webhook_service.register_webhook(actor=current_user, url=form.url.data,
                                                 events=form.events.data,
                                                 label=form.label.data),
        page=page_of("webhooks/webhook_new.html", form=form), success=(), then=show_once)


@bp.get("/<int:webhook_id>")
def show_webhook(webhook_id):
    webhook = db.get_or_404(Webhook, webhook_id)
    form = DeliveryFilterForm(formdata=request.args)
    valid = form.validate()
    deliveries = event_queries.deliveries_page(
        webhook, state=form.state.data or None if valid else None,
        kind=form.kind.data or None if valid else None,
        event_id=form.event_id.data if valid else None,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["PER_PAGE"])
    return render_template("webhooks/webhook_show.html", webhook=webhook, form=form,
                           deliveries=deliveries, counts=event_queries.delivery_counts(webhook))


@bp.post("/<int:webhook_id>/deactivate")
def deactivate_webhook(webhook_id):
    webhook = db.get_or_404(Webhook, webhook_id)
    back = url_for("webhooks.show_webhook", webhook_id=webhook.id)
    return call_service(lambda: webhook_service.deactivate_webhook(webhook, actor=current_user),
                        success="Đã ngừng gửi sự kiện tới webhook này.", then=back,
                        on_error=flash_back(back))


@bp.post("/deliveries/<int:delivery_id>/redeliver")
def redeliver(delivery_id):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    back = url_for("webhooks.show_webhook", webhook_id=delivery.webhook_id)
    return call_service(lambda: webhook_service.redeliver(delivery, actor=current_user),
                        success=f"Đã xếp lịch gửi lại sự kiện số {delivery.event_id}.",
                        then=back, on_error=flash_back(back))
