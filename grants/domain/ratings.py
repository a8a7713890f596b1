"""Rating of the service when the result is returned (đánh giá mức độ hài lòng), as the
one-stop software asks: one rating per dossier, once it has been returned."""

from grants.domain.enums import LabelledEnum
from grants.domain.errors import Conflict, InvalidInput
from grants.domain.workflow_states import Status

COMMENT_MAX = 2000


class RatingLevel(LabelledEnum):
    SATISFIED = "satisfied", "Hài lòng"
    ACCEPTABLE = "acceptable", "Chấp nhận được"
    NOT_SATISFIED = "not_satisfied", "Không hài lòng"


class RatingChannel(LabelledEnum):
    PORTAL = "portal", "Trên cổng dịch vụ công"
    DESK = "desk", "Tại Bộ phận một cửa"


class RatingNotAllowed(Conflict, code="rating_not_allowed"):
    """The dossier cannot be rated now (not returned yet, or already rated): HTTP 409."""


def check_rating(status, *, already_rated: bool, level, comment) -> tuple[RatingLevel, str | None]:
    """The rating as it will be stored: (level, comment or None).

    Raises RatingNotAllowed when the dossier has not been returned (the reason names its state)
    or was rated before; InvalidInput naming ``level`` for an unknown level, ``comment`` for a
    comment over 2000 characters or a "not satisfied" without one (the reason is what the
    agency needs to improve).
    """
    status = Status(status)
    if status != Status.RETURNED:
        raise RatingNotAllowed(
            "Chỉ đánh giá được khi đã trả kết quả; hồ sơ đang ở trạng thái "
            f"“{status.label}”.")
    if already_rated:
        raise RatingNotAllowed("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.")
    try:
        level = RatingLevel(level)
    except ValueError:
        raise InvalidInput("Vui lòng chọn mức độ hài lòng: hài lòng, chấp nhận được hoặc "
                           "không hài lòng.", field="level") from None
    if comment is not None and not isinstance(comment, str):
        raise InvalidInput("Ý kiến phải là văn bản.", field="comment")
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise InvalidInput(f"Ý kiến tối đa {COMMENT_MAX} ký tự.", field="comment")
    if level == RatingLevel.NOT_SATISFIED and not text:
        raise InvalidInput("Vui lòng cho biết điều chưa hài lòng để cơ quan khắc phục.",
                           field="comment")
    return level, text or None
