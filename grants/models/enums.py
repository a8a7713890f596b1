"""Small enumerations stored as strings (domain enums live in grants.domain)."""

from enum import StrEnum


class Channel(StrEnum):
    ONLINE = "online"
    COUNTER = "counter"
    POST = "post"

    @property
    def label(self) -> str:
        return {"online": "Trực tuyến", "counter": "Trực tiếp tại Bộ phận một cửa",
                "post": "Qua dịch vụ bưu chính"}[self.value]


class CatalogueKind(StrEnum):
    STANDARD = "standard"
    TOOL = "tool"
    MODEL = "model"
    METHOD = "method"

    @property
    def label(self) -> str:
        return {"standard": "Tiêu chuẩn", "tool": "Công cụ", "model": "Mô hình",
                "method": "Phương pháp quản lý"}[self.value]


class CopyKind(StrEnum):
    CERTIFIED_COPY = "certified_copy"
    ORIGINAL_SIGHTED = "original_sighted"
    ORIGINAL = "original"
    DIGITAL = "digital"

    @property
    def label(self) -> str:
        return {"certified_copy": "Bản sao có chứng thực",
                "original_sighted": "Bản sao, đã đối chiếu bản chính",
                "original": "Bản chính", "digital": "Bản điện tử / ký số"}[self.value]


class Authority(StrEnum):
    DIRECTOR = "director"
    CHAIRMAN = "chairman"

    @property
    def label(self) -> str:
        return {"director": "Giám đốc Sở Khoa học và Công nghệ",
                "chairman": "Chủ tịch UBND tỉnh"}[self.value]


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Recommendation(StrEnum):
    SUPPORT = "support"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return {"support": "Đề xuất hỗ trợ", "reject": "Đề xuất không hỗ trợ"}[self.value]


class HolidayKind(StrEnum):
    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"

    @property
    def label(self) -> str:
        return {"day_off": "Ngày nghỉ bù / nghỉ thêm",
                "working_day": "Ngày làm việc bù (thứ Bảy/Chủ nhật)"}[self.value]


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    SUPPLEMENT_REQUEST = "supplement_request"
    INTAKE_REFUSAL = "intake_refusal"
    APPRAISAL_MINUTES = "appraisal_minutes"
    SUPPORT_DECISION = "support_decision"
    REJECTION_LETTER = "rejection_letter"


class PaymentMethod(StrEnum):
    TRANSFER = "transfer"
    CASH = "cash"

    @property
    def label(self) -> str:
        return {"transfer": "Chuyển khoản", "cash": "Tiền mặt"}[self.value]
