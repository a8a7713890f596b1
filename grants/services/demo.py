"""Demo data: the 2026 program year as in the plan, the catalogue, organisations, one account
per role. Support rules here are DEMO VALUES (the seeds give only the total and the target)."""

from collections.abc import Callable

from sqlalchemy import select

from grants.domain.deadlines import DEFAULT_STATUTORY_DAYS, DEFAULT_STEPS
from grants.domain.roles import Role
from grants.extensions import db
from grants.models import (
    CatalogueItem,
    ChecklistItem,
    Organisation,
    ProcedureStep,
    ProgramYear,
    RejectionReason,
    SupportRule,
    User,
)
from grants.models.enums import Authority
from grants.models.program import MINUTES_PER_DAY
from grants.services import audit

FIRST_RUN_DOSSIERS = 150
DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented demo accounts

CATALOGUE = [
    ("ISO9001", "Hệ thống quản lý chất lượng ISO 9001", "standard"),
    ("ISO14001", "Hệ thống quản lý môi trường ISO 14001", "standard"),
    ("ISO45001", "Hệ thống quản lý an toàn và sức khỏe nghề nghiệp ISO 45001", "standard"),
    ("ISO22000", "Hệ thống quản lý an toàn thực phẩm ISO 22000", "standard"),
    ("HACCP", "Hệ thống phân tích mối nguy và kiểm soát điểm tới hạn HACCP", "standard"),
    ("ISO50001", "Hệ thống quản lý năng lượng ISO 50001", "standard"),
    ("ISO17025", "Yêu cầu về năng lực phòng thử nghiệm và hiệu chuẩn ISO/IEC 17025", "standard"),
    ("ISO27001", "Hệ thống quản lý an toàn thông tin ISO/IEC 27001", "standard"),
    ("GMP", "Thực hành sản xuất tốt GMP", "standard"),
    ("5S", "Công cụ cải tiến 5S", "tool"),
    ("KAIZEN", "Công cụ cải tiến liên tục Kaizen", "tool"),
    ("LEAN", "Sản xuất tinh gọn Lean", "model"),
    ("SIXSIGMA", "Six Sigma", "method"),
    ("TPM", "Duy trì năng suất toàn diện TPM", "tool"),
    ("KPI", "Chỉ số đánh giá hiệu quả công việc KPI", "tool"),
    ("BSC", "Thẻ điểm cân bằng BSC", "tool"),
    ("QCC", "Nhóm kiểm soát chất lượng QCC", "tool"),
    ("7QC", "Bảy công cụ thống kê kiểm soát chất lượng (7 QC tools)", "tool"),
    ("MFCA", "Hạch toán chi phí dòng nguyên liệu MFCA", "method"),
]

CHECKLIST = [
    ("DON", "Đơn đề nghị hỗ trợ (theo mẫu)", True),
    ("CHUNGCHI", "Giấy chứng nhận / văn bản xác nhận áp dụng tiêu chuẩn, công cụ", True),
    ("HOPDONG", "Hợp đồng tư vấn, chứng nhận", True),
    ("THANHLY", "Biên bản nghiệm thu, thanh lý hợp đồng", True),
    ("HOADON", "Hoá đơn, chứng từ thanh toán chi phí", True),
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

COMMUNES = [
    "Phường Kinh Bắc", "Phường Võ Cường", "Phường Từ Sơn", "Phường Đông Ngàn",
    "Phường Thuận Thành", "Xã Tiên Du", "Xã Yên Phong", "Xã Quế Võ", "Xã Gia Bình",
    "Xã Lương Tài", "Phường Bắc Giang", "Phường Đa Mai", "Xã Lạng Giang", "Xã Tân Yên",
    "Xã Hiệp Hòa", "Xã Việt Yên", "Xã Lục Nam", "Xã Sơn Động",
]

ORGANISATIONS = [
    ("Công ty TNHH Thực phẩm Sạch Bắc Ninh", "enterprise", "Chế biến thực phẩm"),
    ("Công ty Cổ phần Cơ khí Chính xác Kinh Bắc", "enterprise", "Cơ khí"),
    ("Công ty TNHH Điện tử Quế Võ", "enterprise", "Điện tử"),
    ("Hợp tác xã Nông nghiệp Hữu cơ Yên Phong", "cooperative", "Nông nghiệp"),
    ("Công ty Cổ phần Dệt may Từ Sơn", "enterprise", "Dệt may"),
    ("Công ty TNHH Gốm sứ Phù Lãng", "enterprise", "Gốm sứ"),
    ("Hợp tác xã Rau an toàn Tiên Du", "cooperative", "Nông nghiệp"),
    ("Công ty TNHH Bao bì Việt Yên", "enterprise", "Bao bì"),
    ("Công ty Cổ phần Dược phẩm Bắc Giang", "enterprise", "Dược phẩm"),
    ("Liên hiệp Hợp tác xã Vải thiều Lục Ngạn", "union", "Nông sản"),
    ("Công ty TNHH Nhựa Đông Ngàn", "enterprise", "Nhựa"),
    ("Công ty Cổ phần Thép Đa Hội", "enterprise", "Luyện kim"),
    ("Hợp tác xã Mây tre đan Xuân Lai", "cooperative", "Thủ công mỹ nghệ"),
    ("Công ty TNHH Chế biến Gỗ Đồng Kỵ", "enterprise", "Đồ gỗ"),
    ("Công ty Cổ phần Nước sạch Thuận Thành", "enterprise", "Cấp nước"),
    ("Công ty TNHH Phần mềm Kinh Bắc", "enterprise", "Công nghệ thông tin"),
    ("Hợp tác xã Chăn nuôi Gia Bình", "cooperative", "Chăn nuôi"),
    ("Công ty Cổ phần Vật liệu Xây dựng Quế Võ", "enterprise", "Vật liệu xây dựng"),
    ("Công ty TNHH Thực phẩm Lạng Giang", "enterprise", "Chế biến thực phẩm"),
    ("Công ty Cổ phần In Bắc Ninh", "enterprise", "In ấn"),
    ("Hợp tác xã Gạo nếp cái hoa vàng Tân Yên", "cooperative", "Nông nghiệp"),
    ("Công ty TNHH Linh kiện Ô tô Hiệp Hòa", "enterprise", "Cơ khí ô tô"),
    ("Công ty Cổ phần Đồ uống Lục Nam", "enterprise", "Đồ uống"),
    ("Công ty TNHH Giấy Phong Khê", "enterprise", "Sản xuất giấy"),
    ("Hợp tác xã Dịch vụ Nông nghiệp Lương Tài", "cooperative", "Dịch vụ nông nghiệp"),
    ("Công ty Cổ phần Thiết bị Điện Yên Dũng", "enterprise", "Thiết bị điện"),
    ("Công ty TNHH May mặc Sơn Động", "enterprise", "Dệt may"),
    ("Công ty Cổ phần Logistics Bắc Giang", "enterprise", "Vận tải, kho bãi"),
    ("Liên hiệp Hợp tác xã Chè Bắc Ninh", "union", "Nông sản"),
    ("Công ty TNHH Hóa chất Tân Hồng", "enterprise", "Hóa chất"),
]

DEMO_USERS = [
    ("applicant@demo.vn", "Nguyễn Văn An", "Giám đốc", [Role.APPLICANT]),
    ("motcua@demo.vn", "Trần Thị Bình", "Chuyên viên Bộ phận một cửa", [Role.CLERK]),
    ("chicuc@demo.vn", "Lê Văn Cường", "Chi cục trưởng Chi cục TĐC", [Role.HEAD]),
    ("thamdinh@demo.vn", "Phạm Thị Dung", "Chuyên viên Chi cục TĐC", [Role.APPRAISER]),
    ("thamdinh2@demo.vn", "Hoàng Văn Em", "Chuyên viên Chi cục TĐC", [Role.APPRAISER]),
    ("lanhdao@demo.vn", "Vũ Đức Giang", "Phó Giám đốc Sở", [Role.LEADER]),
    ("vanthu@demo.vn", "Đỗ Thị Hoa", "Văn thư Sở", [Role.RECORDS]),
    ("ketoan@demo.vn", "Bùi Thị Lan", "Kế toán Chi cục TĐC", [Role.FINANCE]),
    ("quantri@demo.vn", "Ngô Minh Khoa", "Quản trị hệ thống", [Role.ADMIN]),
]


def demo_tax_code(index: int) -> str:
    """A well-formed 10-digit demo tax code (prefix 2300 = Bắc Ninh's tax-office range)."""
    return f"2300{index:06d}"


def setup_year_defaults(year: ProgramYear) -> None:
    """Give a new program year the default steps, checklist and reasons of the procedure."""
    for position, step in enumerate(DEFAULT_STEPS, start=1):
        year.steps.append(ProcedureStep(
            position=position, key=str(step.key), label=step.label_vi, role=step.role.value,
            allotment_minutes=int(step.allotment_days * MINUTES_PER_DAY), counted=step.counted))
    for position, (code, label, required) in enumerate(CHECKLIST, start=1):
        year.checklist.append(ChecklistItem(position=position, code=code, label=label,
                                            is_required=required))
    for position, text in enumerate(REASONS, start=1):
        year.reasons.append(RejectionReason(position=position, text=text))


def seed_base() -> bool:
    """Insert the demo year, catalogue, organisations and accounts; False if already there."""
    if db.session.scalar(select(ProgramYear.id).where(ProgramYear.year == 2026)) is not None:
        return False
    items = [CatalogueItem(code=c, name=n, kind=k) for c, n, k in CATALOGUE]
    db.session.add_all(items)
    years = []
    for y, budget in ((2025, 700_000_000), (2026, 800_000_000)):
        year = ProgramYear(
            year=y, budget_vnd=budget, committed_vnd=0, disbursed_vnd=0, target_min=16,
            target_max=50, authority=Authority.DIRECTOR.value,
            signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", signer_name="Vũ Đức Giang",
            plan_reference=f"Kế hoạch thực hiện Nghị quyết 43/2022/NQ-HĐND năm {y}",
            statutory_days=DEFAULT_STATUTORY_DAYS, intake_open=(y == 2026), is_closed=False)
        setup_year_defaults(year)
        for item in items:
            year.rules.append(SupportRule(catalogue_item=item, share_percent=50,
                                          cap_vnd=50_000_000, is_demo=True,
                                          note="Giá trị mẫu (demo), không phải quy định"))
        years.append(year)
    db.session.add_all(years)
    orgs = []
    for index, (name, org_type, sector) in enumerate(ORGANISATIONS, start=1):
        orgs.append(Organisation(
            name=name, org_type=org_type, tax_code=demo_tax_code(index), sector=sector,
            commune=COMMUNES[index % len(COMMUNES)],
            address=f"Số {index * 7} đường Lý Thái Tổ, {COMMUNES[index % len(COMMUNES)]}, "
                    "tỉnh Bắc Ninh",
            size=("Nhỏ", "Vừa", "Siêu nhỏ", "Lớn")[index % 4],
            representative=f"Người đại diện {index}", representative_title="Giám đốc",
            phone=f"0222{index:06d}", email=f"lienhe{index}@example.vn"))
    db.session.add_all(orgs)
    db.session.flush()
    for email, name, title, roles in DEMO_USERS:
        user = User(email=email, full_name=name, title=title,
                    organisation=orgs[0] if Role.APPLICANT in roles else None)
        user.set_password(DEMO_PASSWORD)
        user.set_roles(roles)
        db.session.add(user)
    db.session.flush()
    audit.record("demo.seed", None, actor=None, note="Nạp dữ liệu mẫu")
    return True


def seed_dossiers(n: int, *, seed: int = 43,
                  commit: Callable[[], None] | None = None) -> tuple[int, float]:
    """Add ``n`` generated dossiers spread over every state; returns (count, seconds).

    ``commit`` is called after each batch (see ``demo_bulk.bulk_dossiers``); by default
    nothing is committed here.
    """
    from grants.services.demo_bulk import bulk_dossiers

    if commit is None:
        return bulk_dossiers(n, seed=seed)
    return bulk_dossiers(n, seed=seed, commit=commit)
