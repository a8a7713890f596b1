"""Who may do what to which object: the one authorisation rule of the app.

``can(user, permission, obj)`` reads plain attributes only: of the user ``roles`` (a set of
``Role``), ``organisation_id`` and ``id``; of a dossier ``organisation_id``, ``assignee_id`` and
``status``; of an organisation ``id``. An anonymous user has no roles and may do nothing; a user
that is not ``is_authenticated`` (anonymous, or a deactivated account) sees no dossier.

The callers turn a refusal into their own answer: services raise NotFound or Forbidden,
grants/permissions.py answers 404/403, templates hide a button. Lists apply the same rule as a
WHERE clause: grants/queries/access.py (``visible_dossiers``) mirrors ``VIEW_DOSSIER``.
"""

from enum import StrEnum

from grants.domain.roles import FINANCE_ROLES, STAFF_ROLES, Role
from grants.domain.workflow_states import Status

APPLICANT_EDITABLE = (Status.DRAFT, Status.SUPPLEMENT_REQUESTED)
"""States in which a dossier's items and details may change, and the organisation's files."""

CLERK_EDITABLE = (Status.DRAFT, Status.SUPPLEMENT_REQUESTED, Status.SUBMITTED)
"""States in which the one-stop desk may change a dossier's files (it files for people too)."""


class Permission(StrEnum):
    VIEW_DOSSIER = "view_dossier"
    """See the dossier at all (anything else is answered as if it did not exist)."""
    CHANGE_FILES = "change_files"
    """Upload or remove the dossier's attachments (the state is checked on top, against
    ``CLERK_EDITABLE`` for the desk and ``APPLICANT_EDITABLE`` for the organisation)."""
    APPRAISE = "appraise"
    """Record the site visit and the appraisal: only the appraiser the dossier is assigned to."""
    FILE_FOR = "file_for"
    """Open a dossier for the organisation (``obj``): the desk, or the organisation itself."""
    VIEW_ORGANISATION = "view_organisation"
    """See the organisation (``obj``): staff, or its own people."""
    EDIT_ORGANISATION = "edit_organisation"
    """Change the organisation's profile (``obj``): an admin, or its own applicant."""
    REGISTER_ORGANISATION = "register_organisation"
    """Register a new organisation on its behalf (``obj`` is None): the desk or an admin."""
    VERIFY_ORGANISATION = "verify_organisation"
    """Check a claim against the business registration certificate (``obj`` is None): the
    desk."""
    MANAGE_PERSONAL_DATA = "manage_personal_data"
    """Export or anonymise a person's data (Law 91/2025; ``obj`` is None): an admin."""
    EDIT_ANNUAL_REPORT = "edit_annual_report"
    """Write the text of the annual report on the resolution (``obj`` is None): the leadership
    or the head of division."""
    RECORD_BANK_ACCOUNT = "record_bank_account"
    """Record the bank account the support is paid to (``obj`` the organisation): finance (a
    finance officer or the chief accountant), an admin, or the organisation's own applicant."""
    RATE_SERVICE = "rate_service"
    """Rate the service at the return of the result (``obj`` the dossier): the organisation's
    applicant on the portal, or the one-stop clerk recording it at the desk."""


def roles_of(user) -> frozenset[Role]:
    """The user's roles; none for an anonymous user."""
    return frozenset(getattr(user, "roles", ()))


def signed_in(user) -> bool:
    """Flask-Login's ``is_authenticated`` (false for anonymous and deactivated accounts); an
    object without it counts as signed in."""
    return bool(getattr(user, "is_authenticated", True))


def is_staff(user) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)


def acts_for(user, organisation_id: int | None) -> bool:
    """The user is an applicant of the organisation ``organisation_id``."""
    return (Role.APPLICANT in roles_of(user) and user.organisation_id is not None
            and user.organisation_id == organisation_id)


def can(user, permission: Permission, obj=None) -> bool:
    """May ``user`` do ``permission`` on ``obj``? See ``Permission`` for what ``obj`` is."""
    roles = roles_of(user)
    match Permission(permission):
        case Permission.VIEW_DOSSIER:
            return signed_in(user) and (bool(roles & STAFF_ROLES)
                                        or acts_for(user, obj.organisation_id))
        case Permission.CHANGE_FILES:
            return Role.CLERK in roles or acts_for(user, obj.organisation_id)
        case Permission.APPRAISE:
            return obj.assignee_id is not None and obj.assignee_id == getattr(user, "id", None)
        case Permission.FILE_FOR:
            return Role.CLERK in roles or acts_for(user, obj.id)
        case Permission.VIEW_ORGANISATION:
            return bool(roles & STAFF_ROLES) or acts_for(user, obj.id)
        case Permission.EDIT_ORGANISATION:
            return Role.ADMIN in roles or acts_for(user, obj.id)
        case Permission.REGISTER_ORGANISATION:
            return bool(roles & {Role.CLERK, Role.ADMIN})
        case Permission.VERIFY_ORGANISATION:
            return Role.CLERK in roles
        case Permission.MANAGE_PERSONAL_DATA:
            return Role.ADMIN in roles
        case Permission.EDIT_ANNUAL_REPORT:
            return bool(roles & {Role.LEADER, Role.HEAD})
        case Permission.RECORD_BANK_ACCOUNT:
            return bool(roles & (FINANCE_ROLES | {Role.ADMIN})) or acts_for(user, obj.id)
        case Permission.RATE_SERVICE:
            return Role.CLERK in roles or acts_for(user, obj.organisation_id)
    raise AssertionError(permission)  # pragma: no cover - every member is matched above

