"""The Department's proposal to the provincial People's Committee (tờ trình, ``N/TTr-SKHCN``):
where the Chairman decides (seed 000), the appraised support is submitted for decision, with the
amount per item in figures and the total in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict
from grants.domain.local_time import to_local
from grants.domain.workflow_states import DECIDED, Status

from .. import base
from ..data import DocumentHeader, DossierRecord, Issuer, Letterhead
from ..samples import DIRECTOR, SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, parties_of
from ..templating import render_texts
from ..words import amount_in_words
from .support_decision import DecisionItem

TITLE = "Tờ trình đề nghị phê duyệt hỗ trợ"


@dataclass(frozen=True, kw_only=True)
class CommitteeProposal(DossierRecord):
    items: tuple[DecisionItem, ...]  # the appraised amount per item (``approved_vnd``)
    total_vnd: int
    program_year: int
    received_on: date | None = None


TEXTS = {
    "title": (
        "TỜ TRÌNH\n"
        "Về việc đề nghị phê duyệt hỗ trợ kinh phí áp dụng tiêu chuẩn, công cụ, mô hình, "
        "phương pháp quản lý tiên tiến năm {{ program_year }} cho {{ org.name }}\n"
    ),
    "body": (
        "Căn cứ Nghị quyết số 43/2022/NQ-HĐND ngày 09/12/2022 của Hội đồng nhân dân tỉnh Bắc "
        "Giang về hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên tiến "
        "(áp dụng trên địa bàn tỉnh Bắc Ninh theo Nghị quyết số 17/NQ-HĐND ngày 14/7/2025 của "
        "Hội đồng nhân dân tỉnh Bắc Ninh);\n"
        "Sở Khoa học và Công nghệ nhận được hồ sơ số {{ dossier_code }} của {{ org.name }}"
        "{% if org.tax_code %} (mã số thuế: {{ org.tax_code }}){% endif %}"
        "{% if received_on %}, tiếp nhận ngày {{ received_on | date }}{% endif %}, đề nghị hỗ "
        "trợ kinh phí theo Nghị quyết số 43/2022/NQ-HĐND. Chi cục Tiêu chuẩn Đo lường Chất "
        "lượng đã thẩm định hồ sơ và thẩm định thực tế tại tổ chức; tổ chức đủ điều kiện được "
        "hỗ trợ với các nội dung sau:\n"
    ),
    "next_steps": (
        "Sở Khoa học và Công nghệ kính trình Ủy ban nhân dân tỉnh xem xét, quyết định hỗ trợ "
        "kinh phí cho {{ org.name }} từ nguồn kinh phí thực hiện Nghị quyết số "
        "43/2022/NQ-HĐND năm {{ program_year }}./.\n"
    ),
    "recipients": ("Như trên;\nGiám đốc, các Phó Giám đốc Sở;\nLưu: VT, TĐC.\n"),
}
VARIABLES = {
    "program_year": "Năm kế hoạch",
    "items": "Nội dung đề nghị hỗ trợ (catalogue_code, name, approved_vnd)",
    "total": "Tổng số tiền đề nghị hỗ trợ (đồng; dùng: {{ total | vnd }})",
    "total_words": "Tổng số tiền bằng chữ",
    "received_on": "Ngày tiếp nhận hồ sơ (có thể trống)",
}


def computed(data: CommitteeProposal) -> dict[str, Any]:
    return {"total": data.total_vnd, "total_words": amount_in_words(data.total_vnd)}


def build_committee_proposal(
    data: CommitteeProposal,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the proposal: "Kính gửi: Ủy ban nhân dân tỉnh Bắc Ninh", the appraisal's
    conclusion, the items table with the proposed amounts and the total in words.

    Raises ValueError (Vietnamese) with no items, a non-positive amount, or total ≠ sum.
    """
    base.check_parties(data, CommitteeProposal, TITLE, code=False)
    base.require(data.items, "Tờ trình phải có ít nhất một nội dung đề nghị hỗ trợ.")
    for item in data.items:
        base.require_amount(item.approved_vnd,
                            f"Số tiền đề nghị cho «{base.clean_text(item.name)}»", positive=True)
    base.require(data.total_vnd == sum(i.approved_vnd for i in data.items),
                 "Tổng số tiền đề nghị không bằng tổng các khoản.")
    t = render_texts(SPEC, texts, data, header=header, issuer=issuer)
    st = base.styles()
    table = base.data_table(
        [base.Column("STT", 0.09, "center"), base.Column("Mã", 0.16, "center"),
         base.Column("Nội dung đề nghị hỗ trợ", 0.50),
         base.Column("Số tiền đề nghị", 0.25, "right")],
        [(str(i), item.catalogue_code, item.name, base.vnd(item.approved_vnd))
         for i, item in enumerate(data.items, start=1)],
        total=("Tổng cộng", "", "", base.vnd(data.total_vnd)),
    )
    story = [
        base.header_block(header, issuer),
        *base.title_block(t["title"]),
        Paragraph(f"Kính gửi:{base.NBSP}Ủy ban nhân dân tỉnh Bắc Ninh.", st.centered),
        Spacer(1, 3 * mm),
        *base.text_block(t["body"]),
        table,
        Spacer(1, 3 * mm),
        Paragraph(
            f"Tổng số tiền đề nghị hỗ trợ: <b>{base.markup(base.vnd_nbsp(data.total_vnd))}</b> "
            f"<i>(Bằng chữ: {base.markup(amount_in_words(data.total_vnd))})</i>.",
            st.body,
        ),
        *base.signed_close(t["next_steps"], issuer, left=base.recipients_cell(t["recipients"])),
    ]
    return base.render(story, header=header, issuer=issuer,
                       title=f"{TITLE} - {data.organisation.name}",
                       subject=f"Trình UBND tỉnh năm {data.program_year}: "
                               f"{base.vnd(data.total_vnd)}")


def gather(dossier: Any, records: DossierRecords) -> CommitteeProposal:
    """The appraised amount of each item proposed for support."""
    items = tuple(DecisionItem(catalogue_code=i.catalogue_item.code, name=i.catalogue_item.name,
                               approved_vnd=i.proposed_vnd)
                  for i in dossier.items if i.proposed_vnd)
    if not items:
        raise Conflict("Thẩm định chưa đề xuất mức hỗ trợ nào; chưa thể lập tờ trình.")
    return CommitteeProposal(
        **parties_of(dossier), items=items, total_vnd=sum(i.approved_vnd for i in items),
        program_year=dossier.program_year.year,
        received_on=to_local(dossier.received_at).date() if dossier.received_at else None)


def department_signer(letterhead: Letterhead, dossier: Any, actor: Any) -> Issuer:
    """The Department's leadership signs its proposal (the leader who submits it)."""
    return Issuer(body_lines=letterhead.body_lines, place=letterhead.place,
                  signer_title_lines=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
                  signer_name=actor.full_name if actor else "")


def sample() -> Sample:
    return Sample(
        CommitteeProposal(
            **SAMPLE_PARTIES,
            items=(DecisionItem(catalogue_code="ISO22000",
                                name="Áp dụng hệ thống quản lý an toàn thực phẩm ISO 22000:2018",
                                approved_vnd=50_000_000),
                   DecisionItem(catalogue_code="5S", name="Áp dụng công cụ 5S",
                                approved_vnd=25_000_000)),
            total_vnd=75_000_000, program_year=2026, received_on=date(2026, 3, 5)),
        DocumentHeader(number=8, symbol="TTr-SKHCN", issued_on=date(2026, 3, 27)),
        DIRECTOR,
    )


SPEC = DocumentSpec(
    kind=DocumentKind.COMMITTEE_PROPOSAL, title=TITLE,
    data=CommitteeProposal, build=build_committee_proposal,
    texts=TEXTS, variables=VARIABLES, computed=computed, sample=sample,
    gather=gather, signer=department_signer,
    available_in=frozenset({Status.SUBMITTED_TO_COMMITTEE}) | DECIDED, symbol="TTr-SKHCN",
)
