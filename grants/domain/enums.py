"""Enumerations stored as strings, each member declared with its Vietnamese label.

``LabelledEnum`` is the one way the app names a stored value and its label: a member is written
``VALUE = "value", "Nhãn"`` and reads back as the plain string ``"value"`` with ``.label``.
"""

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a Vietnamese ``label`` (the value when none is given)."""

    label: str

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a select field."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_of(cls, value) -> str:
        """The label of a stored value; the value itself (or "") when it is not a member."""
        return cls(value).label if value in cls._value2member_map_ else (value or "")


class Channel(LabelledEnum):
    ONLINE = "online", "Trực tuyến"
    COUNTER = "counter", "Trực tiếp tại Bộ phận một cửa"
    POST = "post", "Qua dịch vụ bưu chính"


class CatalogueKind(LabelledEnum):
    STANDARD = "standard", "Tiêu chuẩn"
    TOOL = "tool", "Công cụ"
    MODEL = "model", "Mô hình"
    METHOD = "method", "Phương pháp quản lý"


class CopyKind(LabelledEnum):
    CERTIFIED_COPY = "certified_copy", "Bản sao có chứng thực"
    ORIGINAL_SIGHTED = "original_sighted", "Bản sao, đã đối chiếu bản chính"
    ORIGINAL = "original", "Bản chính"
    DIGITAL = "digital", "Bản điện tử / ký số"


class Authority(LabelledEnum):
    DIRECTOR = "director", "Giám đốc Sở Khoa học và Công nghệ"
    CHAIRMAN = "chairman", "Chủ tịch UBND tỉnh"


class Outcome(LabelledEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Recommendation(LabelledEnum):
    SUPPORT = "support", "Đề xuất hỗ trợ"
    REJECT = "reject", "Đề xuất không hỗ trợ"


class HolidayKind(LabelledEnum):
    DAY_OFF = "day_off", "Ngày nghỉ bù / nghỉ thêm"
    WORKING_DAY = "working_day", "Ngày làm việc bù (thứ Bảy/Chủ nhật)"


class DocumentKind(LabelledEnum):
    RECEIPT = "receipt"
    SUPPLEMENT_REQUEST = "supplement_request"
    INTAKE_REFUSAL = "intake_refusal"
    APPRAISAL_MINUTES = "appraisal_minutes"
    SUPPORT_DECISION = "support_decision"
    REJECTION_LETTER = "rejection_letter"
    PROCESSING_SUPPLEMENT = "processing_supplement"  # issue 14: papers asked after reception
    DELAY_APOLOGY = "delay_apology"  # issue 14: apology and new return date
    RECOVERY_DECISION = "recovery_decision"
    COMMITTEE_PROPOSAL = "committee_proposal"


class PaymentMethod(LabelledEnum):
    TRANSFER = "transfer", "Chuyển khoản"
    CASH = "cash", "Tiền mặt"


class EventKind(LabelledEnum):
    """What a domain event (the outbox, ``grants.services.events``) says happened."""

    STATUS_CHANGED = "dossier.status_changed", "Hồ sơ chuyển trạng thái"
    DOCUMENT_ISSUED = "document.issued", "Văn bản được phát hành"
    PAYMENT_RECORDED = "payment.recorded", "Ghi nhận chi trả"
    PAYMENT_REVERSED = "payment.reversed", "Hủy bút toán chi trả"
    SERVICE_RATED = "dossier.rated", "Đánh giá mức độ hài lòng"


class EmailState(LabelledEnum):
    """Where an outgoing e-mail stands (grants/services/mail.py)."""

    PENDING = "pending", "Chờ gửi"
    SENDING = "sending", "Đang gửi"
    SENT = "sent", "Đã gửi"
    FAILED = "failed", "Gửi không được"
    KEPT = "kept", "Lưu trong ứng dụng (chưa cấu hình máy chủ thư)"


class DeliveryState(LabelledEnum):
    """Where the delivery of one event to one webhook stands (grants/services/webhooks.py)."""

    PENDING = "pending", "Chờ gửi"
    SENDING = "sending", "Đang chờ phản hồi"
    DELIVERED = "delivered", "Đã gửi"
    FAILED = "failed", "Gửi không được"


class Verification(LabelledEnum):
    """Where an organisation's identity stands (issue 13 point 7): a registration on the portal
    is a claim, pending until the desk has checked the business registration certificate."""

    PENDING = "pending", "Chờ xác minh"
    VERIFIED = "verified", "Đã xác minh"
    REJECTED = "rejected", "Không được xác minh"


class SecurityKind(LabelledEnum):
    """What a line of the security log (``grants.services.security_log``) records: the only
    kinds it accepts, each with the label the admin's log page and its exports show."""

    LOGIN = "login", "Đăng nhập"
    LOGIN_FAILED = "login.failed", "Đăng nhập sai"
    LOGIN_LOCKOUT = "login.lockout", "Khóa tài khoản do đăng nhập sai nhiều lần"
    LOGOUT = "logout", "Đăng xuất"
    SESSIONS_ENDED = "sessions.ended", "Kết thúc mọi phiên đăng nhập"
    TWO_FACTOR_ENABLED = "2fa.enabled", "Bật xác thực hai lớp"
    TWO_FACTOR_DISABLED = "2fa.disabled", "Tắt xác thực hai lớp"
    TWO_FACTOR_FAILED = "2fa.failed", "Mã xác thực hai lớp sai"
    RECOVERY_CODE_USED = "2fa.recovery_used", "Dùng mã khôi phục"
    RECOVERY_CODES_RENEWED = "2fa.recovery_renewed", "Tạo mã khôi phục mới"
    PASSWORD_CHANGED = "password.changed", "Đổi mật khẩu"
    PASSWORD_CHANGE_FAILED = "password.change_failed", "Đổi mật khẩu không được (sai mật khẩu)"
    PASSWORD_RESET_REQUESTED = "password.reset_requested", "Yêu cầu đặt lại mật khẩu"
    PASSWORD_RESET_LINK = "password.reset_link", "Quản trị gửi liên kết đặt lại mật khẩu"
    PASSWORD_RESET = "password.reset", "Đặt lại mật khẩu"
    REGISTER_EMAIL_TAKEN = "register.email_taken", "Đăng ký bằng thư điện tử đã có tài khoản"
    FORBIDDEN = "forbidden", "Bị từ chối (403)"
    ROLE_GRANT = "role.grant", "Cấp vai trò"
    ROLE_REVOKE = "role.revoke", "Bỏ vai trò"
    TOKEN_ISSUE = "token.issue", "Cấp mã truy cập API"
    TOKEN_REVOKE = "token.revoke", "Thu hồi mã truy cập API"
    WEBHOOK_REGISTERED = "webhook.registered", "Đăng ký webhook"
    WEBHOOK_DEACTIVATED = "webhook.deactivated", "Ngừng webhook"
    DOWNLOAD_ATTACHMENT = "download.attachment", "Tải tệp đính kèm"
    DOWNLOAD_DOCUMENT = "download.document", "Tải văn bản"
    PERSONAL_DATA_EXPORT = "personal_data.export", "Xuất dữ liệu cá nhân của một người"
    PERSONAL_DATA_ERASE = "personal_data.erase", "Xóa dữ liệu cá nhân của một người"
    LOG_EXPORT = "export.personal_data", "Xuất nhật ký (có dữ liệu cá nhân)"


class SignatureState(LabelledEnum):
    """What a PDF's digital signature is worth (issue 14 point 9): trusted, intact but from a
    certificate not in the trust list (a foreign signature), or broken."""

    TRUSTED = "trusted", "Chữ ký số hợp lệ"
    UNTRUSTED = "untrusted", "Chữ ký số nguyên vẹn, chứng thư không thuộc danh sách tin cậy"
    BROKEN = "broken", "Chữ ký số không hợp lệ (tệp đã bị sửa sau khi ký hoặc chữ ký hỏng)"
