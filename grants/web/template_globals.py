"""Functions every template may call: the labels of stored values (not a blueprint)."""

from flask import Flask
from flask_login import current_user

from grants.domain.enums import Channel, CopyKind, EventKind, Recommendation
from grants.domain.personal_data import may_see
from grants.domain.workflow import Action, Status
from grants.queries.support_limits import item_limits

EVENT_LABELS = {
    "dossier.create": "Lập hồ sơ",
    "dossier.update": "Cập nhật hồ sơ",
    "ledger.commit": "Cam kết kinh phí",
    "ledger.release": "Giải phóng cam kết kinh phí",
    "ledger.pay": "Chi trả kinh phí",
    "ledger.reverse": "Bút toán đảo",
    "ledger.recover": "Thu hồi kinh phí đã hỗ trợ",
    "ledger.repay": "Nộp lại kinh phí bị thu hồi",
    "dossier.rate": "Đánh giá mức độ hài lòng",
    "dossier.clock_resume": "Tính tiếp thời hạn giải quyết sau khi bổ sung",
    "payment.request": "Ghi khoản chi chờ xác nhận",
    "payment.cancel": "Hủy khoản chi chờ xác nhận",
    "document.issue": "Phát hành văn bản",
    "site_visit.correct": "Điều chỉnh thẩm định thực tế",
    "site_visit.void": "Hủy lần thẩm định thực tế",
    "attachment.store": "Tải lên tệp đính kèm",
    "attachment.remove": "Gỡ tệp đính kèm",
    "organisation.update": "Cập nhật thông tin tổ chức",
}

#: The stored enums a template may label with ``enum_label(kind, value)``.
LABELLED_ENUMS = {"channel": Channel, "copy_kind": CopyKind, "recommendation": Recommendation,
                  "event_kind": EventKind}


def event_label(event) -> str:
    """Vietnamese label of an audit event of a dossier."""
    if event.action in EVENT_LABELS:
        return EVENT_LABELS[event.action]
    prefix, _, name = event.action.partition(".")
    if prefix == "dossier" and name in Action._value2member_map_:
        return Action(name).label
    return event.action


def status_label(value) -> str:
    return Status.label_of(value)


def enum_label(kind: str, value) -> str:
    """Label of a stored enum value: kind is "channel", "copy_kind", "recommendation" or
    "event_kind" (a webhook's kinds of domain event)."""
    return LABELLED_ENUMS[kind].label_of(value)


def sees(kind: str, organisation_id: int | None = None) -> bool:
    """May the signed-in user read personal data of ``kind`` ("name", "contact",
    "staff_contact") about organisation ``organisation_id``? (grants.domain.personal_data)"""
    return may_see(current_user, kind, organisation_id)


def register_template_globals(app: Flask) -> None:
    app.jinja_env.globals.update(event_label=event_label, status_label=status_label,
                                 enum_label=enum_label, sees=sees)
    # The maximum support per item (templates/dossiers/_support_limits.html), for the staff
    # pages that show a dossier's items.
    app.jinja_env.globals["support_limits_of"] = item_limits
