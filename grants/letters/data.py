"""Plain, frozen data the letter builders take: no ORM objects, no Flask."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

__all__ = [
    "DEFAULT_PROCEDURE",
    "AppraisalItem",
    "AppraisalMinutes",
    "DecisionItem",
    "DocumentHeader",
    "Issuer",
    "MissingItem",
    "Organisation",
    "Person",
    "ReceiptSlip",
    "RejectionLetter",
    "SubmittedDocument",
    "SupplementRequest",
    "SupportDecision",
    "IntakeRefusal",
    "default_legal_bases",
]

DEFAULT_PROCEDURE = (
    "Hỗ trợ tổ chức áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên tiến "
    "theo Nghị quyết số 43/2022/NQ-HĐND"
)


class _Frozen:
    """Turn list arguments into tuples so a frozen record is really immutable."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))


@dataclass(frozen=True, kw_only=True)
class Issuer(_Frozen):
    """Who issues and signs: the header's body lines (parent first) and the signer block.

    ``signer_title_lines`` e.g. ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"); on one-stop-desk slips
    ("NGƯỜI TIẾP NHẬN HỒ SƠ",); on appraisal minutes ("TRƯỞNG ĐOÀN THẨM ĐỊNH",).
    """

    body_lines: tuple[str, ...]
    place: str = "Bắc Ninh"
    signer_title_lines: tuple[str, ...] = ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    signer_name: str = ""


@dataclass(frozen=True, kw_only=True)
class DocumentHeader:
    """Number/symbol and date of an outgoing document.

    ``symbol`` None: the document carries no "Số:" line (one-stop-desk slips).
    ``number`` None with a symbol: an unnumbered draft ("Số:      /QĐ-SKHCN", marked DỰ THẢO).
    ``issued_on`` None: the date is left blank for the records clerk.
    """

    number: int | None = None
    symbol: str | None = None
    issued_on: date | None = None

    @property
    def is_draft(self) -> bool:
        return bool(self.symbol) and self.number is None

    @property
    def reference(self) -> str | None:
        """ "12/QĐ-SKHCN", or None when unnumbered or without a symbol."""
        if not self.symbol or self.number is None:
            return None
        return f"{self.number}/{self.symbol}"


@dataclass(frozen=True, kw_only=True)
class Organisation:
    name: str
    address: str = ""
    tax_code: str = ""
    phone: str = ""
    email: str = ""
    representative: str = ""


@dataclass(frozen=True, kw_only=True)
class Person:
    name: str
    title: str = ""


@dataclass(frozen=True, kw_only=True)
class SubmittedDocument:
    """One line of the dossier checklist; ``copy_kind`` e.g. "Bản chính", "Bản sao"."""

    name: str
    copy_kind: str = ""
    quantity: int = 1


@dataclass(frozen=True, kw_only=True)
class ReceiptSlip(_Frozen):
    dossier_code: str
    organisation: Organisation
    submitter: str
    received_at: datetime  # aware datetimes are shown in Vietnam time, naive ones as given
    documents: tuple[SubmittedDocument, ...]
    due_on: date
    return_channel: str  # "Trực tiếp tại Bộ phận một cửa", "Qua dịch vụ bưu chính", ...
    procedure_name: str = DEFAULT_PROCEDURE
    processing_days: int | None = None
    submitter_phone: str = ""
    dossier_sets: int = 1


@dataclass(frozen=True, kw_only=True)
class MissingItem:
    name: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class SupplementRequest(_Frozen):
    dossier_code: str
    organisation: Organisation
    items: tuple[MissingItem, ...]
    deadline_on: date | None = None
    procedure_name: str = DEFAULT_PROCEDURE
    contact: str = ""  # who to call for guidance, e.g. "Chi cục TĐC, ĐT 0204 3854 xxx"


@dataclass(frozen=True, kw_only=True)
class IntakeRefusal:
    dossier_code: str
    organisation: Organisation
    reason: str
    procedure_name: str = DEFAULT_PROCEDURE
    received_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AppraisalItem:
    catalogue_name: str
    consulting_cost_vnd: int
    eligible_cost_vnd: int
    proposed_vnd: int


@dataclass(frozen=True, kw_only=True)
class AppraisalMinutes(_Frozen):
    dossier_code: str
    organisation: Organisation
    visited_at: datetime
    place: str
    team: tuple[Person, ...]
    representatives: tuple[Person, ...]
    findings: str
    items: tuple[AppraisalItem, ...]
    conclusion: str
    ended_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class DecisionItem:
    catalogue_code: str
    name: str
    approved_vnd: int


def default_legal_bases(program_year: int) -> tuple[str, ...]:
    """The bases every support decision cites (Resolution 43/2022, the 2025 merger, the plan)."""
    return (
        "Căn cứ Nghị quyết số 43/2022/NQ-HĐND ngày 09/12/2022 của Hội đồng nhân dân tỉnh "
        "Bắc Giang về hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên "
        "tiến, đạt giải thưởng chất lượng, có sản phẩm, hàng hóa công bố tiêu chuẩn cơ sở, "
        "công bố hợp chuẩn và áp dụng truy xuất nguồn gốc",
        "Căn cứ Nghị quyết số 17/NQ-HĐND ngày 14/7/2025 của Hội đồng nhân dân tỉnh Bắc Ninh "
        "ban hành quy định áp dụng, bãi bỏ văn bản quy phạm pháp luật trong lĩnh vực khoa học "
        "và công nghệ do Hội đồng nhân dân tỉnh Bắc Giang và Hội đồng nhân dân tỉnh Bắc Ninh "
        "(cũ) ban hành trên địa bàn tỉnh Bắc Ninh",
        "Căn cứ Kế hoạch của Sở Khoa học và Công nghệ triển khai thực hiện Nghị quyết số "
        f"43/2022/NQ-HĐND ngày 09/12/2022 của HĐND tỉnh Bắc Giang năm {program_year}",
    )


@dataclass(frozen=True, kw_only=True)
class SupportDecision(_Frozen):
    """``legal_bases`` None means :func:`default_legal_bases` of ``program_year``."""

    organisation: Organisation
    items: tuple[DecisionItem, ...]
    total_vnd: int
    program_year: int
    deciding_authority: str = "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    legal_bases: tuple[str, ...] | None = None
    proposal_by: str = "Chi cục trưởng Chi cục Tiêu chuẩn Đo lường Chất lượng"
    dossier_code: str = ""

    @property
    def bases(self) -> tuple[str, ...]:
        if self.legal_bases is None:
            return default_legal_bases(self.program_year)
        return self.legal_bases


@dataclass(frozen=True, kw_only=True)
class RejectionLetter(_Frozen):
    organisation: Organisation
    dossier_code: str
    reasons: tuple[str, ...]  # one entry per reason; each is numbered in the letter
    next_steps: str = ""  # what the organisation may do next; the template has a default
    program_year: int | None = None
    received_on: date | None = None
