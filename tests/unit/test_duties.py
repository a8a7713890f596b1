"""Issue 13: the pure rules of separation of duties, two-person payments and need-to-know."""

from types import SimpleNamespace

import pytest

from grants.domain.budget import (
    ConfirmationNotAllowed,
    PaymentExceedsApproved,
    check_confirmer,
    check_payment_with_pending,
    needs_confirmation,
)
from grants.domain.personal_data import ORGANISATION_FIELDS, PersonalData, may_see, redact
from grants.domain.roles import Role, role_conflict


@pytest.mark.parametrize(("roles", "refused"), [
    ({Role.ADMIN}, False), ({Role.ADMIN, Role.CLERK}, False),
    ({Role.FINANCE, Role.LEADER}, False), ({Role.ADMIN, Role.LEADER}, True),
    ({Role.ADMIN, Role.FINANCE}, True), ({Role.ADMIN, Role.CHIEF_ACCOUNTANT}, True),
])
def test_admin_never_with_a_money_role(roles, refused):
    assert (role_conflict(roles) is not None) == refused


def test_the_threshold_counts_the_dossiers_total():
    assert not needs_confirmation(0, 0, 100, 100)
    assert needs_confirmation(0, 0, 101, 100)
    assert needs_confirmation(60, 0, 60, 100)  # split payments add up
    assert needs_confirmation(0, 60, 60, 100)  # so do the ones waiting


def test_pending_counts_against_the_approved_amount():
    check_payment_with_pending(100, 30, 50, 20)
    with pytest.raises(PaymentExceedsApproved):
        check_payment_with_pending(100, 30, 50, 21)


def test_the_confirmer_is_a_second_finance_person():
    check_confirmer(recorded_by_id=1, confirmer_id=2, confirmer_roles={Role.FINANCE})
    check_confirmer(recorded_by_id=1, confirmer_id=2, confirmer_roles={Role.CHIEF_ACCOUNTANT})
    with pytest.raises(ConfirmationNotAllowed):
        check_confirmer(recorded_by_id=1, confirmer_id=1,
                        confirmer_roles={Role.FINANCE, Role.CHIEF_ACCOUNTANT})
    with pytest.raises(ConfirmationNotAllowed):
        check_confirmer(recorded_by_id=1, confirmer_id=2, confirmer_roles={Role.LEADER})


def _user(*roles, organisation_id=None):
    return SimpleNamespace(roles=frozenset(roles), organisation_id=organisation_id)


def test_need_to_know():
    finance, clerk = _user(Role.FINANCE), _user(Role.CLERK)
    own, other = _user(Role.APPLICANT, organisation_id=7), _user(Role.APPLICANT, organisation_id=8)
    assert may_see(finance, PersonalData.NAME) and not may_see(finance, PersonalData.CONTACT)
    assert may_see(clerk, PersonalData.CONTACT)
    assert may_see(own, PersonalData.CONTACT, 7) and not may_see(other, PersonalData.CONTACT, 7)
    assert may_see(_user(Role.FINANCE, Role.APPRAISER), PersonalData.CONTACT)  # union
    org = {"id": 7, "name": "A", "representative": "B", "phone": "09", "email": "a@b.vn"}
    assert redact(finance, org, ORGANISATION_FIELDS, 7) == {**org, "phone": None,
                                                             "email": None}
    assert redact(own, org, ORGANISATION_FIELDS, 7) == org
