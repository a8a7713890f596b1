"""Who may see which rows: the authorisation policy (grants/domain/policy.py) as WHERE clauses.

Every list of dossiers or organisations filtered by who is looking uses these, so that a list
never shows what ``can(user, VIEW_DOSSIER / VIEW_ORGANISATION, obj)`` would refuse.
"""

from sqlalchemy import ColumnElement, false, true

from grants.domain.policy import acts_for, is_staff, signed_in
from grants.models import Dossier, Organisation


def _own_organisation(user, column) -> ColumnElement[bool]:
    if is_staff(user):
        return true()
    if acts_for(user, user.organisation_id):
        return column == user.organisation_id
    return false()


def visible_dossiers(user) -> ColumnElement[bool]:
    """The dossiers ``user`` may see: every one for staff, its organisation's for an applicant,
    none otherwise or when not signed in (policy ``VIEW_DOSSIER``)."""
    if not signed_in(user):
        return false()
    return _own_organisation(user, Dossier.organisation_id)


def visible_organisations(user) -> ColumnElement[bool]:
    """The organisations ``user`` may see: every one for staff, its own for an applicant
    (policy ``VIEW_ORGANISATION``)."""
    return _own_organisation(user, Organisation.id)
