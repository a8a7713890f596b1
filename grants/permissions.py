"""Authorisation in one place: role gates for blueprints and object checks for dossiers."""

from collections.abc import Callable

from flask import abort, request
from flask_login import current_user

from grants.domain.roles import STAFF_ROLES, Role
from grants.extensions import db, login_manager

__all__ = ["Role", "role_required", "can_view_dossier", "dossier_or_404", "require_roles"]


def _has_any(user, roles) -> bool:
    return user.is_authenticated and bool(user.roles & set(roles))


def role_required(*roles: Role) -> Callable[[], None]:
    """A ``before_request`` hook: anonymous → login page, wrong role → 403."""

    def gate():
        if request.endpoint and request.endpoint.endswith(".static"):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not _has_any(current_user, roles):
            abort(403)
        return None

    return gate


def require_roles(user, *roles: Role) -> None:
    """Abort 403 unless ``user`` holds one of ``roles``."""
    if not _has_any(user, roles):
        abort(403)


def can_view_dossier(user, dossier) -> bool:
    """Staff see every dossier; an applicant sees only its own organisation's."""
    if not user.is_authenticated:
        return False
    if user.roles & STAFF_ROLES:
        return True
    return (
        Role.APPLICANT in user.roles
        and user.organisation_id is not None
        and dossier.organisation_id == user.organisation_id
    )


def dossier_or_404(dossier_id: int, user=None, *, options=()):
    """Load a dossier the user may see; anything else is 404, as if it did not exist.
    ``options`` are loader options for the query (e.g. to defer relationships)."""
    from grants.models import Dossier

    user = user or current_user
    dossier = db.session.get(Dossier, dossier_id, options=list(options))
    if dossier is None or not can_view_dossier(user, dossier):
        abort(404)
    return dossier
