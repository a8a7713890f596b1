"""Rendered page fragments reused until the data changes (Flask-Caching underneath).

A busy page such as the staff dossier page runs some twenty queries and renders a long template,
yet changes only when somebody acts. Its body is cached under a key made of what it shows (the
dossier and its version, the viewer) and the data stamp, which moves with every audit event,
ledger entry, dossier, item and year; ``REPORT_CACHE_SECONDS`` (0: off) bounds what the stamp
cannot see, such as a deadline mark that turns "late" as the clock runs. The per-request
parts of a page (navigation, flash messages, the CSRF token) stay outside the fragment.
"""

import hashlib
from collections.abc import Callable, Hashable

from flask import current_app
from markupsafe import Markup

from grants.queries.reports.cache import cache_get, cache_set, data_stamp


def fragment_key(name: str, parts: tuple[Hashable, ...]) -> str:
    """The cache key of fragment ``name`` for ``parts`` at the current data stamp: a digest,
    so a part taken from the request (a work list's query string) never makes a long key."""
    digest = hashlib.sha256(repr((parts, data_stamp())).encode()).hexdigest()
    return f"fragment:{name}:{digest[:32]}"


def cached_fragment(name: str, parts: tuple[Hashable, ...], render: Callable[[], str]) -> Markup:
    """HTML of ``render()``, reused for the same ``name``/``parts`` while the data is unchanged.

    ``render`` must return escaped HTML (a rendered template) and depend only on ``parts`` and
    the database; never on the request's flash messages, form data or CSRF token.
    """
    seconds = current_app.config.get("REPORT_CACHE_SECONDS", 60)
    key = fragment_key(name, parts) if seconds else None
    html = cache_get(key) if key else None
    if html is None:
        html = str(render())
        if key:
            cache_set(key, html, seconds)
    # Our own autoescaped template's output: already escaped, so marked safe as it is.
    return Markup(html)  # noqa: S704  # nosec B704
