"""The notification bell of every page's navbar: its unread count is read with the account
(``grants.app._load_user``) and kept for the request until it changes. Not a blueprint, so
the page helpers (``grants.web.fragments``) and the notification centre both use it."""

import functools

from flask_login import current_user
from sqlalchemy import func, select

from grants.db import read_until_change
from grants.services import notifications as svc

_BELL = "grants_bell"


@functools.cache
def bell_column():
    """The bell's count as a column correlated to ``User.id``: the user loader reads it in the
    same statement as the account (``grants.app._load_user``). Built once (the loader's
    statement is then built once too)."""
    from grants.models import Notification, User

    return (select(func.count(Notification.id))
            .where(Notification.user_id == User.id, Notification.read_at.is_(None))
            .scalar_subquery())


def remember_bell(user, count: int | None) -> None:
    """Keep the count read with the account for this request's pages, until the session's
    transaction ends or flushes a change (then it is counted again)."""
    read_until_change()[_BELL] = (user.id, count or 0)


def unread_for_bell() -> int:
    """The bell's count: one narrow indexed COUNT (read with the account when it was loaded,
    and nothing changed since), only when a page with the navbar is rendered for a signed-in
    user."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    known = read_until_change().get(_BELL)
    if known is not None and known[0] == current_user.id:
        return known[1]
    return svc.unread_count(current_user.id)
