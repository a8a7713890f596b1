"""Supplement asked after reception (thông báo yêu cầu bổ sung, hoàn thiện hồ sơ trong quá trình
giải quyết): the papers the sub-department, appraising the dossier, still needs, each with its
note; the clock stands still until they come (issue 14, path 1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grants.domain.enums import DocumentKind
from grants.domain.local_time import to_local
from grants.domain.roles import Role
from grants.domain.workflow_states import PAUSED_IN_PROCESS

from ..data import DEFAULT_PROCEDURE, DocumentHeader, DossierRecord, Issuer, Letterhead
from ..samples import SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, parties_of
from ..templating import ORG_LINES
from .supplement_request import MissingItem, build_items_letter, requested_items

TITLE = "Thông báo yêu cầu bổ sung, hoàn thiện hồ sơ trong quá trình giải quyết"
SUB_DEPARTMENT = "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG"


@dataclass(frozen=True, kw_only=True)
class ProcessingSupplement(DossierRecord):
    items: tuple[MissingItem, ...]
    received_at: datetime | None = None
    note: str = ""
    procedure_name: str = DEFAULT_PROCEDURE


TEXTS = {
    "title": "THÔNG BÁO YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "body": (
        "Hồ sơ của: {{ org.name }}\n"
        + ORG_LINES
        + "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
        "{% if received_at %}Hồ sơ đã được tiếp nhận lúc {{ received_at | datetime }}. {% endif %}"
        "Trong quá trình thẩm định, hồ sơ chưa đầy đủ, chưa đủ căn cứ để giải quyết. Đề nghị "
        "{{ org.name }} bổ sung, hoàn thiện những nội dung sau:\n"
    ),
    "next_steps": (
        "{% if note %}{{ note }}\n{% endif %}"
        "Thời hạn giải quyết tạm dừng kể từ ngày thông báo này cho đến khi nhận đủ hồ sơ bổ "
        "sung; thời gian đã giải quyết trước đó vẫn được tính. Hồ sơ bổ sung được chuyển lại "
        "bước thẩm định đang xử lý, không phải tiếp nhận lại từ đầu.\n"
        "Hồ sơ bổ sung nộp trực tuyến hoặc tại Bộ phận Tiếp nhận và trả kết quả Sở Khoa học và "
        "Công nghệ.\n"
    ),
    "recipients": "",
}
VARIABLES = {
    "procedure_name": "Tên thủ tục",
    "items": "Nội dung cần bổ sung (mỗi mục: name, note)",
    "received_at": "Thời điểm tiếp nhận hồ sơ (có thể trống)",
    "note": "Ghi chú của người yêu cầu (có thể trống)",
}


def build_processing_supplement(
    data: ProcessingSupplement,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the notice asking for papers after reception, items numbered.

    Raises ValueError (Vietnamese) when no item to supplement is given.
    """
    return build_items_letter(SPEC, data, "Thông báo yêu cầu bổ sung", header=header,
                              issuer=issuer, texts=texts)


def gather(dossier: Any, records: DossierRecords) -> ProcessingSupplement:
    """The items of the dossier's latest supplement request and the note that came with it."""
    return ProcessingSupplement(
        **parties_of(dossier), items=requested_items(records),
        received_at=to_local(dossier.received_at),
        note=records.latest_audit_note("dossier.request_papers") or "",
    )


def processing_signer(letterhead: Letterhead, dossier: Any, actor: Any) -> Issuer:
    """The sub-department issues it; the head of division or the appraiser who asked signs."""
    head = actor is not None and Role.HEAD in actor.roles
    return Issuer(
        body_lines=(*letterhead.body_lines[1:], SUB_DEPARTMENT), place=letterhead.place,
        signer_title_lines=("LÃNH ĐẠO CHI CỤC",) if head else ("CHUYÊN VIÊN THẨM ĐỊNH",),
        signer_name=actor.full_name if actor else "",
    )


def sample() -> Sample:
    return Sample(
        ProcessingSupplement(
            **SAMPLE_PARTIES,
            items=(
                MissingItem(
                    name="Hợp đồng tư vấn xây dựng hệ thống ISO 22000:2018",
                    note="Bản đã nộp thiếu phụ lục giá trị hợp đồng.",
                ),
                MissingItem(
                    name="Biên bản nghiệm thu, thanh lý hợp đồng tư vấn",
                    note="Chưa có trong hồ sơ.",
                ),
            ),
            received_at=datetime(2026, 3, 5, 9, 30),
            note="Đề nghị nộp trước ngày 20/03/2026 để kịp thẩm định thực tế.",
        ),
        DocumentHeader(issued_on=date(2026, 3, 12)),
        Issuer(
            body_lines=("SỞ KHOA HỌC VÀ CÔNG NGHỆ", SUB_DEPARTMENT),
            signer_title_lines=("LÃNH ĐẠO CHI CỤC",),
            signer_name="Trần Văn Hùng",
        ),
    )


SPEC = DocumentSpec(
    kind=DocumentKind.PROCESSING_SUPPLEMENT, title=TITLE,
    data=ProcessingSupplement, build=build_processing_supplement,
    texts=TEXTS, variables=VARIABLES, sample=sample,
    gather=gather, signer=processing_signer, available_in=PAUSED_IN_PROCESS,
)
