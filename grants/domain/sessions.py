"""Pure rules of sessions and lockout: when a session has expired, how long an account stays
locked after failed logins, which roles must use a second factor."""

from grants.domain.roles import MONEY_ROLES, Role

#: Roles that move money, decide or administer: a second factor is required of them (every
#: money role, so the chief accountant who confirms payments too, and the admin).
TWO_FACTOR_ROLES = MONEY_ROLES | {Role.ADMIN}


def session_expiry(*, auth_at: float | None, seen_at: float | None, now: float,
                   idle_seconds: float, max_seconds: float) -> str | None:
    """Why a session that logged in at ``auth_at`` and was last used at ``seen_at`` (epoch
    seconds) is over at ``now``: "absolute", "idle", or None while it is valid. A session
    without these stamps (made before they existed, or forged from a remember cookie) is over."""
    if auth_at is None or seen_at is None:
        return "absolute"
    if now - auth_at > max_seconds or now < auth_at - 60:
        return "absolute"
    if now - seen_at > idle_seconds:
        return "idle"
    return None


def lockout_seconds(failures: int, *, threshold: int, base: int, cap: int) -> int:
    """Seconds an account stays locked after ``failures`` failed attempts in a row: none below
    ``threshold``, then ``base`` doubling at each further failure, at most ``cap``."""
    if failures < threshold:
        return 0
    return min(cap, base * 2 ** min(failures - threshold, 30))
