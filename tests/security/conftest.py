"""Fixtures of the security suite: the seeded scene, logging in per role, counting writes."""

import pytest
from sqlalchemy import func, select

from grants.domain.roles import Role
from tests.security import scene as scenes

#: Everyone the matrix tries: each role, then nobody.
WHO = [*Role, None]


def who_id(who) -> str:
    return "anonymous" if who is None else str(who)


@pytest.fixture
def scene(db, world, make_user):
    return scenes.build(db, world, make_user)


@pytest.fixture
def as_user(client, login):
    """Log the test client in as ``user`` (None: log out)."""

    def do(user):
        if user is None:
            client.post("/auth/logout")
        else:
            login(user)
        return client

    return do


def row_counts(db) -> dict[str, int]:
    """Rows per table: a refused request must leave every count unchanged."""
    db.session.rollback()
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    db.session.rollback()  # SQLite transactions begin IMMEDIATE: do not hold the write lock
    return counts


#: Tables a refused or read-only request is expected to write: the security log records every
#: 403 and every download (issue 13.10), in a transaction of its own.
LOGGED_ANYWAY = frozenset({"security_events"})


def changed_tables(before: dict, after: dict) -> dict:
    return {name: (before[name], after[name]) for name in before
            if before[name] != after[name] and name not in LOGGED_ANYWAY}


CSP_FORBIDDEN = ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")


def header_problems(response) -> list[str]:
    """What is missing from the security headers of one response."""
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in csp.split(";"):
        name, *sources = part.split()
        if part.strip():
            directives[name] = sources
    scripts = directives.get("script-src", directives.get("default-src"))
    if scripts is None:
        problems.append(f"CSP without script-src/default-src: {csp!r}")
    elif any(source in CSP_FORBIDDEN for source in scripts):
        problems.append(f"CSP allows inline or foreign scripts: {csp!r}")
    if "object-src" not in directives and directives.get("default-src") != ["'none'"]:
        problems.append(f"CSP without object-src: {csp!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    frame_ancestors = directives.get("frame-ancestors")
    if response.headers.get("X-Frame-Options") != "DENY" and frame_ancestors != ["'none'"]:
        problems.append("framing not denied (X-Frame-Options / frame-ancestors)")
    return problems
