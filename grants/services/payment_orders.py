"""The payment order of a recorded payment (issue 14.5): gathers the Treasury form's data from
the ledger entry, the dossier and the unit's settings, and renders it. Reads only."""

from collections.abc import Mapping

from sqlalchemy import select

from grants.domain.budget import EntryKind
from grants.domain.enums import DocumentKind, PaymentMethod
from grants.domain.errors import Conflict, Forbidden, NotFound
from grants.domain.roles import FINANCE_ROLES
from grants.extensions import db
from grants.letters.payment_order import PaymentOrder, build_payment_order
from grants.models import Document, LedgerEntry, User

#: Settings → PaymentOrder fields (the Flask config keys, see config.py).
SETTINGS = {
    "payer_name": "PAYMENT_PAYER_NAME", "payer_account": "PAYMENT_PAYER_ACCOUNT",
    "treasury": "PAYMENT_TREASURY", "budget_level_code": "PAYMENT_BUDGET_LEVEL_CODE",
    "budget_unit_code": "PAYMENT_BUDGET_UNIT_CODE", "chapter_code": "PAYMENT_CHAPTER_CODE",
    "economic_code": "PAYMENT_ECONOMIC_CODE", "sector_code": "PAYMENT_SECTOR_CODE",
    "fund_source_code": "PAYMENT_FUND_SOURCE_CODE",
}

#: What the form names when a setting is empty (the codes are then dotted lines).
DEFAULTS = {"payer_name": "Chi cục Tiêu chuẩn Đo lường Chất lượng"}


def _decision_reference(dossier_id: int) -> str:
    document = db.session.scalar(
        select(Document).where(Document.dossier_id == dossier_id,
                               Document.kind == DocumentKind.SUPPORT_DECISION.value)
        .order_by(Document.id.desc()).limit(1))
    if document is None:
        return ""
    return f"; Quyết định số {document.number_symbol} ngày {document.issued_on:%d/%m/%Y}"


def payment_order_data(entry: LedgerEntry, *, actor: User,
                       settings: Mapping[str, str]) -> PaymentOrder:
    """The form's data for ``entry``: finance only (Forbidden otherwise); NotFound for an entry
    that is not a payment; Conflict for a payment that was reversed (its order must not be
    presented to the Treasury). The payee's account is the one copied onto the payment."""
    if not set(getattr(actor, "roles", ())) & FINANCE_ROLES:
        raise Forbidden("Chỉ kế toán hoặc kế toán trưởng in giấy rút dự toán.")
    if entry.kind != EntryKind.DISBURSEMENT:
        raise NotFound("Bút toán này không phải một khoản chi.")
    reversed_by = db.session.scalar(select(LedgerEntry.id)
                                    .where(LedgerEntry.reverses_id == entry.id))
    if reversed_by is not None:
        raise Conflict(f"Khoản chi số {entry.id} đã bị đảo (bút toán số {reversed_by}); "
                       "không in giấy rút dự toán cho khoản chi này.")
    dossier = entry.dossier
    org = dossier.organisation
    content = (f"Hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý theo Nghị "
               f"quyết 43/2022/NQ-HĐND, hồ sơ {dossier.code}"
               f"{_decision_reference(dossier.id)}")
    return PaymentOrder(
        number=entry.voucher_no or str(entry.id), paid_on=entry.entry_on,
        amount_vnd=entry.amount_vnd, content=content,
        is_transfer=entry.method != PaymentMethod.CASH,
        payee_name=org.name, payee_tax_code=org.tax_code, payee_address=org.address or "",
        payee_account_no=entry.payee_account_no or "", payee_bank=entry.payee_bank or "",
        payee_branch=entry.payee_branch or "", dossier_code=dossier.code,
        **{field: settings.get(key) or DEFAULTS.get(field, "")
           for field, key in SETTINGS.items()})


def payment_order_pdf(entry: LedgerEntry, *, actor: User, settings: Mapping[str, str]) -> bytes:
    """The "Giấy rút dự toán ngân sách nhà nước" of ``entry`` as PDF bytes (the checks of
    ``payment_order_data``)."""
    return build_payment_order(payment_order_data(entry, actor=actor, settings=settings))
