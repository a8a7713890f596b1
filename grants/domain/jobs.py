"""Long work run in the background (exports, the legacy import, the year close): the kinds of
job, their states, who may start each, and how long a finished job's file is kept."""

from datetime import datetime, timedelta

from grants.domain.enums import LabelledEnum
from grants.domain.roles import Role

REPORT_ROLES = frozenset({Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN})


class JobState(LabelledEnum):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang chạy"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Không thành công"
    EXPIRED = "expired", "Tệp đã hết hạn lưu"


FINISHED = frozenset({JobState.DONE, JobState.FAILED, JobState.EXPIRED})


class JobKind(LabelledEnum):
    REGISTER = "register", "Sổ theo dõi hồ sơ"
    BUDGET_REPORT = "budget_report", "Báo cáo tình hình thực hiện kinh phí"
    TARGET_REPORT = "target_report", "Báo cáo tiến độ mục tiêu"
    DEMAND_REPORT = "demand_report", "Tổng hợp nhu cầu hỗ trợ"
    PROCESSING_REPORT = "processing_report", "Báo cáo tình hình giải quyết hồ sơ"
    YEARS_REPORT = "years_report", "So sánh kết quả qua các năm"
    LEGACY_IMPORT = "legacy_import", "Nhập hồ sơ các năm trước"
    YEAR_CLOSE = "year_close", "Khóa sổ năm"


EXPORT_KINDS = frozenset({JobKind.REGISTER, JobKind.BUDGET_REPORT, JobKind.TARGET_REPORT,
                          JobKind.DEMAND_REPORT, JobKind.PROCESSING_REPORT,
                          JobKind.YEARS_REPORT})
"""The kinds that produce a file (and that the API's ``POST /exports`` starts)."""

YEAR_KINDS = frozenset({JobKind.BUDGET_REPORT, JobKind.TARGET_REPORT, JobKind.DEMAND_REPORT,
                        JobKind.PROCESSING_REPORT, JobKind.YEAR_CLOSE})
"""The kinds whose ``year`` parameter is required (the register's is optional: all years)."""

STARTERS: dict[JobKind, frozenset[Role]] = {
    **{kind: REPORT_ROLES for kind in EXPORT_KINDS},
    JobKind.LEGACY_IMPORT: frozenset({Role.ADMIN}),
    JobKind.YEAR_CLOSE: frozenset({Role.FINANCE, Role.ADMIN}),
}
"""Who may start each kind (the roles of the page the synchronous action used to sit on)."""


def may_start(user, kind: JobKind) -> bool:
    """The user holds one of the roles that may start ``kind``."""
    return bool(frozenset(getattr(user, "roles", ())) & STARTERS[kind])


def may_see(user, job) -> bool:
    """Only the person who started a job sees it and its file: the file holds what that
    person's role let them read, and a job page is nobody else's business (an admin has no
    view of other people's downloads either)."""
    return bool(getattr(user, "is_authenticated", True)) and job.owner_id == user.id


def expiry(finished_at: datetime, keep_days: int) -> datetime:
    """When a job finished at ``finished_at`` loses its file."""
    return finished_at + timedelta(days=keep_days)


def percent_done(done: int, total: int | None) -> int | None:
    """Whole percent of the work done (None while the total is unknown), never above 100."""
    if not total:
        return None
    return min(100, done * 100 // total)
