"""Finance: approved-but-unpaid dossiers, payments, payment history and reversals (the finance
officer), and the confirmation of payments above the year's threshold by a second person (a
finance officer who did not record it, or the chief accountant)."""

from io import BytesIO

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from grants.db import atomic, local_today
from grants.domain.budget import EntryKind, PendingStatus
from grants.domain.enums import Outcome, PaymentMethod
from grants.domain.errors import DomainError, InvalidInput
from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.domain.workflow_states import APPROVED_OR_LATER
from grants.extensions import db
from grants.forms.finance import (
    CancelPendingForm,
    ConfirmPaymentForm,
    PaymentForm,
    RepaymentForm,
    ReversalForm,
)
from grants.forms.payment_details import BankAccountForm
from grants.models import Dossier, LedgerEntry, PendingPayment
from grants.permissions import require_roles, role_required
from grants.queries import budget, years
from grants.queries.paging import paginate
from grants.services import ledger, organisations, payment_orders
from grants.web.actions import form_view, page_of, place_error

bp = Blueprint("finance", __name__, url_prefix="/finance")
bp.before_request(role_required(Role.FINANCE, Role.CHIEF_ACCOUNTANT))


@bp.context_processor
def _labels():
    return {"EntryKind": EntryKind, "PaymentMethod": PaymentMethod}


def _status_for(err: DomainError) -> int:
    return 422 if isinstance(err, InvalidInput) else 409


@bp.get("/")
def unpaid():
    year = years.chosen_year(request.args.get("year"))
    search = request.args.get("q", "").strip()
    page = paginate(budget.unpaid_dossiers(year.id, search),
                    page=request.args.get("page", 1, type=int),
                    per_page=current_app.config["PER_PAGE"])
    return render_template("finance/unpaid_list.html", year=year, search=search, page=page,
                           totals=budget.unpaid_totals(year.id, search),
                           years=years.year_numbers(),
                           pending_count=len(budget.pending_payments(year.id)))


def _payment_page(dossier: Dossier, form: PaymentForm, status: int = 200,
                  repayment_form: RepaymentForm | None = None):
    entries = budget.dossier_entries(dossier.id)
    payable = (dossier.outcome == Outcome.APPROVED
               and dossier.status in APPROVED_OR_LATER
               and not dossier.program_year.is_closed)
    pending = budget.pending_payments(dossier_id=dossier.id, waiting_only=False)
    return render_template("finance/dossier_payments.html", dossier=dossier, form=form,
                           entries=entries, payable=payable, pending=pending,
                           pending_vnd=sum(p.amount_vnd for p in pending
                                           if p.status == PendingStatus.PENDING),
                           confirm_form=ConfirmPaymentForm(formdata=None),
                           can_record=current_user.has_role(Role.FINANCE),
                           repayment_form=repayment_form or RepaymentForm(
                               prefix="repay", formdata=None,
                               data={"paid_on": local_today(), "version": dossier.version}),
                           is_reversible=budget.is_reversible, org=dossier.organisation,
                           can_print_order=True), status


@bp.get("/dossiers/<int:dossier_id>")
def dossier_payments(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    form = PaymentForm(data={"paid_on": local_today(), "version": dossier.version})
    return _payment_page(dossier, form)


@bp.post("/dossiers/<int:dossier_id>/payments")
def record_payment(dossier_id: int):
    require_roles(current_user, Role.FINANCE)  # the chief accountant confirms, never records
    dossier = db.get_or_404(Dossier, dossier_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _payment_page(dossier, form, 422)
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    try:
        with atomic():
            entry = ledger.record_payment(
                dossier, actor=current_user, amount_vnd=form.amount_vnd.data,
                paid_on=form.paid_on.data, voucher_no=form.voucher_no.data,
                method=form.method.data, bank_reference=form.bank_reference.data or None,
                expected_version=version)
    except DomainError as err:
        place_error(form, err)
        return _payment_page(db.get_or_404(Dossier, dossier_id), form, _status_for(err))
    if isinstance(entry, PendingPayment):
        flash(f"Đã ghi khoản chi {format_vnd(entry.amount_vnd)} (chứng từ {entry.voucher_no}) "
              f"cho hồ sơ {dossier.code}. Tổng chi của hồ sơ vượt ngưỡng "
              f"{format_vnd(dossier.program_year.payment_threshold_vnd)} nên khoản chi đang chờ "
              "một kế toán khác hoặc kế toán trưởng xác nhận; chưa tính là đã giải ngân.",
              "warning")
    else:
        flash(f"Đã ghi khoản chi {format_vnd(entry.amount_vnd)} (chứng từ {entry.voucher_no}) "
              f"cho hồ sơ {dossier.code}.", "success")
    return redirect(url_for("finance.dossier_payments", dossier_id=dossier.id))


@bp.post("/dossiers/<int:dossier_id>/repayments")
def record_repayment(dossier_id: int):
    require_roles(current_user, Role.FINANCE)
    dossier = db.get_or_404(Dossier, dossier_id)
    form = RepaymentForm(prefix="repay")
    payment_form = PaymentForm(formdata=None, data={"paid_on": local_today(),
                                                    "version": dossier.version})
    if not form.validate_on_submit():
        return _payment_page(dossier, payment_form, 422, repayment_form=form)
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    try:
        with atomic():
            entry = ledger.record_repayment(
                dossier, actor=current_user, amount_vnd=form.amount_vnd.data,
                paid_on=form.paid_on.data, voucher_no=form.voucher_no.data,
                method=form.method.data, bank_reference=form.bank_reference.data or None,
                expected_version=version)
    except DomainError as err:
        place_error(form, err)
        return _payment_page(db.get_or_404(Dossier, dossier_id), payment_form,
                             _status_for(err), repayment_form=form)
    flash(f"Đã ghi khoản hoàn trả {format_vnd(entry.amount_vnd)} (chứng từ {entry.voucher_no}) "
          f"của hồ sơ {dossier.code}; còn phải thu "
          f"{format_vnd(dossier.recovered_vnd - dossier.repaid_vnd)}.", "success")
    return redirect(url_for("finance.dossier_payments", dossier_id=dossier.id))


@bp.route("/entries/<int:entry_id>/reverse", methods=["GET", "POST"])
def reverse_payment(entry_id: int):
    require_roles(current_user, Role.FINANCE)
    entry = db.get_or_404(LedgerEntry, entry_id)
    form = ReversalForm()
    status = 200
    if form.validate_on_submit():
        try:
            with atomic():
                reversal = ledger.reverse_payment(entry, actor=current_user,
                                                  reason=form.reason.data)
        except DomainError as err:
            place_error(form, err)
            status = _status_for(err)
        else:
            flash(f"Đã ghi bút toán đảo số {reversal.id} cho khoản chi số {entry.id} "
                  f"({format_vnd(entry.amount_vnd)}).", "success")
            return redirect(url_for("finance.dossier_payments", dossier_id=entry.dossier_id))
    elif form.is_submitted():
        status = 422
    entry = db.get_or_404(LedgerEntry, entry_id)
    reversed_by = budget.reversal_of(entry.id)
    return render_template("finance/payment_reverse.html", entry=entry, form=form,
                           dossier=entry.dossier, reversed_by=reversed_by,
                           reversible=budget.is_reversible(entry, reversed_by)
                           and not entry.dossier.program_year.is_closed), status


# --- payments waiting for a second person ------------------------------------------------------


@bp.get("/pending")
def pending_list():
    year = years.chosen_year(request.args.get("year"))
    return render_template("finance/pending_list.html", year=year,
                           pending=budget.pending_payments(year.id),
                           total=budget.pending_payments_total(year.id),
                           years=years.year_numbers(), confirm_form=ConfirmPaymentForm())


@bp.post("/pending/<int:pending_id>/confirm")
def confirm_payment(pending_id: int):
    pending = db.get_or_404(PendingPayment, pending_id)
    back = request.form.get("back") == "list"
    then = (url_for("finance.pending_list", year=pending.dossier.program_year.year) if back
            else url_for("finance.dossier_payments", dossier_id=pending.dossier_id))
    if not ConfirmPaymentForm().validate_on_submit():
        flash("Phiên làm việc đã hết hạn; vui lòng thử lại.", "danger")
        return redirect(then)
    try:
        with atomic():
            entry = ledger.confirm_payment(pending, actor=current_user)
    except DomainError as err:
        flash(str(err), "danger")
        return redirect(then)
    flash(f"Đã xác nhận khoản chi {format_vnd(entry.amount_vnd)} (chứng từ "
          f"{entry.voucher_no}); bút toán chi số {entry.id} đã được ghi.", "success")
    return redirect(then)


@bp.route("/pending/<int:pending_id>/cancel", methods=["GET", "POST"])
def cancel_pending(pending_id: int):
    pending = db.get_or_404(PendingPayment, pending_id)
    form = CancelPendingForm()
    status = 200
    if form.validate_on_submit():
        try:
            with atomic():
                ledger.cancel_pending_payment(pending, actor=current_user,
                                              reason=form.reason.data)
        except DomainError as err:
            place_error(form, err)
            status = _status_for(err)
        else:
            flash(f"Đã hủy khoản chi chờ xác nhận số {pending_id}.", "success")
            return redirect(url_for("finance.dossier_payments", dossier_id=pending.dossier_id))
    elif form.is_submitted():
        status = 422
    pending = db.get_or_404(PendingPayment, pending_id)
    return render_template("finance/pending_cancel.html", pending=pending, form=form,
                           dossier=pending.dossier), status


# --- payment details: the payee's bank account, the payment order (issue 14.5) -----------------


@bp.route("/dossiers/<int:dossier_id>/bank-account", methods=["GET", "POST"])
def bank_account(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    org = dossier.organisation
    form = BankAccountForm(obj=org)
    back = url_for("finance.dossier_payments", dossier_id=dossier.id)
    return form_view(
        form,
        lambda: organisations.record_bank_account(
            org, actor=current_user, number=form.bank_account_no.data,
            bank=form.bank_name.data, branch=form.bank_branch.data),
        page=page_of("payment_details/bank_account_form.html", form=form, org=org, back=back,
                     back_label=f"Chi trả hồ sơ {dossier.code}"),
        success=f"Đã ghi tài khoản nhận tiền của {org.name}.", then=back)


@bp.get("/entries/<int:entry_id>/payment-order.pdf")
def payment_order(entry_id: int):
    entry = db.get_or_404(LedgerEntry, entry_id)
    try:
        pdf = payment_orders.payment_order_pdf(entry, actor=current_user,
                                               settings=current_app.config)
    except DomainError as err:
        flash(err.message, "danger")
        return redirect(url_for("finance.dossier_payments", dossier_id=entry.dossier_id))
    return send_file(BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"giay-rut-du-toan-{entry.id}.pdf")
