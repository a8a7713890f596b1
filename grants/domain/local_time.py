"""Vietnam local time: the one rule for showing a stored moment on the wall clock."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(at: datetime | None) -> datetime | None:
    """``at`` as naive Vietnam local time; None stays None.

    The rule for naive values: a naive datetime is UTC, because every ``*_at`` column holds
    naive UTC. An aware datetime is converted from its own zone.
    """
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_TZ).replace(tzinfo=None)
