"""Finance officer: approved-but-unpaid dossiers, payments, payment history and reversals."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.db import atomic, local_today
from grants.domain.budget import EntryKind
from grants.domain.errors import DomainError, InvalidInput
from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.extensions import db
from grants.forms.finance import PaymentForm, ReversalForm
from grants.models import Dossier, LedgerEntry
from grants.models.enums import Outcome, PaymentMethod
from grants.permissions import role_required
from grants.services import budget_queries, ledger
from grants.web.forms_util import apply_domain_error

bp = Blueprint("finance", __name__, url_prefix="/finance")
bp.before_request(role_required(Role.FINANCE))


@bp.context_processor
def _labels():
    return {"EntryKind": EntryKind, "PaymentMethod": PaymentMethod}


def _status_for(err: DomainError) -> int:
    return 422 if isinstance(err, InvalidInput) else 409


def _year_or_404():
    arg = request.args.get("year")
    year = budget_queries.year_for(arg)
    if year is None:
        abort(404, f"Không có năm chương trình “{arg}”." if arg
              else "Chưa có năm chương trình nào.")
    return year


@bp.get("/")
def unpaid():
    year = _year_or_404()
    search = request.args.get("q", "").strip()
    page = db.paginate(budget_queries.unpaid_dossiers(year.id, search),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("finance/unpaid_list.html", year=year, search=search, page=page,
                           totals=budget_queries.unpaid_totals(year.id, search),
                           years=budget_queries.year_numbers())


def _payment_page(dossier: Dossier, form: PaymentForm, status: int = 200):
    entries = budget_queries.dossier_entries(dossier.id)
    payable = (dossier.outcome == Outcome.APPROVED
               and dossier.state in ledger.PAYABLE_STATUSES
               and not dossier.program_year.is_closed)
    return render_template("finance/dossier_payments.html", dossier=dossier, form=form,
                           entries=entries, payable=payable,
                           is_reversible=budget_queries.is_reversible), status


@bp.get("/dossiers/<int:dossier_id>")
def dossier_payments(dossier_id: int):
    dossier = db.get_or_404(Dossier, dossier_id)
    form = PaymentForm(data={"paid_on": local_today(), "version": dossier.version})
    return _payment_page(dossier, form)


@bp.post("/dossiers/<int:dossier_id>/payments")
def record_payment(dossier_id: int):
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
        apply_domain_error(form, err)
        return _payment_page(db.get_or_404(Dossier, dossier_id), form, _status_for(err))
    flash(f"Đã ghi khoản chi {format_vnd(entry.amount_vnd)} (chứng từ {entry.voucher_no}) "
          f"cho hồ sơ {dossier.code}.", "success")
    return redirect(url_for("finance.dossier_payments", dossier_id=dossier.id))


@bp.route("/entries/<int:entry_id>/reverse", methods=["GET", "POST"])
def reverse_payment(entry_id: int):
    entry = db.get_or_404(LedgerEntry, entry_id)
    form = ReversalForm()
    status = 200
    if form.validate_on_submit():
        try:
            with atomic():
                reversal = ledger.reverse_payment(entry, actor=current_user,
                                                  reason=form.reason.data)
        except DomainError as err:
            apply_domain_error(form, err)
            status = _status_for(err)
        else:
            flash(f"Đã ghi bút toán đảo số {reversal.id} cho khoản chi số {entry.id} "
                  f"({format_vnd(entry.amount_vnd)}).", "success")
            return redirect(url_for("finance.dossier_payments", dossier_id=entry.dossier_id))
    elif form.is_submitted():
        status = 422
    entry = db.get_or_404(LedgerEntry, entry_id)
    reversed_by = budget_queries.reversal_of(entry.id)
    return render_template("finance/payment_reverse.html", entry=entry, form=form,
                           dossier=entry.dossier, reversed_by=reversed_by,
                           reversible=budget_queries.is_reversible(entry, reversed_by)
                           and not entry.dossier.program_year.is_closed), status
