"""The words the bulk generator draws from: people's names, organisation names, streets,
refusal and supplement notes, banks."""

import random

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Đào", "Lý", "Phan", "Trịnh")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Quang", "Hữu", "Ngọc", "Thu", "Hồng", "Xuân")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Phương", "Quân", "Sơn", "Thảo", "Trang",
         "Tuấn", "Việt", "Yến", "Thắng", "Tâm", "Huyền")
BRANDS = ("Hưng Thịnh", "Phát Đạt", "Thành Công", "An Phát", "Minh Long", "Hoàng Gia",
          "Tân Tiến", "Đại Phát", "Việt Hưng", "Phú Thịnh", "Kim Long", "Bảo An", "Thiên Phú",
          "Hòa Bình", "Sao Mai", "Đông Á", "Trường Thành", "Quang Minh", "Nam Việt", "Hải Đăng",
          "Kinh Bắc", "Thuận Phát", "Tiến Đạt", "Hồng Hà", "Vạn Xuân", "Lạc Hồng")
ENTERPRISE_SECTORS = (
    ("Cơ khí", "Cơ khí"), ("Điện tử", "Điện tử"), ("Thực phẩm", "Chế biến thực phẩm"),
    ("Dệt may", "Dệt may"), ("Bao bì", "Bao bì"), ("Nhựa", "Nhựa"), ("Gỗ", "Đồ gỗ"),
    ("Dược phẩm", "Dược phẩm"), ("Vật liệu Xây dựng", "Vật liệu xây dựng"),
    ("Thép", "Luyện kim"), ("Phần mềm", "Công nghệ thông tin"), ("Logistics", "Vận tải, kho bãi"),
    ("Đồ uống", "Đồ uống"), ("Giấy", "Sản xuất giấy"), ("Hóa chất", "Hóa chất"),
    ("Thiết bị Điện", "Thiết bị điện"), ("In", "In ấn"), ("Gốm sứ", "Gốm sứ"),
    ("Linh kiện Ô tô", "Cơ khí ô tô"), ("Thức ăn Chăn nuôi", "Thức ăn chăn nuôi"),
)
COOP_SECTORS = (
    ("Nông nghiệp", "Nông nghiệp"), ("Rau an toàn", "Nông nghiệp"), ("Chăn nuôi", "Chăn nuôi"),
    ("Dịch vụ Nông nghiệp", "Dịch vụ nông nghiệp"), ("Mây tre đan", "Thủ công mỹ nghệ"),
    ("Chè", "Nông sản"), ("Vải thiều", "Nông sản"), ("Thủy sản", "Nuôi trồng thủy sản"),
    ("Gạo", "Nông nghiệp"), ("Mật ong", "Nông sản"),
)
ENTERPRISE_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân")
STREETS = ("Lý Thái Tổ", "Trần Hưng Đạo", "Nguyễn Trãi", "Lê Lợi", "Ngô Gia Tự",
            "Hoàng Hoa Thám", "Nguyễn Văn Cừ", "Thiên Đức", "Kinh Dương Vương", "Lý Thường Kiệt",
            "Hai Bà Trưng", "Quang Trung", "Trần Phú", "Lê Thánh Tông")
SIZES = ("Siêu nhỏ", "Nhỏ", "Vừa", "Lớn")
REFUSALS = (
    "Tổ chức không thuộc đối tượng áp dụng của Nghị quyết 43/2022/NQ-HĐND.",
    "Hồ sơ không đúng thủ tục hành chính được tiếp nhận.",
    "Hồ sơ nộp ngoài thời gian tiếp nhận của năm.",
)
SUPPLEMENT_NOTES = (
    "Bổ sung bản sao có chứng thực hoặc xuất trình bản chính để đối chiếu.",
    "Văn bản chưa có chữ ký, đóng dấu của người đại diện theo pháp luật.",
    "Thiếu trang, đề nghị nộp lại bản đầy đủ.",
    "Số tiền trên hóa đơn không khớp với hợp đồng.",
)
BANKS = ("VCB", "BIDV", "CTG", "AGR", "TCB", "MBB")


def person(rng: random.Random) -> str:
    """A Vietnamese full name: family, middle and given name."""
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
