"""Written reply stating the reasons support is refused (văn bản trả lời nêu rõ lý do): a công
văn with "V/v ..." under the number, "Kính gửi", each reason numbered, then what next."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from grants.domain.enums import DocumentKind, Outcome
from grants.domain.errors import Conflict
from grants.domain.local_time import to_local
from grants.domain.workflow_states import DECIDED, Status

from .. import base
from ..data import DocumentHeader, DossierRecord, Issuer
from ..samples import DIRECTOR, SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, leadership_signer, parties_of
from ..templating import render_texts

TITLE = "Văn bản trả lời nêu rõ lý do không hỗ trợ"


@dataclass(frozen=True, kw_only=True)
class RejectionLetter(DossierRecord):
    reasons: tuple[str, ...]  # one entry per reason; each is numbered in the letter
    next_steps: str = ""  # what the organisation may do next; the template has a default
    program_year: int | None = None
    received_on: date | None = None


TEXTS = {
    "title": "V/v trả lời hồ sơ đề nghị hỗ trợ theo Nghị quyết số 43/2022/NQ-HĐND\n",
    "body": (
        "Sở Khoa học và Công nghệ nhận được hồ sơ số {{ dossier_code }} của {{ org.name }} "
        "đề nghị hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên tiến "
        "theo Nghị quyết số 43/2022/NQ-HĐND ngày 09/12/2022 của Hội đồng nhân dân tỉnh Bắc "
        "Giang{% if program_year %} năm {{ program_year }}{% endif %}"
        "{% if received_on %} (tiếp nhận ngày {{ received_on | date }}){% endif %}.\n"
        "Sau khi thẩm định hồ sơ và kiểm tra thực tế tại tổ chức, Sở Khoa học và Công nghệ "
        "trả lời như sau: hồ sơ chưa đủ điều kiện để được hỗ trợ, với các lý do cụ thể:\n"
    ),
    "next_steps": (
        "{% if next_steps %}{{ next_steps }}{% else %}{{ org.name }} có thể bổ sung, khắc "
        "phục các nội dung nêu trên và nộp lại hồ sơ đề nghị hỗ trợ khi đáp ứng đủ điều "
        "kiện theo quy định.{% endif %}\n"
        "Trường hợp cần hướng dẫn thêm, đề nghị liên hệ Chi cục Tiêu chuẩn Đo lường Chất "
        "lượng.\n"
        "Sở Khoa học và Công nghệ trả lời để {{ org.name }} được biết./.\n"
    ),
    "recipients": (
        "Như trên;\n"
        "Giám đốc Sở (để b/c);\n"
        "Chi cục Tiêu chuẩn Đo lường Chất lượng;\n"
        "Lưu: VT, TĐC.\n"
    ),
}
VARIABLES = {
    "program_year": "Năm kế hoạch (có thể trống)",
    "reasons": "Các lý do không hỗ trợ",
    "next_steps": "Hướng dẫn tổ chức các bước tiếp theo (có thể trống)",
    "received_on": "Ngày tiếp nhận hồ sơ (có thể trống)",
}


def build_rejection_letter(
    data: RejectionLetter,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the rejection letter (a công văn: "V/v ..." under the number, "Kính gửi"), each
    reason numbered on its own, then what the organisation may do next.

    Raises ValueError (Vietnamese) when no reason is given.
    """
    base.check_parties(data, RejectionLetter, TITLE, label="Văn bản trả lời", code=False)
    reasons = [base.clean_text(r).strip() for r in data.reasons if base.has_text(r)]
    base.require(reasons, "Văn bản trả lời phải nêu ít nhất một lý do không hỗ trợ.")
    t = render_texts(SPEC, texts, data, header=header, issuer=issuer)
    summary = " ".join(base.lines_of(t["title"]))
    story = [
        base.header_block(header, issuer, summary=summary or None),
        Spacer(1, 8 * mm),
        Paragraph(
            f"Kính gửi:{base.NBSP}{base.markup(data.organisation.name)}", base.styles().centered
        ),
        Spacer(1, 3 * mm),
        *base.text_block(t["body"]),
        *base.numbered_block(reasons),
        *base.signed_close(t["next_steps"], issuer, left=base.recipients_cell(t["recipients"])),
    ]
    return base.render_record(story, data, header=header, issuer=issuer, title=TITLE)


def gather(dossier: Any, records: DossierRecords) -> RejectionLetter:
    """The reasons and next steps the leadership gave when it rejected the dossier."""
    decision = records.decision()
    if decision is None or decision.outcome != Outcome.REJECTED.value:
        raise Conflict(
            "Hồ sơ không ở trạng thái bị từ chối hỗ trợ; chưa thể lập văn bản trả lời."
        )
    return RejectionLetter(
        **parties_of(dossier),
        reasons=json.loads(decision.reasons_json),
        next_steps=decision.next_steps or "",
        program_year=dossier.program_year.year,
        received_on=to_local(dossier.received_at).date() if dossier.received_at else None,
    )


def sample() -> Sample:
    return Sample(
        RejectionLetter(
            **SAMPLE_PARTIES,
            reasons=(
                "Giấy chứng nhận ISO 9001:2015 được cấp trước thời điểm Nghị quyết số "
                "43/2022/NQ-HĐND có hiệu lực.",
                "Tổ chức đã được hỗ trợ cho cùng tiêu chuẩn ISO 9001 năm 2024.",
            ),
            next_steps="Tổ chức có thể đề nghị hỗ trợ cho tiêu chuẩn, công cụ khác trong danh "
            "mục năm 2026.",
            program_year=2026,
            received_on=date(2026, 3, 5),
        ),
        DocumentHeader(number=15, symbol="SKHCN-TĐC", issued_on=date(2026, 4, 2)),
        DIRECTOR,
    )


SPEC = DocumentSpec(
    kind=DocumentKind.REJECTION_LETTER, title=TITLE,
    data=RejectionLetter, build=build_rejection_letter,
    texts=TEXTS, variables=VARIABLES, sample=sample,
    gather=gather, signer=leadership_signer,
    available_in=DECIDED - {Status.APPROVED}, symbol="SKHCN-TĐC",
)
