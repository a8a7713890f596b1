"""Support decision (quyết định hỗ trợ): legal bases, articles, amounts in figures and words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from grants.domain.enums import DocumentKind, Outcome
from grants.domain.errors import Conflict
from grants.domain.workflow_states import APPROVED_OR_LATER

from .. import base
from ..data import DocumentHeader, DossierRecord, Issuer
from ..samples import (
    DIRECTOR,
    SAMPLE_FUNCTIONS_DECISION,
    SAMPLE_PARTIES,
    SAMPLE_PLAN_DATE,
    SAMPLE_PLAN_NUMBER,
)
from ..spec import DocumentSpec, DossierRecords, Sample, leadership_signer, parties_of
from ..templating import render_texts
from ..words import amount_in_words

TITLE = "Quyết định hỗ trợ"


@dataclass(frozen=True, kw_only=True)
class DecisionItem:
    catalogue_code: str
    name: str
    approved_vnd: int


def default_legal_bases(
    program_year: int,
    *,
    functions_decision: str = "",
    plan_number: str = "",
    plan_date: date | None = None,
) -> tuple[str, ...]:
    """The bases every support decision cites: the decision on the Department's functions (the
    issuer's competence), Resolution 43/2022, the 2025 merger, and the year's plan with its
    number and date. A setting the year lacks is left out of its line, never invented."""
    competence = base.clean_text(functions_decision).strip().rstrip(";.,").strip()
    if competence and not competence.lower().startswith("căn cứ"):
        competence = f"Căn cứ {competence}"
    plan = "Căn cứ Kế hoạch"
    if base.has_text(plan_number):
        plan += f" số {base.clean_text(plan_number).strip()}"
    if plan_date is not None:
        plan += f" ngày {base.format_date(plan_date)}"
    return (
        *((competence,) if competence else ()),
        "Căn cứ Nghị quyết số 43/2022/NQ-HĐND ngày 09/12/2022 của Hội đồng nhân dân tỉnh "
        "Bắc Giang về hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên "
        "tiến, đạt giải thưởng chất lượng, có sản phẩm, hàng hóa công bố tiêu chuẩn cơ sở, "
        "công bố hợp chuẩn và áp dụng truy xuất nguồn gốc",
        "Căn cứ Nghị quyết số 17/NQ-HĐND ngày 14/7/2025 của Hội đồng nhân dân tỉnh Bắc Ninh "
        "ban hành quy định áp dụng, bãi bỏ văn bản quy phạm pháp luật trong lĩnh vực khoa học "
        "và công nghệ do Hội đồng nhân dân tỉnh Bắc Giang và Hội đồng nhân dân tỉnh Bắc Ninh "
        "(cũ) ban hành trên địa bàn tỉnh Bắc Ninh",
        f"{plan} của Sở Khoa học và Công nghệ triển khai thực hiện Nghị quyết số "
        f"43/2022/NQ-HĐND ngày 09/12/2022 của HĐND tỉnh Bắc Giang năm {program_year}",
    )


@dataclass(frozen=True, kw_only=True)
class SupportDecision(DossierRecord):
    """``legal_bases`` None means :func:`default_legal_bases` of ``program_year`` and the
    year's settings ``functions_decision``, ``plan_number`` and ``plan_date``."""

    items: tuple[DecisionItem, ...]
    total_vnd: int
    program_year: int
    deciding_authority: str = "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    legal_bases: tuple[str, ...] | None = None
    proposal_by: str = "Chi cục trưởng Chi cục Tiêu chuẩn Đo lường Chất lượng"
    dossier_code: str = ""
    functions_decision: str = ""
    plan_number: str = ""
    plan_date: date | None = None
    by_committee: bool = False  # the People's Committee's decision (the Chairman's path)

    @property
    def bases(self) -> tuple[str, ...]:
        if self.legal_bases is None:
            return default_legal_bases(
                self.program_year, functions_decision=self.functions_decision,
                plan_number=self.plan_number, plan_date=self.plan_date)
        return self.legal_bases


TEXTS = {
    "title": (
        "QUYẾT ĐỊNH\n"
        "Về việc hỗ trợ kinh phí áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý "
        "tiên tiến năm {{ program_year }} cho {{ org.name }}\n"
    ),
    "body": (
        "Điều 1. Hỗ trợ kinh phí áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý "
        "tiên tiến theo Nghị quyết số 43/2022/NQ-HĐND năm {{ program_year }} cho "
        "{{ org.name }}{% if org.tax_code %} (mã số thuế: {{ org.tax_code }}){% endif %}"
        "{% if org.address %}, địa chỉ: {{ org.address }}{% endif %}"
        "{% if dossier_code %}, hồ sơ số {{ dossier_code }}{% endif %}, với các nội dung "
        "sau:\n"
    ),
    "next_steps": (
        "Điều 2. Kinh phí hỗ trợ được chi từ nguồn kinh phí thực hiện Nghị quyết số "
        "43/2022/NQ-HĐND năm {{ program_year }} giao Chi cục Tiêu chuẩn Đo lường Chất lượng. "
        "{{ org.name }} có trách nhiệm sử dụng kinh phí đúng mục đích, thực hiện thủ tục "
        "thanh toán, quyết toán theo quy định.\n"
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. "
        "{% if by_committee %}Chánh Văn phòng UBND tỉnh, Giám đốc Sở Khoa học và Công nghệ, "
        "Giám đốc Sở Tài chính{% else %}Chánh Văn phòng Sở{% endif %}, Chi cục "
        "trưởng Chi cục Tiêu chuẩn Đo lường Chất lượng, Thủ trưởng các đơn vị có liên quan "
        "và {{ org.name }} chịu trách nhiệm thi hành Quyết định này./.\n"
    ),
    "recipients": ("Như Điều 3;\n{% if by_committee %}Chủ tịch, các PCT UBND tỉnh;\n"
                   "Lưu: VT, KGVX.{% else %}Giám đốc, các Phó Giám đốc Sở;\n"
                   "Lưu: VT, TĐC.{% endif %}\n"),
}
VARIABLES = {
    "program_year": "Năm kế hoạch",
    "deciding_authority": "Chức danh người có thẩm quyền quyết định",
    "by_committee": "Quyết định của UBND tỉnh (năm Chủ tịch UBND tỉnh quyết định)",
    "legal_bases": "Các căn cứ pháp lý",
    "items": "Nội dung hỗ trợ (catalogue_code, name, approved_vnd)",
    "total": "Tổng số tiền hỗ trợ (đồng; dùng: {{ total | vnd }})",
    "total_words": "Tổng số tiền bằng chữ",
}


def computed(data: SupportDecision) -> dict[str, Any]:
    return {
        "legal_bases": data.bases,
        "total": data.total_vnd,
        "total_words": amount_in_words(data.total_vnd),
    }


def check_support_decision(data: SupportDecision) -> None:
    """Raise ValueError (Vietnamese) unless the decision has items, positive whole amounts and a
    total equal to their sum."""
    base.check_parties(data, SupportDecision, TITLE, code=False)
    base.require(data.items, "Quyết định hỗ trợ phải có ít nhất một nội dung được hỗ trợ.")
    for item in data.items:
        base.require(base.has_text(item.name), "Quyết định hỗ trợ: có nội dung hỗ trợ chưa có tên.")
        base.require_amount(
            item.approved_vnd, f"Số tiền hỗ trợ cho «{base.clean_text(item.name)}»", positive=True
        )
    base.require_amount(data.total_vnd, "Tổng số tiền hỗ trợ", positive=True)
    items_sum = sum(item.approved_vnd for item in data.items)
    base.require(
        data.total_vnd == items_sum,
        f"Tổng số tiền hỗ trợ ({base.vnd(data.total_vnd)}) không bằng tổng các khoản hỗ trợ "
        f"({base.vnd(items_sum)}).",
    )
    base.require(
        isinstance(data.program_year, int) and not isinstance(data.program_year, bool),
        "Quyết định hỗ trợ: năm kế hoạch không hợp lệ.",
    )


def _bases(data: SupportDecision) -> list[Flowable]:
    st = base.styles()
    lines = [base.clean_text(b).strip().rstrip(";.,").strip() for b in data.bases]
    lines = [b if b.lower().startswith("căn cứ") else f"Căn cứ {b}" for b in lines if b]
    if base.has_text(data.proposal_by):
        lines.append(f"Theo đề nghị của {base.clean_text(data.proposal_by).strip().rstrip('.;')}")
    return [
        Paragraph(base.markup(line + ("." if i == len(lines) - 1 else ";")), st.basis)
        for i, line in enumerate(lines)
    ]


def build_support_decision(
    data: SupportDecision,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the support decision with the items table (STT, code, item, amount) and the total
    in figures and in words.

    Raises ValueError (Vietnamese) with no items, a non-positive amount, or total ≠ sum.
    """
    check_support_decision(data)
    t = render_texts(SPEC, texts, data, header=header, issuer=issuer)
    st = base.styles()
    table = base.data_table(
        [
            base.Column("STT", 0.09, "center"),
            base.Column("Mã", 0.16, "center"),
            base.Column("Nội dung hỗ trợ", 0.50),
            base.Column("Số tiền hỗ trợ", 0.25, "right"),
        ],
        [
            (str(i), item.catalogue_code, item.name, base.vnd(item.approved_vnd))
            for i, item in enumerate(data.items, start=1)
        ],
        total=("Tổng cộng", "", "", base.vnd(data.total_vnd)),
    )
    story = [
        base.header_block(header, issuer),
        *base.title_block(t["title"]),
        Paragraph(f"<b>{base.markup(data.deciding_authority)}</b>", st.centered),
        Spacer(1, 2 * mm),
        *_bases(data),
        Spacer(1, 3 * mm),
        Paragraph("<b>QUYẾT ĐỊNH:</b>", st.centered),
        *base.text_block(t["body"]),
        table,
        Spacer(1, 3 * mm),
        Paragraph(
            f"Tổng số tiền hỗ trợ: <b>{base.markup(base.vnd_nbsp(data.total_vnd))}</b> "
            f"<i>(Bằng chữ: {base.markup(amount_in_words(data.total_vnd))})</i>.",
            st.body,
        ),
        *base.signed_close(t["next_steps"], issuer, left=base.recipients_cell(t["recipients"])),
    ]
    return base.render(
        story,
        header=header,
        issuer=issuer,
        title=f"{TITLE} - {data.organisation.name}",
        subject=f"Hỗ trợ năm {data.program_year}: {base.vnd(data.total_vnd)}",
    )


def gather(dossier: Any, records: DossierRecords) -> SupportDecision:
    """The approved items and total of the dossier's decision."""
    decision = records.decision()
    if decision is None or decision.outcome != Outcome.APPROVED.value:
        raise Conflict("Hồ sơ chưa được phê duyệt hỗ trợ; chưa thể lập quyết định.")
    items = [
        DecisionItem(
            catalogue_code=i.catalogue_item.code,
            name=i.catalogue_item.name,
            approved_vnd=i.approved_vnd,
        )
        for i in dossier.items
        if i.approved_vnd
    ]
    by_committee = decision.committee_number is not None
    authority = (
        "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH"
        if by_committee or dossier.program_year.authority != "director"
        else "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    )
    year = dossier.program_year
    extra = {}
    if by_committee:
        proposals = [d for d in dossier.documents
                     if d.kind == DocumentKind.COMMITTEE_PROPOSAL.value and d.number]
        extra["proposal_by"] = "Giám đốc Sở Khoa học và Công nghệ" + (
            f" tại Tờ trình số {proposals[-1].number_symbol} ngày "
            f"{proposals[-1].issued_on:%d/%m/%Y}" if proposals else "")
    return SupportDecision(
        **parties_of(dossier),
        items=items,
        total_vnd=decision.total_vnd,
        program_year=year.year,
        deciding_authority=authority,
        functions_decision=year.functions_decision or "",
        plan_number=year.plan_number or "",
        plan_date=year.plan_date,
        by_committee=by_committee,
        **extra,
    )


COMMITTEE_BODY = ("ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH")
COMMITTEE_SIGNER = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")


def decision_signer(letterhead: Any, dossier: Any, actor: Any) -> Issuer:
    """The Department's decision is signed as the year says; the People's Committee's decision
    (the Chairman's path) is the Committee's paper: its body, "TM. ỦY BAN NHÂN DÂN / KT. CHỦ
    TỊCH / PHÓ CHỦ TỊCH" and the name recorded with it."""
    decision = next(iter(getattr(dossier, "decision_rows", None) or ()), None)
    if decision is None or decision.committee_number is None:
        return leadership_signer(letterhead, dossier, actor)
    return Issuer(body_lines=COMMITTEE_BODY, place=letterhead.place,
                  signer_title_lines=COMMITTEE_SIGNER, signer_name=decision.signer_name or "")


def sample() -> Sample:
    return Sample(
        SupportDecision(
            **SAMPLE_PARTIES,
            items=(
                DecisionItem(
                    catalogue_code="ISO22000",
                    name="Áp dụng hệ thống quản lý an toàn thực phẩm ISO 22000:2018",
                    approved_vnd=50_000_000,
                ),
                DecisionItem(
                    catalogue_code="5S", name="Áp dụng công cụ 5S", approved_vnd=25_000_000
                ),
            ),
            total_vnd=75_000_000,
            program_year=2026,
            functions_decision=SAMPLE_FUNCTIONS_DECISION,
            plan_number=SAMPLE_PLAN_NUMBER,
            plan_date=SAMPLE_PLAN_DATE,
        ),
        DocumentHeader(number=12, symbol="QĐ-SKHCN", issued_on=date(2026, 4, 2)),
        DIRECTOR,
    )


SPEC = DocumentSpec(
    kind=DocumentKind.SUPPORT_DECISION, title=TITLE,
    data=SupportDecision, build=build_support_decision,
    texts=TEXTS, variables=VARIABLES, computed=computed, sample=sample,
    gather=gather, signer=decision_signer, available_in=APPROVED_OR_LATER, symbol="QĐ-SKHCN",
)
