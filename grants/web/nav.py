"""Navigation per role: only the entries whose views exist and whose roles the user holds."""

from flask import current_app, has_request_context, request, url_for

from grants.domain.roles import Role

# (label, endpoint, roles allowed)
NAV = [
    ("Trang chủ", "main.home", None),
    ("Hồ sơ của tổ chức", "applicant.dossiers", {Role.APPLICANT}),
    ("Thông tin tổ chức", "applicant.profile", {Role.APPLICANT}),
    ("Xác minh tổ chức", "identity.status", {Role.APPLICANT}),
    ("Một cửa", "intake.queue", {Role.CLERK}),
    ("Xác minh tổ chức", "verification.queue", {Role.CLERK}),
    ("Phân công & xem xét", "review.queue", {Role.HEAD}),
    ("Thẩm định", "appraisal.queue", {Role.APPRAISER}),
    ("Phê duyệt", "decisions.queue", {Role.LEADER}),
    ("Văn thư", "records.queue", {Role.RECORDS}),
    ("Sổ hồ sơ", "dossiers.register", {Role.CLERK, Role.HEAD, Role.APPRAISER, Role.LEADER,
                                       Role.RECORDS, Role.FINANCE, Role.CHIEF_ACCOUNTANT,
                                       Role.ADMIN}),
    ("Giải ngân", "finance.unpaid", {Role.FINANCE, Role.CHIEF_ACCOUNTANT}),
    ("Ngân sách", "budget.dashboard", {Role.FINANCE, Role.CHIEF_ACCOUNTANT, Role.LEADER,
                                       Role.ADMIN}),
    ("Báo cáo", "reports.index", {Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN}),
    ("Tệp đã xuất", "jobs.index", {Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN}),
    ("Quản trị", "admin.index", {Role.ADMIN}),
    ("Dữ liệu cá nhân", "privacy.people", {Role.ADMIN}),
]


def nav_for(user) -> list[tuple[str, str, str]]:
    """(label, url, endpoint) for the navigation bar of ``user``. The same for everyone with
    the same roles (the URLs take no arguments), so built once per set of roles and prefix the
    app is mounted under (every page renders it)."""
    if not getattr(user, "is_authenticated", False):
        return []
    built = current_app.extensions.setdefault("grants_nav", {})
    key = (user.roles, request.script_root if has_request_context() else "")
    items = built.get(key)
    if items is None:
        items = built[key] = _build(user.roles)
    return list(items)


def _build(user_roles) -> tuple[tuple[str, str, str], ...]:
    items = []
    for label, endpoint, roles in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if roles is None or user_roles & roles:
            items.append((label, url_for(endpoint), endpoint))
    return tuple(items)
