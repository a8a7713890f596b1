"""What an organisation (and the public lookup) is told about a dossier: its outcome in words
and figures, the outgoing document, the payments received, and its due date or why there is
none. One read, used by the applicant's pages, the public lookup and the API."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from grants.db import to_local
from grants.domain.budget import EntryKind
from grants.domain.enums import DocumentKind, Outcome
from grants.domain.money import format_vnd
from grants.domain.workflow import PAUSED_IN_PROCESS, Status
from grants.extensions import db
from grants.models import (
    Decision,
    DelayApology,
    Document,
    Dossier,
    LedgerEntry,
    SupplementRequest,
)

#: The outgoing document of each outcome and how it is named in a sentence.
OUTCOME_DOCUMENT = {Outcome.APPROVED.value: (DocumentKind.SUPPORT_DECISION, "Quyết định"),
                    Outcome.REJECTED.value: (DocumentKind.REJECTION_LETTER, "Văn bản")}
OUTCOME_WORDS = {Outcome.APPROVED.value: "Được hỗ trợ", Outcome.REJECTED.value: "Không được hỗ trợ"}


@dataclass(frozen=True)
class Payment:
    paid_on: date
    amount_vnd: int
    voucher_no: str | None


@dataclass(frozen=True)
class Recovery:
    decided_on: date
    amount_vnd: int
    reason: str


@dataclass(frozen=True)
class DossierOutcome:
    """The outcome of a dossier as its organisation reads it.

    ``outcome`` is "approved", "rejected" or None (not decided); ``issued`` says whether the
    outgoing document has been numbered and issued (before that the decision is not final).
    ``headline`` carries the amount; ``public_headline`` never does (the public lookup).
    ``due_on`` is the local due date, or None with ``due_note`` saying why there is none
    (``due_short``: the same in a few words, for a list).
    """

    outcome: str | None
    issued: bool
    approved_vnd: int
    paid_vnd: int
    document_number: str | None
    document_date: date | None
    payments: tuple[Payment, ...]
    due_on: date | None
    due_note: str
    due_short: str = ""
    promised_on: date | None = None  # the new return date of an apology for a delay (issue 14)
    # Recovery of support found undue (issue 14.4): decided, repaid, and each decision.
    recovered_vnd: int = 0
    repaid_vnd: int = 0
    recoveries: tuple["Recovery", ...] = ()

    @property
    def decided(self) -> bool:
        return self.outcome is not None

    @property
    def words(self) -> str | None:
        return OUTCOME_WORDS.get(self.outcome) if self.outcome else None

    def _document_words(self) -> str:
        if not self.outcome:
            return ""
        name = OUTCOME_DOCUMENT[self.outcome][1]
        if self.issued and self.document_number:
            return f"{name} số {self.document_number} ngày {self.document_date:%d/%m/%Y}"
        return f"{name.lower()} đang chờ vào số, ban hành"

    @property
    def headline(self) -> str | None:
        """e.g. "Được hỗ trợ 70.000.000 đ – Quyết định số 01/QĐ-SKHCN ngày 02/04/2026"."""
        if not self.outcome:
            return None
        amount = (f" {format_vnd(self.approved_vnd)}"
                  if self.outcome == Outcome.APPROVED.value else "")
        return f"{self.words}{amount} – {self._document_words()}"

    @property
    def public_headline(self) -> str | None:
        """The headline without the amount (the public lookup shows no money)."""
        if not self.outcome:
            return None
        return f"{self.words} – {self._document_words()}"

    @property
    def payable_vnd(self) -> int:
        if self.recovered_vnd:
            return 0  # nothing more is paid on support found undue
        return max(self.approved_vnd - self.paid_vnd, 0)

    @property
    def owed_vnd(self) -> int:
        """What the organisation still has to pay back."""
        return self.recovered_vnd - self.repaid_vnd


def _document(dossier: Dossier, outcome: str | None) -> Document | None:
    if outcome is None:
        return None
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is not None and decision.document_id is not None:
        return db.session.get(Document, decision.document_id)
    kind = OUTCOME_DOCUMENT[outcome][0]
    return db.session.scalar(select(Document).where(
        Document.dossier_id == dossier.id, Document.kind == kind.value)
        .order_by(Document.id.desc()).limit(1))


def _payments(dossier: Dossier) -> tuple[Payment, ...]:
    """Disbursements not reversed, oldest first."""
    reversal = aliased(LedgerEntry)
    rows = db.session.scalars(
        select(LedgerEntry)
        .outerjoin(reversal, reversal.reverses_id == LedgerEntry.id)
        .where(LedgerEntry.dossier_id == dossier.id,
               LedgerEntry.kind == EntryKind.DISBURSEMENT.value, reversal.id.is_(None))
        .order_by(LedgerEntry.entry_on, LedgerEntry.id))
    return tuple(Payment(r.entry_on, r.amount_vnd, r.voucher_no) for r in rows)


def recoveries(dossier_id: int) -> tuple[Recovery, ...]:
    """The dossier's recovery decisions (amount, reason, date), oldest first."""
    rows = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.dossier_id == dossier_id,
                                  LedgerEntry.kind == EntryKind.RECOVERY.value)
        .order_by(LedgerEntry.entry_on, LedgerEntry.id))
    return tuple(Recovery(r.entry_on, r.amount_vnd, r.reason or "") for r in rows)


def organisation_recoveries(organisation_id: int) -> list[Dossier]:
    """The organisation's dossiers with a recovery decision, by code (what it must pay back)."""
    return list(db.session.scalars(select(Dossier).where(
        Dossier.organisation_id == organisation_id, Dossier.recovered_vnd > 0)
        .order_by(Dossier.code)))


def _resubmitted(dossier: Dossier) -> bool:
    return db.session.scalar(select(SupplementRequest.id).where(
        SupplementRequest.dossier_id == dossier.id,
        SupplementRequest.answered_at.is_not(None)).limit(1)) is not None


#: Why a dossier has no due date: (short words for a list, the full sentence).
NO_DUE_DATE = {
    "draft": ("Chưa nộp hồ sơ", "Chưa nộp hồ sơ"),
    "supplement": ("Tạm dừng, chờ bổ sung",
                   "Tạm dừng tính thời hạn: chờ tổ chức bổ sung, hoàn thiện hồ sơ theo yêu cầu; "
                   "thời hạn được tính lại từ ngày tiếp nhận hồ sơ đã bổ sung"),
    "resubmitted": ("Chờ tiếp nhận hồ sơ bổ sung",
                    "Chưa xác định: tổ chức đã nộp bổ sung, chờ Bộ phận một cửa tiếp nhận; thời "
                    "hạn được tính lại từ ngày tiếp nhận"),
    "submitted": ("Chờ tiếp nhận",
                  "Chưa xác định: chờ Bộ phận một cửa tiếp nhận hồ sơ; thời hạn được tính từ "
                  "ngày tiếp nhận"),
    "paused": ("Tạm dừng, chờ bổ sung",
               "Tạm dừng tính thời hạn: chờ tổ chức bổ sung, hoàn thiện hồ sơ theo thông báo; "
               "khi nhận đủ hồ sơ bổ sung, thời hạn được cộng thêm đúng thời gian tạm dừng"),
    "refused": ("Không áp dụng", "Không áp dụng: hồ sơ không được tiếp nhận"),
    "withdrawn": ("Không áp dụng", "Không áp dụng: tổ chức đã rút hồ sơ"),
    "other": ("Chưa xác định", "Chưa xác định"),
}


def _no_due_date(dossier: Dossier) -> tuple[str, str]:
    status = Status(dossier.status)
    if status in PAUSED_IN_PROCESS:
        return NO_DUE_DATE["paused"]
    if status == Status.SUBMITTED:
        return NO_DUE_DATE["resubmitted" if _resubmitted(dossier) else "submitted"]
    key = {Status.DRAFT: "draft", Status.SUPPLEMENT_REQUESTED: "supplement",
           Status.REFUSED: "refused", Status.WITHDRAWN: "withdrawn"}.get(status, "other")
    return NO_DUE_DATE[key]


def due_note(dossier: Dossier) -> str:
    """Why a dossier has no due date (its clock is not running), in words for the public."""
    return _no_due_date(dossier)[1]


def dossier_outcome(dossier: Dossier) -> DossierOutcome:
    """The outcome, outgoing document, payments and due date of one dossier."""
    outcome = dossier.outcome if dossier.outcome in OUTCOME_WORDS else None
    document = _document(dossier, outcome)
    issued = document is not None and Status(dossier.status) in (Status.ISSUED, Status.RETURNED)
    due_at: datetime | None = (None if Status(dossier.status) in PAUSED_IN_PROCESS
                               else dossier.due_at)
    short, note = ("", "") if due_at else _no_due_date(dossier)
    return DossierOutcome(
        outcome=outcome, issued=issued,
        approved_vnd=dossier.approved_vnd if outcome == Outcome.APPROVED.value else 0,
        paid_vnd=dossier.paid_vnd or 0,
        document_number=document.number_symbol if issued else None,
        document_date=document.issued_on if issued else None,
        payments=_payments(dossier) if outcome == Outcome.APPROVED.value else (),
        due_on=to_local(due_at).date() if due_at else None,
        due_note=note, due_short=short, promised_on=_promised_on(dossier),
        recovered_vnd=dossier.recovered_vnd or 0, repaid_vnd=dossier.repaid_vnd or 0,
        recoveries=recoveries(dossier.id) if dossier.recovered_vnd else ())


def _promised_on(dossier: Dossier) -> date | None:
    return db.session.scalar(select(DelayApology.new_return_on)
                             .where(DelayApology.dossier_id == dossier.id)
                             .order_by(DelayApology.id.desc()).limit(1))
