"""The roles of SPEC §3. A user may hold several."""

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"
    CLERK = "clerk"
    HEAD = "head"
    APPRAISER = "appraiser"
    LEADER = "leader"
    RECORDS = "records"
    FINANCE = "finance"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.APPLICANT: "Đại diện tổ chức",
    Role.CLERK: "Chuyên viên một cửa",
    Role.HEAD: "Lãnh đạo Chi cục TĐC",
    Role.APPRAISER: "Chuyên viên thẩm định",
    Role.LEADER: "Lãnh đạo Sở",
    Role.RECORDS: "Văn thư",
    Role.FINANCE: "Kế toán",
    Role.ADMIN: "Quản trị",
}

STAFF_ROLES = frozenset(Role) - {Role.APPLICANT}
