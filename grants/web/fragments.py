"""Rendered page fragments reused until the data changes (Flask-Caching underneath).

A busy page such as the staff dossier page runs some twenty queries and renders a long template,
yet changes only when somebody acts. Its body is cached under a key made of what it shows (the
dossier and its version, the viewer) and the data stamp, which moves with every audit event,
ledger entry, dossier, item and year; ``REPORT_CACHE_SECONDS`` (0: off) bounds what the stamp
cannot see, such as a deadline mark that turns "late" as the clock runs. The per-request
parts of a page (navigation, flash messages, the CSRF token) stay outside the fragment.

``cached_page`` keeps, in the worker's memory, the whole page around such a fragment for one
viewer's session (their layout: name, roles, the bell's count, the CSRF token), so that their
next view of an unchanged page renders no template at all.
"""

import hashlib
import time
from collections.abc import Callable, Hashable
from threading import Lock

from cachetools import TLRUCache
from flask import current_app, render_template, request, session
from flask_login import current_user
from markupsafe import Markup

from grants.queries.reports.cache import cache_get, cache_set, data_stamp
from grants.web.bell import unread_for_bell


def fragment_key(name: str, parts: tuple[Hashable, ...]) -> str:
    """The cache key of fragment ``name`` for ``parts`` at the current data stamp: a digest,
    so a part taken from the request (a work list's query string) never makes a long key."""
    digest = hashlib.sha256(repr((parts, data_stamp())).encode()).hexdigest()
    return f"fragment:{name}:{digest[:32]}"


class Fragment(Markup):
    """HTML of a cached fragment, with the key it is cached under and the moment (epoch
    seconds) it expires."""

    key: str | None = None
    expires: float = 0.0


def cached_fragment(name: str, parts: tuple[Hashable, ...], render: Callable[[], str]) -> Markup:
    """HTML of ``render()``, reused for the same ``name``/``parts`` while the data is unchanged.

    ``render`` must return escaped HTML (a rendered template) and depend only on ``parts`` and
    the database; never on the request's flash messages, form data or CSRF token.
    """
    seconds = current_app.config.get("REPORT_CACHE_SECONDS", 60)
    key = fragment_key(name, parts) if seconds else None
    kept = cache_get(key) if key else None
    if kept is None:
        kept = (time.time() + seconds, str(render()))
        if key:
            cache_set(key, kept, seconds)
    # Our own autoescaped template's output: already escaped, so marked safe as it is.
    fragment = Fragment(kept[1])  # noqa: S704  # nosec B704
    fragment.key, fragment.expires = key, kept[0]
    return fragment


# Whole pages of one viewer's session, per worker: at most this many, each until its body
# expires (REPORT_CACHE_SECONDS after the body was rendered, so a page never shows a body
# older than the body's own limit). Its CSRF token, signed when it was rendered, is checked
# against the session's with no time limit (config.WTF_CSRF_TIME_LIMIT). A page is some 3 to
# 60 KB.
PAGES_PER_WORKER = 512
_PAGES_LOCK = Lock()


def cached_page(template: str, body: Markup, **context) -> str:
    """``template`` (a page that extends base.html around the cached fragment ``body``) as
    ``render_template`` gives it, reused as it is for the same viewer while the fragment and
    everything the layout shows are unchanged: the account (its session version, name and
    roles), the bell's count, the session's CSRF token, the address and ``context``. It is
    rendered afresh whenever a flash message waits, the session has no CSRF token yet (the
    render creates it) or the fragment was not cached."""
    key = _page_key(template, body, context)
    pages = _pages() if key else None
    if pages is not None:
        with _PAGES_LOCK:
            kept = pages.get(key)
        if kept is not None:
            return kept[1]
    html = render_template(template, body=body, **context)
    if pages is not None:
        with _PAGES_LOCK:
            pages[key] = (body.expires, html)
    return html


def _page_key(template: str, body: Markup, context: dict) -> tuple | None:
    fragment = getattr(body, "key", None)
    csrf = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if (fragment is None or csrf is None or session.get("_flashes")
            or not current_user.is_authenticated):
        return None
    user = current_user
    return (template, request.full_path, request.endpoint, tuple(sorted(context.items())),
            fragment, user.get_id(), user.full_name, tuple(sorted(r.value for r in user.roles)),
            unread_for_bell(), csrf)


def _pages() -> TLRUCache | None:
    if not current_app.config.get("REPORT_CACHE_SECONDS", 60):
        return None
    pages = current_app.extensions.get("grants_pages")
    if pages is None:
        with _PAGES_LOCK:
            pages = current_app.extensions.setdefault("grants_pages", TLRUCache(
                maxsize=PAGES_PER_WORKER, ttu=_body_expiry, timer=time.time))
    return pages


def _body_expiry(_key, kept: tuple[float, str], _now: float) -> float:
    return kept[0]
