"""Recovery decision (quyết định thu hồi kinh phí hỗ trợ): support found undue is claimed back,
with the amount in figures and in words, the reason, and the decision on support it corrects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict
from grants.domain.workflow_states import APPROVED_OR_LATER

from .. import base
from ..data import DocumentHeader, DossierRecord, Issuer
from ..samples import DIRECTOR, SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, leadership_signer, parties_of
from ..templating import render_texts
from ..words import amount_in_words
from .support_decision import default_legal_bases

TITLE = "Quyết định thu hồi kinh phí hỗ trợ"


@dataclass(frozen=True, kw_only=True)
class RecoveryDecision(DossierRecord):
    amount_vnd: int  # what this decision claims back
    reason: str  # why the support was undue
    paid_vnd: int  # what the organisation had been paid (net of repayments)
    program_year: int
    decision_ref: str = ""  # the support decision it corrects, "12/QĐ-SKHCN ngày 02/04/2026"
    deciding_authority: str = "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"


TEXTS = {
    "title": (
        "QUYẾT ĐỊNH\n"
        "Về việc thu hồi kinh phí hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp "
        "quản lý tiên tiến năm {{ program_year }} đối với {{ org.name }}\n"
    ),
    "body": (
        "Điều 1. Thu hồi {{ amount | vnd }} (bằng chữ: {{ amount_words }}) kinh phí hỗ trợ "
        "theo Nghị quyết số 43/2022/NQ-HĐND đã chi cho {{ org.name }}"
        "{% if org.tax_code %} (mã số thuế: {{ org.tax_code }}){% endif %}"
        "{% if org.address %}, địa chỉ: {{ org.address }}{% endif %}"
        "{% if dossier_code %}, hồ sơ số {{ dossier_code }}{% endif %}"
        "{% if decision_ref %}, được hỗ trợ theo Quyết định số {{ decision_ref }}{% endif %}.\n"
        "Lý do thu hồi: {{ reason }}\n"
    ),
    "next_steps": (
        "Điều 2. {{ org.name }} có trách nhiệm nộp trả số kinh phí nêu tại Điều 1 về tài khoản "
        "của Chi cục Tiêu chuẩn Đo lường Chất lượng trong thời hạn 30 ngày kể từ ngày nhận "
        "được Quyết định này. Phần kinh phí hỗ trợ chưa chi (nếu có) không được tiếp tục chi "
        "trả.\n"
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Chi cục "
        "trưởng Chi cục Tiêu chuẩn Đo lường Chất lượng, Thủ trưởng các đơn vị có liên quan "
        "và {{ org.name }} chịu trách nhiệm thi hành Quyết định này./.\n"
    ),
    "recipients": ("Như Điều 3;\nGiám đốc, các Phó Giám đốc Sở;\nLưu: VT, TĐC.\n"),
}
VARIABLES = {
    "program_year": "Năm kế hoạch",
    "amount": "Số tiền thu hồi (đồng; dùng: {{ amount | vnd }})",
    "amount_words": "Số tiền thu hồi bằng chữ",
    "reason": "Lý do thu hồi",
    "paid_vnd": "Số tiền tổ chức đã được chi trả",
    "decision_ref": "Số, ngày quyết định hỗ trợ (có thể trống)",
    "deciding_authority": "Chức danh người có thẩm quyền quyết định",
}


def computed(data: RecoveryDecision) -> dict[str, Any]:
    return {"amount": data.amount_vnd, "amount_words": amount_in_words(data.amount_vnd)}


def build_recovery_decision(
    data: RecoveryDecision,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the recovery decision (bases, "QUYẾT ĐỊNH:", the amount and the reason, what the
    organisation must do).

    Raises ValueError (Vietnamese) without a reason, for a non-positive amount or one above
    what was paid.
    """
    base.check_parties(data, RecoveryDecision, TITLE, code=False)
    base.require(base.has_text(data.reason), "Quyết định thu hồi phải nêu rõ lý do thu hồi.")
    base.require_amount(data.amount_vnd, "Số tiền thu hồi", positive=True)
    base.require_amount(data.paid_vnd, "Số tiền đã chi trả")
    base.require(
        data.amount_vnd <= data.paid_vnd,
        f"Số tiền thu hồi ({base.vnd(data.amount_vnd)}) vượt số đã chi trả "
        f"({base.vnd(data.paid_vnd)}).",
    )
    t = render_texts(SPEC, texts, data, header=header, issuer=issuer)
    st = base.styles()
    bases = [*default_legal_bases(data.program_year),
             "Theo đề nghị của Chi cục trưởng Chi cục Tiêu chuẩn Đo lường Chất lượng"]
    story = [
        base.header_block(header, issuer),
        *base.title_block(t["title"]),
        Paragraph(f"<b>{base.markup(data.deciding_authority)}</b>", st.centered),
        Spacer(1, 2 * mm),
        *[Paragraph(base.markup(line + ("." if i == len(bases) - 1 else ";")), st.basis)
          for i, line in enumerate(bases)],
        Spacer(1, 3 * mm),
        Paragraph("<b>QUYẾT ĐỊNH:</b>", st.centered),
        *base.text_block(t["body"]),
        *base.signed_close(t["next_steps"], issuer, left=base.recipients_cell(t["recipients"])),
    ]
    return base.render(
        story,
        header=header,
        issuer=issuer,
        title=f"{TITLE} - {data.organisation.name}",
        subject=f"Thu hồi năm {data.program_year}: {base.vnd(data.amount_vnd)}",
    )


def gather(dossier: Any, records: DossierRecords) -> RecoveryDecision:
    """The amount and reason of the dossier's latest recovery decision entry."""
    entry = records.latest_recovery()
    if entry is None:
        raise Conflict("Hồ sơ chưa có quyết định thu hồi kinh phí hỗ trợ.")
    issued = [d for d in dossier.documents
              if d.kind == DocumentKind.SUPPORT_DECISION.value and d.number]
    ref = (f"{issued[-1].number_symbol} ngày {issued[-1].issued_on:%d/%m/%Y}" if issued else "")
    authority = ("GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"
                 if dossier.program_year.authority == "director"
                 else "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH")
    return RecoveryDecision(
        **parties_of(dossier),
        amount_vnd=entry.amount_vnd,
        reason=entry.reason or "",
        paid_vnd=dossier.paid_vnd,  # drawn up with the entry, before any repayment
        program_year=dossier.program_year.year,
        decision_ref=ref,
        deciding_authority=authority,
    )


def sample() -> Sample:
    return Sample(
        RecoveryDecision(
            **SAMPLE_PARTIES,
            amount_vnd=25_000_000,
            reason="Giấy chứng nhận ISO 9001:2015 nộp kèm hồ sơ là giả mạo (tổ chức chứng nhận "
            "xác nhận không cấp giấy chứng nhận này).",
            paid_vnd=50_000_000,
            program_year=2026,
            decision_ref="12/QĐ-SKHCN ngày 02/04/2026",
        ),
        DocumentHeader(number=31, symbol="QĐ-SKHCN", issued_on=date(2026, 9, 15)),
        DIRECTOR,
    )


SPEC = DocumentSpec(
    kind=DocumentKind.RECOVERY_DECISION, title=TITLE,
    data=RecoveryDecision, build=build_recovery_decision,
    texts=TEXTS, variables=VARIABLES, computed=computed, sample=sample,
    gather=gather, signer=leadership_signer, available_in=APPROVED_OR_LATER, symbol="QĐ-SKHCN",
)
