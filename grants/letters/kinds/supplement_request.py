"""Supplement request (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ): the papers the one-stop desk
asks for, numbered, each with its note."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict
from grants.domain.workflow_states import Status

from .. import base
from ..data import DEFAULT_PROCEDURE, DocumentHeader, DossierRecord, Issuer
from ..samples import DESK_OFFICER, SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, desk_signer, parties_of
from ..templating import ORG_LINES, render_texts

TITLE = "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"


@dataclass(frozen=True, kw_only=True)
class MissingItem:
    name: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class SupplementRequest(DossierRecord):
    items: tuple[MissingItem, ...]
    deadline_on: date | None = None
    procedure_name: str = DEFAULT_PROCEDURE
    contact: str = ""  # who to call for guidance, e.g. "Chi cục TĐC, ĐT 0204 3854 xxx"


TEXTS = {
    "title": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "body": (
        "Hồ sơ của: {{ org.name }}\n"
        + ORG_LINES
        + "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
        "Sau khi kiểm tra thành phần hồ sơ, đề nghị {{ org.name }} bổ sung, hoàn thiện hồ "
        "sơ gồm những nội dung sau:\n"
    ),
    "next_steps": (
        "{% if deadline_on %}Thời hạn bổ sung, hoàn thiện hồ sơ: trước ngày "
        "{{ deadline_on | date }}.{% endif %}\n"
        "Thời hạn giải quyết được tính lại kể từ ngày nhận đủ hồ sơ đã bổ sung, hoàn thiện.\n"
        "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, đề nghị liên hệ "
        "{% if contact %}{{ contact }}{% else %}Bộ phận Tiếp nhận và trả kết quả Sở Khoa học "
        "và Công nghệ{% endif %} để được hướng dẫn.\n"
    ),
    "recipients": "",
}
VARIABLES = {
    "procedure_name": "Tên thủ tục",
    "items": "Nội dung cần bổ sung (mỗi mục: name, note)",
    "deadline_on": "Hạn bổ sung (có thể trống)",
    "contact": "Đầu mối liên hệ để được hướng dẫn",
}


def build_supplement_request(
    data: SupplementRequest,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the supplement request (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ), items numbered.

    Raises ValueError (Vietnamese) when no item to supplement is given.
    """
    return build_items_letter(SPEC, data, "Phiếu yêu cầu bổ sung", header=header, issuer=issuer,
                              texts=texts)


def build_items_letter(spec: DocumentSpec, data, what: str, *, header: DocumentHeader,
                       issuer: Issuer, texts: Mapping[str, str] | None) -> bytes:
    """A letter asking for papers (the desk's request, or the notice during processing): its
    head, the items numbered with their notes, the closing and the signature.

    Raises ValueError (Vietnamese, starting with ``what``) when no item is given.
    """
    base.check_parties(data, spec.data, spec.title)
    items = [item for item in data.items if base.has_text(item.name)]
    base.require(items, f"{what}: phải nêu ít nhất một nội dung cần bổ sung.")
    t = render_texts(spec, texts, data, header=header, issuer=issuer)
    story = [
        *base.slip_head(header, issuer, t, data.dossier_code),
        *base.numbered_block([i.name for i in items], notes=[i.note for i in items]),
        *base.signed_close(
            t["next_steps"],
            issuer,
            left=base.recipients_cell(t["recipients"]),
            hint=base.SIGN_HINT,
            style=base.styles().form,
        ),
    ]
    return base.render_record(story, data, header=header, issuer=issuer, title=spec.title)


def requested_items(records: DossierRecords) -> tuple[MissingItem, ...]:
    """The items of the dossier's latest supplement request (Conflict when there is none)."""
    request = records.latest_supplement_request()
    if request is None:
        raise Conflict("Hồ sơ chưa có yêu cầu bổ sung.")
    return tuple(MissingItem(name=i["label"], note=i.get("note", ""))
                 for i in json.loads(request.items_json))


def gather(dossier: Any, records: DossierRecords) -> SupplementRequest:
    """The items of the dossier's latest supplement request."""
    return SupplementRequest(**parties_of(dossier), items=requested_items(records))


def sample() -> Sample:
    return Sample(
        SupplementRequest(
            **SAMPLE_PARTIES,
            items=(
                MissingItem(
                    name="Hóa đơn giá trị gia tăng của hợp đồng tư vấn",
                    note="Bản đã nộp không đọc được số hóa đơn.",
                ),
                MissingItem(
                    name="Giấy chứng nhận ISO 22000:2018",
                    note="Cần xuất trình bản chính để đối chiếu.",
                ),
            ),
            deadline_on=date(2026, 3, 20),
            contact="Chi cục Tiêu chuẩn Đo lường Chất lượng, điện thoại 0222 3822 123",
        ),
        DocumentHeader(issued_on=date(2026, 3, 5)),
        Issuer(
            body_lines=DESK_OFFICER.body_lines,
            signer_title_lines=("NGƯỜI HƯỚNG DẪN",),
            signer_name=DESK_OFFICER.signer_name,
        ),
    )


SPEC = DocumentSpec(
    kind=DocumentKind.SUPPLEMENT_REQUEST, title=TITLE,
    data=SupplementRequest, build=build_supplement_request,
    texts=TEXTS, variables=VARIABLES, sample=sample,
    gather=gather, signer=desk_signer, available_in=frozenset({Status.SUPPLEMENT_REQUESTED}),
)
