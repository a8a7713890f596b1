"""The procedure's defaults for a program year with no earlier year to copy: its steps, the
document checklist and the standard rejection reasons (``admin.create_program_year``)."""

from grants.domain.deadlines import DEFAULT_STEPS
from grants.domain.enums import Authority
from grants.domain.workflow import ROLE_OF_STEP, StepKey
from grants.models import ChecklistItem, ProcedureStep, ProgramYear, RejectionReason
from grants.models.program import MINUTES_PER_DAY

CHECKLIST = [
    ("DON", "Đơn đề nghị hỗ trợ (theo mẫu)", True),
    ("CHUNGCHI", "Giấy chứng nhận / văn bản xác nhận áp dụng tiêu chuẩn, công cụ", True),
    ("HOPDONG", "Hợp đồng tư vấn, chứng nhận", True),
    ("THANHLY", "Biên bản nghiệm thu, thanh lý hợp đồng", True),
    ("HOADON", "Hóa đơn, chứng từ thanh toán chi phí", True),
    ("DKKD", "Giấy chứng nhận đăng ký doanh nghiệp / hợp tác xã", True),
]

REASONS = [
    "Tổ chức không thuộc đối tượng hỗ trợ theo Nghị quyết 43/2022/NQ-HĐND.",
    "Tiêu chuẩn, công cụ đề nghị hỗ trợ không thuộc danh mục được hỗ trợ của năm.",
    "Tổ chức đã được hỗ trợ cho cùng tiêu chuẩn, công cụ này.",
    "Hồ sơ chứng từ chi phí không hợp lệ hoặc không đầy đủ.",
    "Kết quả thẩm định thực tế cho thấy tổ chức chưa áp dụng hiệu quả.",
    "Kinh phí hỗ trợ của năm đã sử dụng hết.",
]
REASON_DOUBLE_SUPPORT = REASONS[2]
REASON_BUDGET = REASONS[5]


def setup_year_defaults(year: ProgramYear) -> None:
    """Give a new program year the default steps, checklist and reasons of the procedure."""
    for position, step in enumerate(DEFAULT_STEPS, start=1):
        year.steps.append(ProcedureStep(
            position=position, key=str(step.key), label=step.label_vi, role=step.role.value,
            allotment_minutes=int(step.allotment_days * MINUTES_PER_DAY), counted=step.counted))
    sync_committee_step(year)
    for position, (code, label, required) in enumerate(CHECKLIST, start=1):
        year.checklist.append(ChecklistItem(position=position, code=code, label=label,
                                            is_required=required))
    for position, text in enumerate(REASONS, start=1):
        year.reasons.append(RejectionReason(position=position, text=text))


COMMITTEE_STEP_LABEL = "Trình UBND tỉnh; UBND tỉnh xem xét, quyết định"
DEPARTMENT_SHARE_MINUTES = MINUTES_PER_DAY // 2
"""Of the decision step's time, what the Department keeps to approve its proposal when the
Chairman decides (half a day, as seed 001's "phê duyệt" step); the rest is the Committee's."""


def sync_committee_step(year: ProgramYear) -> bool:
    """Give a year the Chairman decides the external step of the People's Committee (seed 001:
    the proposal goes to the Committee, which decides), taking its time from the decision step
    so the statutory total stays; give it back to the decision step when the Director decides
    again. Returns True if the steps changed. The caller audits."""
    steps = sorted(year.steps, key=lambda s: s.position)
    committee = next((s for s in steps if s.key == StepKey.COMMITTEE), None)
    decision = next((s for s in steps if s.key == StepKey.DECISION), None)
    if decision is None:
        return False
    if year.authority == Authority.CHAIRMAN.value and committee is None:
        kept = min(DEPARTMENT_SHARE_MINUTES, decision.allotment_minutes // 2)
        moved = decision.allotment_minutes - kept
        for step in steps:
            if step.position > decision.position:
                step.position += 1
        decision.allotment_minutes = kept
        year.steps.append(ProcedureStep(
            position=decision.position + 1, key=StepKey.COMMITTEE.value,
            label=COMMITTEE_STEP_LABEL, role=ROLE_OF_STEP[StepKey.COMMITTEE].value,
            allotment_minutes=moved, counted=True))
        year.steps.sort(key=lambda s: s.position)  # the list is in procedure order, as loaded
        return True
    if year.authority != Authority.CHAIRMAN.value and committee is not None:
        decision.allotment_minutes += committee.allotment_minutes
        year.steps.remove(committee)
        for step in steps:
            if step.position > committee.position:
                step.position -= 1
        return True
    return False
