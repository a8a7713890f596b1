"""Apology for a late dossier with a new return date (phiếu xin lỗi và hẹn lại ngày trả kết
quả), issued by the step causing the delay before the due date passes (issue 14, path 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.platypus import Paragraph

from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict
from grants.domain.local_time import to_local
from grants.domain.roles import Role
from grants.domain.workflow import APOLOGY_STATES, ROLE_OF_STEP, STEP_OF_STATUS

from .. import base
from ..data import DEFAULT_PROCEDURE, DocumentHeader, DossierRecord, Issuer, Letterhead
from ..samples import SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, leadership_signer, parties_of
from ..templating import ORG_LINES, render_texts

TITLE = "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
SUB_DEPARTMENT = "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG"


@dataclass(frozen=True, kw_only=True)
class DelayApology(DossierRecord):
    reason: str
    new_return_on: date
    received_at: datetime | None = None
    due_before: datetime | None = None
    procedure_name: str = DEFAULT_PROCEDURE


TEXTS = {
    "title": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "body": (
        "{% if received_at %}Ngày {{ received_at | date }}, {% endif %}Bộ phận Tiếp nhận và trả "
        "kết quả Sở Khoa học và Công nghệ tiếp nhận hồ sơ của: {{ org.name }}\n"
        + ORG_LINES
        + "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
        "{% if due_before %}Thời hạn trả kết quả giải quyết hồ sơ: {{ due_before | datetime }}."
        "\n{% endif %}"
        "Tuy nhiên đến nay, cơ quan giải quyết chưa thể trả kết quả giải quyết hồ sơ đúng hạn "
        "với lý do như sau:\n"
    ),
    "next_steps": (
        "Sự chậm trễ này đã gây phiền hà cho {{ org.name }}. Chúng tôi thành thật xin lỗi và "
        "sẽ trả kết quả giải quyết hồ sơ vào ngày {{ new_return_on | date }}.\n"
        "Xin trân trọng cảm ơn!\n"
    ),
    "recipients": "",
}
VARIABLES = {
    "procedure_name": "Tên thủ tục",
    "reason": "Lý do chậm trả kết quả",
    "new_return_on": "Ngày hẹn trả kết quả mới",
    "received_at": "Thời điểm tiếp nhận hồ sơ (có thể trống)",
    "due_before": "Hạn trả kết quả trước khi hẹn lại (có thể trống)",
}


def build_delay_apology(
    data: DelayApology,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the apology and new return date. Raises ValueError (Vietnamese) without a reason
    or a new date."""
    base.check_parties(data, DelayApology, TITLE)
    base.require(base.has_text(data.reason), "Phiếu xin lỗi: phải nêu lý do chậm trả kết quả.")
    base.require(data.new_return_on, "Phiếu xin lỗi: phải nêu ngày hẹn trả kết quả mới.")
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


def gather(dossier: Any, records: DossierRecords) -> DelayApology:
    """The dossier's latest apology (reason, the due moment it replaces, the new date)."""
    apology = records.latest_delay_apology()
    if apology is None:
        raise Conflict("Hồ sơ chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.")
    return DelayApology(
        **parties_of(dossier), reason=apology.reason, new_return_on=apology.new_return_on,
        received_at=to_local(dossier.received_at), due_before=to_local(apology.due_before),
    )


_TITLES = {
    Role.HEAD: ("LÃNH ĐẠO CHI CỤC",),
    Role.APPRAISER: ("CHUYÊN VIÊN THẨM ĐỊNH",),
    Role.RECORDS: ("VĂN THƯ",),
    Role.CLERK: ("NGƯỜI TRẢ KẾT QUẢ",),
}


def apology_signer(letterhead: Letterhead, dossier: Any, actor: Any) -> Issuer:
    """The step causing the delay signs: the leadership as the year says, the sub-department
    (head of division, appraiser) under its own name, the records or the desk officer."""
    role = ROLE_OF_STEP[STEP_OF_STATUS[dossier.status]]
    if role == Role.LEADER:
        return leadership_signer(letterhead, dossier, actor)
    body = ((*letterhead.body_lines[1:], SUB_DEPARTMENT) if role in (Role.HEAD, Role.APPRAISER)
            else letterhead.body_lines)
    return Issuer(body_lines=body, place=letterhead.place, signer_title_lines=_TITLES[role],
                  signer_name=actor.full_name if actor else "")


def sample() -> Sample:
    return Sample(
        DelayApology(
            **SAMPLE_PARTIES,
            reason="Đoàn thẩm định cần thêm thời gian thẩm định thực tế tại cơ sở sản xuất thứ "
                   "hai của tổ chức.",
            new_return_on=date(2026, 4, 3),
            received_at=datetime(2026, 3, 5, 9, 30),
            due_before=datetime(2026, 3, 27, 17, 0),
        ),
        DocumentHeader(issued_on=date(2026, 3, 25)),
        Issuer(
            body_lines=("SỞ KHOA HỌC VÀ CÔNG NGHỆ", SUB_DEPARTMENT),
            signer_title_lines=("LÃNH ĐẠO CHI CỤC",),
            signer_name="Trần Văn Hùng",
        ),
    )


SPEC = DocumentSpec(
    kind=DocumentKind.DELAY_APOLOGY, title=TITLE, data=DelayApology, build=build_delay_apology,
    texts=TEXTS, variables=VARIABLES, sample=sample,
    gather=gather, signer=apology_signer, available_in=APOLOGY_STATES,
)
