"""Dossier states and actions with their Vietnamese labels (the API uses the string values)."""

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    REFUSED = "refused"
    RECEIVED = "received"
    ASSIGNED = "assigned"
    APPRAISED = "appraised"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    REJECTED = "rejected"
    ISSUED = "issued"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.DRAFT: "Bản nháp",
    Status.SUBMITTED: "Đã nộp, chờ tiếp nhận",
    Status.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    Status.REFUSED: "Không được tiếp nhận",
    Status.RECEIVED: "Được tiếp nhận",
    Status.ASSIGNED: "Đang thẩm định",
    Status.APPRAISED: "Đã thẩm định, chờ xem xét",
    Status.REVIEWED: "Đã trình lãnh đạo",
    Status.APPROVED: "Được phê duyệt hỗ trợ",
    Status.REJECTED: "Không được hỗ trợ",
    Status.ISSUED: "Đã ban hành văn bản",
    Status.RETURNED: "Đã trả kết quả",
    Status.WITHDRAWN: "Đã rút hồ sơ",
}


class Action(StrEnum):
    SUBMIT = "submit"
    RECEIVE = "receive"
    REQUEST_SUPPLEMENT = "request_supplement"
    REFUSE = "refuse"
    RESUBMIT = "resubmit"
    ASSIGN = "assign"
    RECORD_VISIT = "record_visit"
    APPRAISE = "appraise"
    REVIEW = "review"
    RETURN_FOR_REWORK = "return_for_rework"
    APPROVE = "approve"
    REJECT = "reject"
    ISSUE = "issue"
    RETURN_RESULT = "return_result"
    WITHDRAW = "withdraw"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.SUBMIT: "Nộp hồ sơ",
    Action.RECEIVE: "Tiếp nhận",
    Action.REQUEST_SUPPLEMENT: "Yêu cầu bổ sung",
    Action.REFUSE: "Từ chối tiếp nhận",
    Action.RESUBMIT: "Nộp bổ sung",
    Action.ASSIGN: "Phân công thẩm định",
    Action.RECORD_VISIT: "Ghi nhận thẩm định thực tế",
    Action.APPRAISE: "Hoàn thành thẩm định",
    Action.REVIEW: "Trình lãnh đạo",
    Action.RETURN_FOR_REWORK: "Trả lại để thẩm định lại",
    Action.APPROVE: "Phê duyệt hỗ trợ",
    Action.REJECT: "Không hỗ trợ",
    Action.ISSUE: "Vào số, ban hành văn bản",
    Action.RETURN_RESULT: "Trả kết quả",
    Action.WITHDRAW: "Rút hồ sơ",
}

TERMINAL = frozenset({Status.REFUSED, Status.RETURNED, Status.WITHDRAWN})
