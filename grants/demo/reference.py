"""The fixed demo data: the catalogue of standards and tools, the communes and 30 organisations.

Support rules here are DEMO VALUES (the plan gives only the year's total and the target)."""

from datetime import date

DEMO_RULE = {"share_percent": 50, "cap_vnd": 50_000_000, "is_demo": True,
             "note": "Giá trị mẫu (demo), không phải quy định"}
"""The support rule every catalogue item gets in a demo year: 50 % of the cost, at most 50
million đồng."""

DEMO_FUNCTIONS_DECISION = (
    "Quyết định số 25/2025/QĐ-UBND ngày 01/7/2025 của Ủy ban nhân dân tỉnh Bắc Ninh quy định "
    "chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Khoa học và Công nghệ tỉnh Bắc Ninh"
)
"""The first "Căn cứ" of a demo year's decisions. A DEMO VALUE, like the plans' numbers and
dates below: the admin enters the real ones in the year's settings."""


def demo_plan(year: int) -> tuple[str, date]:
    """The number and date of a demo year's plan (the seed plan of 2026 is dated February)."""
    return "05/KH-SKHCN", date(year, 2, 10)

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

COMMUNES = [
    "Phường Kinh Bắc", "Phường Võ Cường", "Phường Từ Sơn", "Phường Đông Ngàn",
    "Phường Thuận Thành", "Xã Tiên Du", "Xã Yên Phong", "Xã Quế Võ", "Xã Gia Bình",
    "Xã Lương Tài", "Phường Bắc Giang", "Phường Đa Mai", "Xã Lạng Giang", "Xã Tân Yên",
    "Xã Hiệp Hòa", "Xã Việt Yên", "Xã Lục Nam", "Xã Sơn Động",
]

ORGANISATIONS = [  # (name, sector); the name states the legal form (see org_type)
    ("Công ty TNHH Thực phẩm Sạch Bắc Ninh", "Chế biến thực phẩm"),
    ("Công ty Cổ phần Cơ khí Chính xác Kinh Bắc", "Cơ khí"),
    ("Công ty TNHH Điện tử Quế Võ", "Điện tử"),
    ("Hợp tác xã Nông nghiệp Hữu cơ Yên Phong", "Nông nghiệp"),
    ("Công ty Cổ phần Dệt may Từ Sơn", "Dệt may"),
    ("Công ty TNHH Gốm sứ Phù Lãng", "Gốm sứ"),
    ("Hợp tác xã Rau an toàn Tiên Du", "Nông nghiệp"),
    ("Công ty TNHH Bao bì Việt Yên", "Bao bì"),
    ("Công ty Cổ phần Dược phẩm Bắc Giang", "Dược phẩm"),
    ("Liên hiệp Hợp tác xã Vải thiều Lục Ngạn", "Nông sản"),
    ("Công ty TNHH Nhựa Đông Ngàn", "Nhựa"),
    ("Công ty Cổ phần Thép Đa Hội", "Luyện kim"),
    ("Hợp tác xã Mây tre đan Xuân Lai", "Thủ công mỹ nghệ"),
    ("Công ty TNHH Chế biến Gỗ Đồng Kỵ", "Đồ gỗ"),
    ("Công ty Cổ phần Nước sạch Thuận Thành", "Cấp nước"),
    ("Công ty TNHH Phần mềm Kinh Bắc", "Công nghệ thông tin"),
    ("Hợp tác xã Chăn nuôi Gia Bình", "Chăn nuôi"),
    ("Công ty Cổ phần Vật liệu Xây dựng Quế Võ", "Vật liệu xây dựng"),
    ("Công ty TNHH Thực phẩm Lạng Giang", "Chế biến thực phẩm"),
    ("Công ty Cổ phần In Bắc Ninh", "In ấn"),
    ("Hợp tác xã Gạo nếp cái hoa vàng Tân Yên", "Nông nghiệp"),
    ("Công ty TNHH Linh kiện Ô tô Hiệp Hòa", "Cơ khí ô tô"),
    ("Công ty Cổ phần Đồ uống Lục Nam", "Đồ uống"),
    ("Công ty TNHH Giấy Phong Khê", "Sản xuất giấy"),
    ("Hợp tác xã Dịch vụ Nông nghiệp Lương Tài", "Dịch vụ nông nghiệp"),
    ("Công ty Cổ phần Thiết bị Điện Yên Dũng", "Thiết bị điện"),
    ("Công ty TNHH May mặc Sơn Động", "Dệt may"),
    ("Công ty Cổ phần Logistics Bắc Giang", "Vận tải, kho bãi"),
    ("Liên hiệp Hợp tác xã Chè Bắc Ninh", "Nông sản"),
    ("Công ty TNHH Hóa chất Tân Hồng", "Hóa chất"),
]


def org_type(name: str) -> str:
    """The organisation type its name states: a union of cooperatives, a cooperative or an
    enterprise."""
    if name.startswith("Liên hiệp Hợp tác xã"):
        return "union"
    return "cooperative" if name.startswith("Hợp tác xã") else "enterprise"


def demo_tax_code(index: int) -> str:
    """A well-formed 10-digit demo tax code (prefix 2300 = Bắc Ninh's tax-office range)."""
    return f"2300{index:06d}"
