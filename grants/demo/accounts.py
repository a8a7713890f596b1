"""The demo accounts: one per role, all with the documented demo password."""

from grants.domain.roles import Role

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented demo accounts

DEMO_USERS = [
    ("applicant@demo.vn", "Nguyễn Văn An", "Giám đốc", [Role.APPLICANT]),
    ("motcua@demo.vn", "Trần Thị Bình", "Chuyên viên Bộ phận một cửa", [Role.CLERK]),
    ("chicuc@demo.vn", "Lê Văn Cường", "Chi cục trưởng Chi cục TĐC", [Role.HEAD]),
    ("thamdinh@demo.vn", "Phạm Thị Dung", "Chuyên viên Chi cục TĐC", [Role.APPRAISER]),
    ("thamdinh2@demo.vn", "Hoàng Văn Em", "Chuyên viên Chi cục TĐC", [Role.APPRAISER]),
    ("lanhdao@demo.vn", "Vũ Đức Giang", "Phó Giám đốc Sở", [Role.LEADER]),
    ("vanthu@demo.vn", "Đỗ Thị Hoa", "Văn thư Sở", [Role.RECORDS]),
    ("ketoan@demo.vn", "Bùi Thị Lan", "Kế toán Chi cục TĐC", [Role.FINANCE]),
    ("ketoantruong@demo.vn", "Đinh Thị Mai", "Kế toán trưởng Chi cục TĐC",
     [Role.CHIEF_ACCOUNTANT]),
    ("quantri@demo.vn", "Ngô Minh Khoa", "Quản trị hệ thống", [Role.ADMIN]),
]
