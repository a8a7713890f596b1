"""Refusal at intake (phiếu từ chối tiếp nhận giải quyết hồ sơ), with the desk's reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.platypus import Paragraph

from grants.domain.enums import DocumentKind
from grants.domain.local_time import to_local
from grants.domain.workflow_states import Action, Status

from .. import base
from ..data import DEFAULT_PROCEDURE, DocumentHeader, DossierRecord, Issuer
from ..samples import DESK_OFFICER, SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, desk_signer, parties_of
from ..templating import ORG_LINES, render_texts

TITLE = "Phiếu từ chối tiếp nhận giải quyết hồ sơ"


@dataclass(frozen=True, kw_only=True)
class IntakeRefusal(DossierRecord):
    reason: str
    procedure_name: str = DEFAULT_PROCEDURE
    received_at: datetime | None = None


TEXTS = {
    "title": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "body": (
        "Bộ phận Tiếp nhận và trả kết quả Sở Khoa học và Công nghệ tiếp nhận hồ sơ của: "
        "{{ org.name }}\n" + ORG_LINES + "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
        "Sau khi xem xét hồ sơ, đối chiếu với các quy định hiện hành, Bộ phận Tiếp nhận và "
        "trả kết quả từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:\n"
    ),
    "next_steps": "Xin trân trọng thông báo!\n",
    "recipients": "",
}
VARIABLES = {
    "procedure_name": "Tên thủ tục",
    "reason": "Lý do từ chối",
    "received_at": "Thời điểm nhận hồ sơ (có thể trống)",
}


def build_intake_refusal(
    data: IntakeRefusal,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the refusal at intake (phiếu từ chối tiếp nhận giải quyết hồ sơ) with its reason.

    Raises ValueError (Vietnamese) when the reason is empty.
    """
    base.check_parties(data, IntakeRefusal, TITLE)
    base.require(base.has_text(data.reason), "Phiếu từ chối tiếp nhận: phải nêu rõ lý do từ chối.")
    t = render_texts(SPEC, texts, data, header=header, issuer=issuer)
    form = base.styles().form
    story = [
        *base.slip_head(header, issuer, t, data.dossier_code),
        *(Paragraph(base.markup(line), form) for line in base.lines_of(data.reason)),
        *base.signed_close(
            t["next_steps"],
            issuer,
            left=base.recipients_cell(t["recipients"]),
            hint=base.SIGN_HINT,
            style=form,
        ),
    ]
    return base.render_record(story, data, header=header, issuer=issuer, title=TITLE)


def gather(dossier: Any, records: DossierRecords) -> IntakeRefusal:
    """The reason the desk gave when it refused the dossier."""
    return IntakeRefusal(
        **parties_of(dossier),
        reason=records.latest_audit_note(f"dossier.{Action.REFUSE.value}"),
        received_at=to_local(dossier.submitted_at),
    )


def sample() -> Sample:
    return Sample(
        IntakeRefusal(
            **SAMPLE_PARTIES,
            reason="Tổ chức không thuộc đối tượng áp dụng của Nghị quyết số 43/2022/NQ-HĐND.",
            received_at=datetime(2026, 3, 5, 9, 30),
        ),
        DocumentHeader(issued_on=date(2026, 3, 5)),
        DESK_OFFICER,
    )


SPEC = DocumentSpec(
    kind=DocumentKind.INTAKE_REFUSAL, title=TITLE, data=IntakeRefusal, build=build_intake_refusal,
    texts=TEXTS, variables=VARIABLES, sample=sample,
    gather=gather, signer=desk_signer, available_in=frozenset({Status.REFUSED}),
)
