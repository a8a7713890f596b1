"""Minutes of the on-site appraisal visit (biên bản thẩm định thực tế): who attended, the
findings, the cost table, the conclusion, signed by the organisation and the team leader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict
from grants.domain.workflow_states import DECIDED, IN_PROCESS, Status

from .. import base
from ..data import DocumentHeader, DossierRecord, Issuer, Person
from ..samples import SAMPLE_PARTIES, SUBDEPARTMENT
from ..spec import DocumentSpec, DossierRecords, Sample, parties_of, person_of, team_signer
from ..templating import PERSON_LINE, render_texts
from ..words import amount_in_words

TITLE = "Biên bản thẩm định thực tế"


@dataclass(frozen=True, kw_only=True)
class AppraisalItem:
    catalogue_name: str
    consulting_cost_vnd: int
    # Both None until the appraisal proposes (minutes drawn up at the visit, before it).
    eligible_cost_vnd: int | None
    proposed_vnd: int | None


@dataclass(frozen=True, kw_only=True)
class AppraisalMinutes(DossierRecord):
    visited_at: datetime
    place: str
    team: tuple[Person, ...]
    representatives: tuple[Person, ...]
    findings: str
    items: tuple[AppraisalItem, ...]
    conclusion: str
    ended_at: datetime | None = None
    # Why these minutes were drawn up again for the same visit (they replace the earlier ones).
    correction: str | None = None


TEXTS = {
    "title": (
        "BIÊN BẢN\n"
        "Thẩm định thực tế hồ sơ đề nghị hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, "
        "phương pháp quản lý tiên tiến\n"
    ),
    "body": (
        "Hôm nay, hồi {{ visited_at | time }} ngày {{ visited_at | date }}, tại "
        "{{ visit_place }}, Đoàn thẩm định tiến hành thẩm định thực tế hồ sơ số "
        "{{ dossier_code }} của {{ org.name }} đề nghị hỗ trợ theo Nghị quyết số "
        "43/2022/NQ-HĐND.\n"
        "I. THÀNH PHẦN\n"
        "1. Đoàn thẩm định:\n"
        "{% for p in team %}" + PERSON_LINE + "{% endfor %}\n"
        "2. Đại diện {{ org.name }}:\n"
        "{% for p in representatives %}" + PERSON_LINE + "{% endfor %}\n"
        "II. NỘI DUNG THẨM ĐỊNH\n"
        "{{ findings }}\n"
        "III. ĐỀ XUẤT MỨC HỖ TRỢ\n"
    ),
    "next_steps": (
        "IV. KẾT LUẬN\n"
        "{{ conclusion }}\n"
        "Biên bản kết thúc{% if ended_at %} hồi {{ ended_at | datetime }}{% endif %}, đã "
        "được đọc lại cho các thành viên tham dự cùng nghe và thống nhất ký tên. Biên bản "
        "được lập thành 02 bản có giá trị như nhau, Đoàn thẩm định giữ 01 bản, "
        "{{ org.name }} giữ 01 bản.\n"
    ),
    "recipients": "",
}
VARIABLES = {
    "visited_at": "Thời điểm bắt đầu thẩm định thực tế",
    "ended_at": "Thời điểm kết thúc (có thể trống)",
    "visit_place": "Địa điểm thẩm định",
    "team": "Đoàn thẩm định (mỗi người: name, title)",
    "representatives": "Đại diện tổ chức (mỗi người: name, title)",
    "findings": "Nội dung, kết quả thẩm định",
    "conclusion": "Kết luận",
    "items": "Nội dung đề xuất (catalogue_name, consulting_cost_vnd, eligible_cost_vnd, "
    "proposed_vnd)",
    "total_proposed": "Tổng mức đề xuất hỗ trợ (đồng; dùng: {{ total_proposed | vnd }})",
}


def computed(data: AppraisalMinutes) -> dict[str, Any]:
    return {
        "visit_place": data.place,
        "total_proposed": sum(item.proposed_vnd or 0 for item in data.items),
    }


def _results(items: tuple[AppraisalItem, ...]) -> list:
    st = base.styles()
    if not items:
        return [Paragraph("Không đề xuất hỗ trợ.", st.body)]
    if all(item.proposed_vnd is None for item in items):
        return [Paragraph("Chưa đề xuất mức hỗ trợ: mức hỗ trợ được đề xuất khi hoàn thành "
                          "thẩm định hồ sơ.", st.body)]
    total = sum(item.proposed_vnd or 0 for item in items)
    return [
        Paragraph("<i>Đơn vị tính: đồng</i>", st.cell_right),
        base.data_table(
            [
                base.Column("STT", 0.08, "center"),
                base.Column("Tiêu chuẩn, công cụ, mô hình", 0.32),
                base.Column("Chi phí tư vấn", 0.20, "right"),
                base.Column("Chi phí hợp lệ", 0.20, "right"),
                base.Column("Đề xuất hỗ trợ", 0.20, "right"),
            ],
            [
                (
                    str(i),
                    item.catalogue_name,
                    base.amount(item.consulting_cost_vnd),
                    base.amount(item.eligible_cost_vnd)
                    if item.eligible_cost_vnd is not None else "",
                    base.amount(item.proposed_vnd) if item.proposed_vnd is not None else "",
                )
                for i, item in enumerate(items, start=1)
            ],
            total=("Tổng cộng", "", "", "", base.amount(total)),
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            f"Tổng mức đề xuất hỗ trợ: <b>{base.markup(base.vnd_nbsp(total))}</b> "
            f"<i>(Bằng chữ: {base.markup(amount_in_words(total))})</i>.",
            st.body,
        ),
    ]


def _correction(reason: str | None) -> list:
    if not base.has_text(reason):
        return []
    return [Paragraph(
        "<i>Biên bản này được lập lại do điều chỉnh nội dung ghi nhận và thay thế biên bản "
        "thẩm định thực tế đã lập trước đó cho cùng lần thẩm định. Lý do điều chỉnh: "
        f"{base.markup(reason.strip())}.</i>", base.styles().body)]


def build_appraisal_minutes(
    data: AppraisalMinutes,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the appraisal minutes: who attended, findings, the cost table, the conclusion,
    and the signatures of the organisation and the team leader.

    Raises ValueError (Vietnamese) without team, conclusion, or with a bad amount.
    """
    base.check_parties(data, AppraisalMinutes, TITLE)
    team = [p for p in data.team if base.has_text(p.name)]
    base.require(team, f"{TITLE}: thiếu thành phần đoàn thẩm định.")
    base.require(base.has_text(data.conclusion), f"{TITLE}: thiếu kết luận.")
    for item in data.items:
        base.require_amount(item.consulting_cost_vnd, "Chi phí tư vấn")
        if item.eligible_cost_vnd is not None:
            base.require_amount(item.eligible_cost_vnd, "Chi phí hợp lệ")
        if item.proposed_vnd is not None:
            base.require_amount(item.proposed_vnd, "Mức đề xuất hỗ trợ")
    t = render_texts(SPEC, texts, data, header=header, issuer=issuer)
    representative = next((p.name for p in data.representatives if base.has_text(p.name)), "")
    story = [
        base.header_block(header, issuer),
        *base.title_block(t["title"]),
        *_correction(data.correction),
        *base.text_block(t["body"]),
        *_results(data.items),
        *base.signed_close(
            t["next_steps"],
            issuer,
            left=base.signer_cell(
                ("ĐẠI DIỆN TỔ CHỨC",), representative, hint="(Ký, ghi rõ họ tên, đóng dấu)"
            ),
            hint=base.SIGN_HINT,
            left_width=base.CONTENT_WIDTH / 2,
        ),
    ]
    return base.render_record(story, data, header=header, issuer=issuer, title=TITLE)


def gather(dossier: Any, records: DossierRecords) -> AppraisalMinutes:
    """The visit the minutes record (its date, place, team, findings) and the items, with
    the proposal only once the appraisal has made one."""
    visit = records.site_visit()
    if visit is None:
        raise Conflict("Chưa có lần thẩm định thực tế nào để lập biên bản.")
    team = [person_of(line) for line in visit.team.splitlines() if line.strip()]
    reps = [
        person_of(line)
        for line in (visit.org_representatives or "").splitlines()
        if line.strip()
    ]
    items = [
        AppraisalItem(
            catalogue_name=i.catalogue_item.name,
            consulting_cost_vnd=i.consulting_cost_vnd,
            eligible_cost_vnd=i.eligible_cost_vnd if i.proposed_vnd is not None else None,
            proposed_vnd=i.proposed_vnd,
        )
        for i in dossier.items
    ]
    return AppraisalMinutes(
        **parties_of(dossier),
        visited_at=visit.visited_local,  # recorded in local time
        place=visit.place,
        team=team,
        representatives=reps,
        findings=visit.findings,
        items=items,
        conclusion=visit.findings,
        correction=records.correction(),
    )


def sample() -> Sample:
    return Sample(
        AppraisalMinutes(
            **SAMPLE_PARTIES,
            visited_at=datetime(2026, 3, 20, 9, 0),
            ended_at=datetime(2026, 3, 20, 11, 15),
            place="trụ sở Công ty TNHH Thực phẩm Sạch Bắc Ninh",
            team=(
                Person(name="Lê Quang Huy", title="Phó Chi cục trưởng, Trưởng đoàn"),
                Person(name="Đỗ Thị Lan", title="Chuyên viên"),
            ),
            representatives=(Person(name="Nguyễn Thị Hương", title="Giám đốc"),),
            findings=(
                "Tổ chức đã áp dụng và được chứng nhận phù hợp ISO 22000:2018.\n"
                "Hồ sơ chi phí tư vấn đầy đủ, khớp với hợp đồng và hóa đơn."
            ),
            items=(
                AppraisalItem(
                    catalogue_name="ISO 22000:2018",
                    consulting_cost_vnd=120_000_000,
                    eligible_cost_vnd=100_000_000,
                    proposed_vnd=50_000_000,
                ),
                AppraisalItem(
                    catalogue_name="Công cụ 5S",
                    consulting_cost_vnd=60_000_000,
                    eligible_cost_vnd=50_000_000,
                    proposed_vnd=25_000_000,
                ),
            ),
            conclusion="Hồ sơ đủ điều kiện, đề nghị hỗ trợ 75.000.000 đồng.",
        ),
        DocumentHeader(issued_on=date(2026, 3, 20)),
        Issuer(
            body_lines=SUBDEPARTMENT,
            signer_title_lines=("TRƯỞNG ĐOÀN THẨM ĐỊNH",),
            signer_name="Lê Quang Huy",
        ),
    )


SPEC = DocumentSpec(
    kind=DocumentKind.APPRAISAL_MINUTES, title=TITLE,
    data=AppraisalMinutes, build=build_appraisal_minutes,
    texts=TEXTS, variables=VARIABLES, computed=computed, sample=sample,
    gather=gather, signer=team_signer, available_in=(IN_PROCESS - {Status.RECEIVED}) | DECIDED,
)
