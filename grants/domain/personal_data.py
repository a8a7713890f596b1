"""Need-to-know: which personal data each role may read (Law 91/2025/QH15 on personal data
protection). The one home of the rule; pages (a template global), the API's serializers and
the exports all ask ``may_see``/``redact`` here, and the README's security section prints the
same table (``NEEDS``).

Two kinds of personal data are held about the people of an organisation:

* ``NAME``: the representative's name and title, the name of who filed a dossier at the desk,
  the organisation's people met at a site visit. Every decision, letter and minute names them,
  so every staff role needs them.
* ``CONTACT``: the organisation's phone and e-mail, the submitter's phone and e-mail. Only the
  roles that contact the organisation need them: the one-stop desk (receipts, supplement
  requests, returning results), the appraiser (arranges the site visit) and the admin (keeps the
  organisation's profile). The head of division, the leadership, the records clerk and finance
  decide or pay on the dossier and never call the organisation.

Staff users' own e-mails and phones are the admin's alone (accounts), besides each user's own.
An applicant sees everything of its own organisation (which organisation it may see at all is
``policy.can``'s business, not this module's).
"""

from collections.abc import Mapping

from grants.domain.enums import LabelledEnum
from grants.domain.roles import Role


class PersonalData(LabelledEnum):
    NAME = "name", "Họ tên người đại diện, người nộp hồ sơ"
    CONTACT = "contact", "Số điện thoại, thư điện tử của tổ chức và người nộp"
    STAFF_CONTACT = "staff_contact", "Thư điện tử, số điện thoại của cán bộ (tài khoản)"


NEEDS: dict[Role, frozenset[PersonalData]] = {
    Role.APPLICANT: frozenset({PersonalData.NAME, PersonalData.CONTACT}),
    Role.CLERK: frozenset({PersonalData.NAME, PersonalData.CONTACT}),
    Role.HEAD: frozenset({PersonalData.NAME}),
    Role.APPRAISER: frozenset({PersonalData.NAME, PersonalData.CONTACT}),
    Role.LEADER: frozenset({PersonalData.NAME}),
    Role.RECORDS: frozenset({PersonalData.NAME}),
    Role.FINANCE: frozenset({PersonalData.NAME}),
    Role.CHIEF_ACCOUNTANT: frozenset({PersonalData.NAME}),
    Role.ADMIN: frozenset({PersonalData.NAME, PersonalData.CONTACT,
                           PersonalData.STAFF_CONTACT}),
}
"""Role → the personal data it needs. A user with several roles sees the union."""

ORGANISATION_FIELDS: dict[str, PersonalData] = {
    "representative": PersonalData.NAME, "representative_title": PersonalData.NAME,
    "phone": PersonalData.CONTACT, "email": PersonalData.CONTACT,
}
"""An organisation's personal fields (attribute or JSON key) and their kind."""

DOSSIER_FIELDS: dict[str, PersonalData] = {
    "submitter_name": PersonalData.NAME, "submitter_phone": PersonalData.CONTACT,
    "submitter_email": PersonalData.CONTACT,
}
"""A dossier's personal fields (who filed it at the desk) and their kind."""

USER_FIELDS: dict[str, PersonalData] = {
    "email": PersonalData.STAFF_CONTACT, "phone": PersonalData.STAFF_CONTACT,
}
"""A user account's personal fields, as shown to others than the user."""


def kinds_for(user, organisation_id: int | None = None) -> frozenset[PersonalData]:
    """The kinds of personal data ``user`` may read about organisation ``organisation_id``
    (None: any organisation, e.g. a list). An applicant reads all of its own organisation's
    and none of another's."""
    roles = frozenset(getattr(user, "roles", ()))
    kinds: set[PersonalData] = set()
    for role in roles - {Role.APPLICANT}:
        kinds |= NEEDS.get(role, frozenset())
    own = getattr(user, "organisation_id", None)
    if Role.APPLICANT in roles and own is not None and own == organisation_id:
        kinds |= NEEDS[Role.APPLICANT]
    return frozenset(kinds)


def may_see(user, kind: PersonalData | str, organisation_id: int | None = None) -> bool:
    """May ``user`` read personal data of ``kind`` about organisation ``organisation_id``?"""
    return PersonalData(kind) in kinds_for(user, organisation_id)


def redact(user, data: Mapping, fields: Mapping[str, PersonalData],
           organisation_id: int | None = None) -> dict:
    """``data`` with every field of ``fields`` that ``user`` may not read set to None (the keys
    stay, so a client's schema still holds)."""
    kinds = kinds_for(user, organisation_id)
    return {key: (None if key in fields and fields[key] not in kinds else value)
            for key, value in data.items()}
