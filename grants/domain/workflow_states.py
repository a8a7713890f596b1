"""Dossier states and actions with their Vietnamese labels (the API uses the string values)."""

from grants.domain.enums import LabelledEnum


class Status(LabelledEnum):
    DRAFT = "draft", "Bản nháp"
    SUBMITTED = "submitted", "Đã nộp, chờ tiếp nhận"
    SUPPLEMENT_REQUESTED = "supplement_requested", "Yêu cầu bổ sung giấy tờ"
    # A supplement asked for after reception (issue 14): the clock stops, and the dossier
    # goes back to the step that asked once the papers come.
    SUPPLEMENT_BEFORE_ASSIGNMENT = ("supplement_received",
                                    "Yêu cầu bổ sung giấy tờ (đã tiếp nhận, chờ phân công)")
    SUPPLEMENT_DURING_APPRAISAL = ("supplement_appraisal",
                                   "Yêu cầu bổ sung giấy tờ (đang thẩm định)")
    REFUSED = "refused", "Không được tiếp nhận"
    RECEIVED = "received", "Được tiếp nhận"
    ASSIGNED = "assigned", "Đang thẩm định"
    APPRAISED = "appraised", "Đã thẩm định, chờ xem xét"
    REVIEWED = "reviewed", "Đã trình lãnh đạo"
    SUBMITTED_TO_COMMITTEE = "submitted_to_committee", "Đã trình UBND tỉnh, chờ quyết định"
    APPROVED = "approved", "Được phê duyệt hỗ trợ"
    REJECTED = "rejected", "Không được hỗ trợ"
    ISSUED = "issued", "Đã ban hành văn bản"
    RETURNED = "returned", "Đã trả kết quả"
    WITHDRAWN = "withdrawn", "Đã rút hồ sơ"


STATUS_LABELS = {m: m.label for m in Status}


class Action(LabelledEnum):
    SUBMIT = "submit", "Nộp hồ sơ"
    RECEIVE = "receive", "Tiếp nhận"
    REQUEST_SUPPLEMENT = "request_supplement", "Yêu cầu bổ sung"
    REFUSE = "refuse", "Từ chối tiếp nhận"
    RESUBMIT = "resubmit", "Nộp bổ sung"
    REQUEST_PAPERS = "request_papers", "Yêu cầu bổ sung hồ sơ trong quá trình giải quyết"
    APOLOGISE = "apologise", "Xin lỗi và hẹn lại ngày trả kết quả"
    ASSIGN = "assign", "Phân công thẩm định"
    RECORD_VISIT = "record_visit", "Ghi nhận thẩm định thực tế"
    APPRAISE = "appraise", "Hoàn thành thẩm định"
    REVIEW = "review", "Trình lãnh đạo"
    RETURN_FOR_REWORK = "return_for_rework", "Trả lại để thẩm định lại"
    APPROVE = "approve", "Phê duyệt hỗ trợ"
    REJECT = "reject", "Không hỗ trợ"
    ISSUE = "issue", "Vào số, ban hành văn bản"
    RETURN_RESULT = "return_result", "Trả kết quả"
    WITHDRAW = "withdraw", "Rút hồ sơ"
    # The Chairman's path (issue 14.3): the Department proposes, the Committee decides.
    SUBMIT_TO_COMMITTEE = "submit_to_committee", "Trình UBND tỉnh (tờ trình)"
    RECORD_COMMITTEE_APPROVAL = (
        "record_committee_approval", "Ghi nhận quyết định hỗ trợ của UBND tỉnh")
    RECORD_COMMITTEE_REJECTION = (
        "record_committee_rejection", "Ghi nhận UBND tỉnh không phê duyệt hỗ trợ")


# --- Named groups of states: the one definition of each (tests/unit/test_workflow.py checks
# how they partition Status). Use these names; do not list the states again elsewhere.

TERMINAL = frozenset({Status.REFUSED, Status.RETURNED, Status.WITHDRAWN})
"""States nothing moves out of."""

PAUSED_IN_PROCESS = frozenset({Status.SUPPLEMENT_BEFORE_ASSIGNMENT,
                               Status.SUPPLEMENT_DURING_APPRAISAL})
"""Received, then sent back to the applicant for papers: the clock stands still meanwhile."""

UNDECIDED = frozenset({Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.RECEIVED,
                       Status.ASSIGNED, Status.APPRAISED, Status.REVIEWED,
                       Status.SUBMITTED_TO_COMMITTEE}) | PAUSED_IN_PROCESS
"""Filed and still waiting for the decision (the desk, appraisal, review or the leadership)."""

IN_PROCESS = frozenset({Status.RECEIVED, Status.ASSIGNED, Status.APPRAISED, Status.REVIEWED,
                        Status.SUBMITTED_TO_COMMITTEE})
"""Received at the desk and being processed, not yet decided: the states that can be overdue."""

DECIDED = frozenset({Status.APPROVED, Status.REJECTED, Status.ISSUED, Status.RETURNED})
"""The leadership has approved or rejected the dossier (including issued and returned)."""

APPROVED_OR_LATER = frozenset({Status.APPROVED, Status.ISSUED, Status.RETURNED})
"""The states an approved dossier can be in. Issued and returned dossiers may also have been
rejected: the decision's outcome tells which."""

ENDED_UNDECIDED = frozenset({Status.REFUSED, Status.WITHDRAWN})
"""Closed without a decision: refused at the desk or withdrawn by the applicant."""

NOT_FILED = frozenset({Status.DRAFT, Status.WITHDRAWN})
"""Not counted as demand: never filed, or withdrawn."""

WITHDRAWABLE = frozenset({Status.DRAFT}) | UNDECIDED
"""The applicant may withdraw the dossier: any state before the decision."""
