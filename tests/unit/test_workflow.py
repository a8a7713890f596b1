"""The workflow table, checked against an independent literal list of allowed moves."""

import itertools

import pytest

from grants.domain.errors import Conflict, Forbidden
from grants.domain.workflow import (
    ROLE_OF_STEP,
    STEP_OF_STATUS,
    TERMINAL,
    TRANSITIONS,
    Action,
    ActionNotPermitted,
    InvalidTransition,
    Role,
    Status,
    StepKey,
    allowed_actions,
    is_decided,
    next_status,
)

S, A, R = Status, Action, Role

# (from, action, role, to): written out by hand from the specification, one row per role.
ALLOWED = [
    (S.DRAFT, A.SUBMIT, R.APPLICANT, S.SUBMITTED),
    (S.DRAFT, A.SUBMIT, R.CLERK, S.SUBMITTED),
    (S.SUBMITTED, A.RECEIVE, R.CLERK, S.RECEIVED),
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT, R.CLERK, S.SUPPLEMENT_REQUESTED),
    (S.SUBMITTED, A.REFUSE, R.CLERK, S.REFUSED),
    (S.SUPPLEMENT_REQUESTED, A.RESUBMIT, R.APPLICANT, S.SUBMITTED),
    (S.SUPPLEMENT_REQUESTED, A.RESUBMIT, R.CLERK, S.SUBMITTED),
    (S.RECEIVED, A.ASSIGN, R.HEAD, S.ASSIGNED),
    (S.ASSIGNED, A.ASSIGN, R.HEAD, S.ASSIGNED),
    (S.ASSIGNED, A.RECORD_VISIT, R.APPRAISER, S.ASSIGNED),
    (S.ASSIGNED, A.APPRAISE, R.APPRAISER, S.APPRAISED),
    (S.APPRAISED, A.REVIEW, R.HEAD, S.REVIEWED),
    (S.APPRAISED, A.RETURN_FOR_REWORK, R.HEAD, S.ASSIGNED),
    (S.REVIEWED, A.APPROVE, R.LEADER, S.APPROVED),
    (S.REVIEWED, A.REJECT, R.LEADER, S.REJECTED),
    (S.REVIEWED, A.RETURN_FOR_REWORK, R.LEADER, S.ASSIGNED),
    (S.REVIEWED, A.RETURN_FOR_REWORK, R.HEAD, S.ASSIGNED),
    (S.APPROVED, A.ISSUE, R.RECORDS, S.ISSUED),
    (S.REJECTED, A.ISSUE, R.RECORDS, S.ISSUED),
    (S.ISSUED, A.RETURN_RESULT, R.CLERK, S.RETURNED),
    (S.DRAFT, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.SUBMITTED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.RECEIVED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.ASSIGNED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.APPRAISED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.REVIEWED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
]
EXPECTED = {(s, a, r): to for s, a, r, to in ALLOWED}
EXISTING_PAIRS = {(s, a) for s, a, _, _ in ALLOWED}


@pytest.mark.parametrize(("status", "action", "role"), list(itertools.product(S, A, R)))
def test_every_status_action_role(status, action, role):
    if (status, action, role) in EXPECTED:
        assert next_status(status, action, [role]) == EXPECTED[status, action, role]
    elif (status, action) in EXISTING_PAIRS:
        with pytest.raises(ActionNotPermitted):
            next_status(status, action, [role])
    else:
        with pytest.raises(InvalidTransition):
            next_status(status, action, [role])


def test_table_has_no_rows_beyond_the_literal_list():
    rows = {(s, a, r) for (s, a), (_, roles) in TRANSITIONS.items() for r in roles}
    assert rows == set(EXPECTED)


@pytest.mark.parametrize(("status", "role"), list(itertools.product(S, R)))
def test_allowed_actions_matches_literal_list(status, role):
    expected = [a for a in A if (status, a, role) in EXPECTED]
    assert allowed_actions(status, [role]) == expected


def test_roles_combine_and_order_is_stable():
    assert allowed_actions(S.REVIEWED, [R.HEAD, R.LEADER]) == [
        A.RETURN_FOR_REWORK,
        A.APPROVE,
        A.REJECT,
    ]
    assert allowed_actions(S.REVIEWED, {R.LEADER, R.HEAD}) == allowed_actions(
        S.REVIEWED, (R.HEAD, R.LEADER)
    )
    assert next_status(S.RECEIVED, A.ASSIGN, [R.APPLICANT, R.HEAD]) == S.ASSIGNED


def test_no_roles_may_do_nothing():
    assert allowed_actions(S.DRAFT, []) == []
    with pytest.raises(ActionNotPermitted):
        next_status(S.DRAFT, A.SUBMIT, [])


def test_plain_strings_and_a_bare_role_are_accepted():
    assert next_status("submitted", "receive", ["clerk"]) == S.RECEIVED
    assert next_status(S.SUBMITTED, A.RECEIVE, R.CLERK) == S.RECEIVED
    assert allowed_actions("draft", R.APPLICANT) == [A.SUBMIT, A.WITHDRAW]


def test_unknown_values_raise_value_error():
    with pytest.raises(ValueError):
        next_status("nonsense", A.SUBMIT, [R.CLERK])
    with pytest.raises(ValueError):
        next_status(S.DRAFT, A.SUBMIT, ["janitor"])


def test_invalid_transition_message_names_action_and_state():
    with pytest.raises(InvalidTransition) as info:
        next_status(S.DRAFT, A.APPROVE, [R.LEADER])
    err = info.value
    assert isinstance(err, Conflict)
    assert err.status is S.DRAFT and err.action is A.APPROVE
    assert err.message == (
        "Không thể thực hiện thao tác «Phê duyệt hỗ trợ» khi hồ sơ đang ở trạng thái «Bản nháp»."
    )


def test_not_permitted_message_names_action_and_state():
    with pytest.raises(ActionNotPermitted) as info:
        next_status(S.REVIEWED, A.APPROVE, [R.HEAD])
    err = info.value
    assert isinstance(err, Forbidden)
    assert err.roles == frozenset({R.HEAD})
    assert "«Phê duyệt hỗ trợ»" in err.message
    assert "«Đã trình lãnh đạo»" in err.message
    assert err.message.startswith("Bạn không có quyền")


def test_terminal_states_have_no_way_out():
    for status in TERMINAL:
        assert all((status, a) not in TRANSITIONS for a in A)


def test_is_decided():
    decided = {S.APPROVED, S.REJECTED, S.ISSUED, S.RETURNED}
    for status in S:
        assert is_decided(status) is (status in decided)
    assert is_decided("approved")


def test_step_of_status_and_its_owner():
    assert STEP_OF_STATUS == {
        S.SUBMITTED: StepKey.RECEPTION,
        S.RECEIVED: StepKey.ASSIGNMENT,
        S.ASSIGNED: StepKey.APPRAISAL,
        S.APPRAISED: StepKey.REVIEW,
        S.REVIEWED: StepKey.DECISION,
        S.APPROVED: StepKey.ISSUING,
        S.REJECTED: StepKey.ISSUING,
        S.ISSUED: StepKey.RETURN,
    }
    assert set(ROLE_OF_STEP) == set(StepKey)
    # The owner of the step a dossier waits on can move it forward.
    for status, step in STEP_OF_STATUS.items():
        assert allowed_actions(status, [ROLE_OF_STEP[step]]), status
