"""The roles of SPEC §3, and which of them one person may not hold together. A user may hold
several roles, but never the admin role with a role that moves money or decides."""

from grants.domain.enums import LabelledEnum


class Role(LabelledEnum):
    APPLICANT = "applicant", "Đại diện tổ chức"
    CLERK = "clerk", "Chuyên viên một cửa"
    HEAD = "head", "Lãnh đạo Chi cục TĐC"
    APPRAISER = "appraiser", "Chuyên viên thẩm định"
    LEADER = "leader", "Lãnh đạo Sở"
    RECORDS = "records", "Văn thư"
    FINANCE = "finance", "Kế toán"
    CHIEF_ACCOUNTANT = "chief_accountant", "Kế toán trưởng"
    ADMIN = "admin", "Quản trị"


STAFF_ROLES = frozenset(Role) - {Role.APPLICANT}

MONEY_ROLES = frozenset({Role.LEADER, Role.FINANCE, Role.CHIEF_ACCOUNTANT})
"""Roles that decide on or move money: granting one is recorded with who granted it (audit and
security log), and none of them may be held together with the admin role."""

FINANCE_ROLES = frozenset({Role.FINANCE, Role.CHIEF_ACCOUNTANT})
"""The finance area: the officer records payments, the chief accountant confirms them."""

BUDGET_ROLES = MONEY_ROLES | {Role.ADMIN}
"""Who reads the year's budget dashboard and its forecast, on the web and through the API."""


def role_conflict(roles) -> str | None:
    """Why this set of roles may not be held by one person (Vietnamese), or None.

    Separation of duties: whoever manages accounts and roles (admin) must not also decide or
    pay (leader, finance, chief accountant), or they could grant themselves the power to move
    money and act on it unseen."""
    held = {Role(r) for r in roles}
    if Role.ADMIN in held and held & MONEY_ROLES:
        names = ", ".join(sorted(r.label for r in held & MONEY_ROLES))
        return (f"Vai trò Quản trị không được kiêm nhiệm vai trò quyết định hoặc chi tiền "
                f"({names}): tách nhiệm vụ để người quản lý tài khoản không thể tự phê duyệt "
                "hay chi trả.")
    return None
