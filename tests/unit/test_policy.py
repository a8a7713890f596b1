"""The authorisation policy as a table: each role × its relationship to the object × permission."""

from types import SimpleNamespace

import pytest

from grants.domain.policy import Permission, acts_for, can, is_staff, roles_of
from grants.domain.roles import STAFF_ROLES, Role
from grants.domain.workflow_states import Status

OWN_ORG, OTHER_ORG, ME, SOMEONE = 1, 2, 10, 11


def user(*roles: Role, organisation_id: int | None = None, id: int = ME):  # noqa: A002
    return SimpleNamespace(roles=frozenset(roles), organisation_id=organisation_id, id=id,
                           is_authenticated=True)


ANONYMOUS = SimpleNamespace(is_authenticated=False)

# Relationship of the user to the object, as the object's attributes.
DOSSIERS = {
    "own": SimpleNamespace(organisation_id=OWN_ORG, assignee_id=ME, status=Status.DRAFT),
    "other": SimpleNamespace(organisation_id=OTHER_ORG, assignee_id=SOMEONE,
                             status=Status.DRAFT),
}
ORGANISATIONS = {"own": SimpleNamespace(id=OWN_ORG), "other": SimpleNamespace(id=OTHER_ORG)}

A, C, S = Role.APPLICANT, Role.CLERK, Role.APPRAISER
V, F, P = Permission.VIEW_DOSSIER, Permission.CHANGE_FILES, Permission.APPRAISE
FILE, VO, EO, R = (Permission.FILE_FOR, Permission.VIEW_ORGANISATION,
                   Permission.EDIT_ORGANISATION, Permission.REGISTER_ORGANISATION)

# role → {(permission, relationship): allowed}. "own" = the user's organisation's dossier (assigned
# to the user) or the user's organisation; "other" = another organisation's, assigned elsewhere.
TABLE = {
    Role.APPLICANT: {(V, "own"): True, (V, "other"): False, (F, "own"): True, (F, "other"): False,
                     (P, "own"): True, (P, "other"): False, (FILE, "own"): True,
                     (FILE, "other"): False, (VO, "own"): True, (VO, "other"): False,
                     (EO, "own"): True, (EO, "other"): False, (R, None): False},
    Role.CLERK: {(V, "own"): True, (V, "other"): True, (F, "own"): True, (F, "other"): True,
                 (P, "own"): True, (P, "other"): False, (FILE, "own"): True,
                 (FILE, "other"): True, (VO, "own"): True, (VO, "other"): True,
                 (EO, "own"): False, (EO, "other"): False, (R, None): True},
    Role.ADMIN: {(V, "own"): True, (V, "other"): True, (F, "own"): False, (F, "other"): False,
                 (P, "own"): True, (P, "other"): False, (FILE, "own"): False,
                 (FILE, "other"): False, (VO, "own"): True, (VO, "other"): True,
                 (EO, "own"): True, (EO, "other"): True, (R, None): True},
}
for _role in sorted(STAFF_ROLES - {Role.CLERK, Role.ADMIN}):
    TABLE[_role] = {(V, "own"): True, (V, "other"): True, (F, "own"): False, (F, "other"): False,
                    (P, "own"): True, (P, "other"): False, (FILE, "own"): False,
                    (FILE, "other"): False, (VO, "own"): True, (VO, "other"): True,
                    (EO, "own"): False, (EO, "other"): False, (R, None): False}

# Issue 13: the desk verifies organisations; the admin manages a person's data.
VER, PD = Permission.VERIFY_ORGANISATION, Permission.MANAGE_PERSONAL_DATA
for _role, _rows in TABLE.items():
    _rows[(VER, None)] = _role == Role.CLERK
    _rows[(PD, None)] = _role == Role.ADMIN

# Issue 14.11: the annual report's text is written by the leadership or the head of division.
AR = Permission.EDIT_ANNUAL_REPORT
for _role, _rows in TABLE.items():
    _rows[(AR, None)] = _role in {Role.LEADER, Role.HEAD}
# Issue 14: who records the bank account the support is paid to, who rates the service.
BANK, RATE = Permission.RECORD_BANK_ACCOUNT, Permission.RATE_SERVICE
for _role, _rows in TABLE.items():
    money_people = _role in {Role.FINANCE, Role.CHIEF_ACCOUNTANT, Role.ADMIN}
    _rows[(BANK, "own")] = money_people or _role == Role.APPLICANT
    _rows[(BANK, "other")] = money_people
    _rows[(RATE, "own")] = _role in {Role.APPLICANT, Role.CLERK}
    _rows[(RATE, "other")] = _role == Role.CLERK

CASES = [(role, permission, relation, allowed)
         for role, rows in TABLE.items() for (permission, relation), allowed in rows.items()]


def _obj(permission: Permission, relation: str | None):
    if relation is None:
        return None
    dossier_permission = permission in {V, F, P, RATE}
    return (DOSSIERS if dossier_permission else ORGANISATIONS)[relation]


def test_the_table_covers_every_role_and_permission():
    assert set(TABLE) == set(Role)
    for rows in TABLE.values():
        assert {p for p, _ in rows} == set(Permission)


@pytest.mark.parametrize(("role", "permission", "relation", "allowed"), CASES,
                         ids=[f"{r.value}-{p.value}-{rel}" for r, p, rel, _ in CASES])
def test_policy_table(role, permission, relation, allowed):
    actor = user(role, organisation_id=OWN_ORG if role == Role.APPLICANT else None)
    assert can(actor, permission, _obj(permission, relation)) is allowed


@pytest.mark.parametrize("permission", [V, F, P, FILE, VO, EO, R])
@pytest.mark.parametrize("relation", ["own", "other"])
def test_anonymous_may_do_nothing(permission, relation):
    obj = None if permission == R else _obj(permission, relation)
    assert not can(ANONYMOUS, permission, obj)
    assert roles_of(ANONYMOUS) == frozenset() and not is_staff(ANONYMOUS)


def test_a_deactivated_account_sees_no_dossier():
    deactivated = SimpleNamespace(roles=frozenset({C}), organisation_id=None, id=ME,
                                  is_authenticated=False)
    assert not can(deactivated, V, DOSSIERS["own"])


def test_an_applicant_without_organisation_sees_no_dossier():
    lone = user(A)
    orphan = SimpleNamespace(organisation_id=None, assignee_id=None, status=Status.DRAFT)
    assert not can(lone, V, orphan) and not acts_for(lone, None)


def test_staff_who_is_also_an_applicant_keeps_the_staff_view_and_its_own_organisation():
    both = user(A, S, organisation_id=OWN_ORG)
    assert can(both, V, DOSSIERS["other"]) and is_staff(both)
    assert can(both, EO, ORGANISATIONS["own"]) and not can(both, EO, ORGANISATIONS["other"])


def test_an_unassigned_dossier_is_appraised_by_nobody():
    unassigned = SimpleNamespace(organisation_id=OWN_ORG, assignee_id=None, status=Status.DRAFT)
    assert not can(user(S, id=ME), P, unassigned)


def test_permission_may_be_named_by_its_value():
    assert can(user(C), "view_dossier", DOSSIERS["other"])
    with pytest.raises(ValueError):
        can(user(C), "fly", DOSSIERS["other"])
