"""Flask glue for the authorisation policy (grants/domain/policy.py): role gates for blueprints,
``authorize`` answering 403/404, and loading a dossier the user may see."""

from collections.abc import Callable

from flask import abort, request
from flask_login import current_user

from grants.domain.policy import Permission, can
from grants.domain.roles import Role
from grants.extensions import db, login_manager

__all__ = ["Role", "Permission", "can", "role_required", "require_roles", "authorize",
           "dossier_or_404"]


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


def authorize(permission: Permission, obj=None, user=None) -> None:
    """Abort unless ``user`` (default: the signed-in user) may ``permission`` on ``obj``: 404 for
    a dossier it may not see (as if it did not exist), 403 for anything else."""
    if not can(user or current_user, permission, obj):
        abort(404 if permission == Permission.VIEW_DOSSIER else 403)


def dossier_or_404(dossier_id: int, user=None, *, options=()):
    """Load a dossier the user may see; anything else is 404, as if it did not exist.
    ``options`` are loader options for the query (e.g. to defer relationships)."""
    from grants.models import Dossier

    dossier = db.session.get(Dossier, dossier_id, options=list(options))
    if dossier is None:
        abort(404)
    authorize(Permission.VIEW_DOSSIER, dossier, user)
    return dossier
