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
    # issue 14, path 1: papers asked after reception; back to the step that asked
    (S.RECEIVED, A.REQUEST_PAPERS, R.HEAD, S.SUPPLEMENT_BEFORE_ASSIGNMENT),
    (S.ASSIGNED, A.REQUEST_PAPERS, R.HEAD, S.SUPPLEMENT_DURING_APPRAISAL),
    (S.ASSIGNED, A.REQUEST_PAPERS, R.APPRAISER, S.SUPPLEMENT_DURING_APPRAISAL),
    (S.SUPPLEMENT_BEFORE_ASSIGNMENT, A.RESUBMIT, R.APPLICANT, S.RECEIVED),
    (S.SUPPLEMENT_BEFORE_ASSIGNMENT, A.RESUBMIT, R.CLERK, S.RECEIVED),
    (S.SUPPLEMENT_DURING_APPRAISAL, A.RESUBMIT, R.APPLICANT, S.ASSIGNED),
    (S.SUPPLEMENT_DURING_APPRAISAL, A.RESUBMIT, R.CLERK, S.ASSIGNED),
    (S.SUPPLEMENT_BEFORE_ASSIGNMENT, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.SUPPLEMENT_DURING_APPRAISAL, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    # issue 14, path 2: the role owning the running step apologises; the state stays
    (S.RECEIVED, A.APOLOGISE, R.HEAD, S.RECEIVED),
    (S.ASSIGNED, A.APOLOGISE, R.APPRAISER, S.ASSIGNED),
    (S.APPRAISED, A.APOLOGISE, R.HEAD, S.APPRAISED),
    (S.REVIEWED, A.APOLOGISE, R.LEADER, S.REVIEWED),
    (S.APPROVED, A.APOLOGISE, R.RECORDS, S.APPROVED),
    (S.REJECTED, A.APOLOGISE, R.RECORDS, S.REJECTED),
    (S.ISSUED, A.APOLOGISE, R.CLERK, S.ISSUED),
    (S.DRAFT, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.SUBMITTED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.RECEIVED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.ASSIGNED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.APPRAISED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.REVIEWED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    # The Chairman's path (issue 14.3): the Department proposes, the Committee decides.
    (S.REVIEWED, A.SUBMIT_TO_COMMITTEE, R.LEADER, S.SUBMITTED_TO_COMMITTEE),
    (S.SUBMITTED_TO_COMMITTEE, A.RECORD_COMMITTEE_APPROVAL, R.LEADER, S.APPROVED),
    (S.SUBMITTED_TO_COMMITTEE, A.RECORD_COMMITTEE_REJECTION, R.LEADER, S.REJECTED),
    (S.SUBMITTED_TO_COMMITTEE, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
    (S.SUBMITTED_TO_COMMITTEE, A.APOLOGISE, R.LEADER, S.SUBMITTED_TO_COMMITTEE),
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
        A.APOLOGISE,
        A.RETURN_FOR_REWORK,
        A.APPROVE,
        A.REJECT,
        A.SUBMIT_TO_COMMITTEE,
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
        S.SUBMITTED_TO_COMMITTEE: StepKey.COMMITTEE,
        S.APPROVED: StepKey.ISSUING,
        S.REJECTED: StepKey.ISSUING,
        S.ISSUED: StepKey.RETURN,
    }
    assert set(ROLE_OF_STEP) == set(StepKey)
    # The owner of the step a dossier waits on can move it forward.
    for status, step in STEP_OF_STATUS.items():
        assert allowed_actions(status, [ROLE_OF_STEP[step]]), status


def test_state_groups_partition_status():
    from grants.domain.workflow_states import (
        APPROVED_OR_LATER,
        DECIDED,
        ENDED_UNDECIDED,
        IN_PROCESS,
        NOT_FILED,
        PAUSED_IN_PROCESS,
        TERMINAL,
        UNDECIDED,
        WITHDRAWABLE,
    )
    parts = [{Status.DRAFT}, UNDECIDED, DECIDED, ENDED_UNDECIDED]
    assert set().union(*parts) == set(Status)
    assert sum(len(p) for p in parts) == len(Status)  # pairwise disjoint
    # A dossier paused for papers after reception is undecided but its clock does not run.
    assert IN_PROCESS == UNDECIDED - {Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED} \
        - PAUSED_IN_PROCESS
    assert APPROVED_OR_LATER == DECIDED - {Status.REJECTED}
    assert NOT_FILED == {Status.DRAFT, Status.WITHDRAWN}
    assert TERMINAL == ENDED_UNDECIDED | {Status.RETURNED}
    assert WITHDRAWABLE == {s for (s, a) in TRANSITIONS if a == Action.WITHDRAW}
    # Every undecided state can still reach a decision; no decided state goes back.
    assert all(to not in UNDECIDED | {Status.DRAFT}
               for (s, _a), (to, _r) in TRANSITIONS.items() if s in DECIDED)


def test_waiting_for_follows_the_steps():
    from grants.domain.workflow import ROLE_OF_STEP, STEP_OF_STATUS, WAITING_FOR
    assert WAITING_FOR[Role.CLERK] == (Status.SUBMITTED, Status.ISSUED)
    assert WAITING_FOR[Role.HEAD] == (Status.RECEIVED, Status.APPRAISED)
    assert WAITING_FOR[Role.APPRAISER] == (Status.ASSIGNED,)
    assert WAITING_FOR[Role.LEADER] == (Status.REVIEWED, Status.SUBMITTED_TO_COMMITTEE)
    assert WAITING_FOR[Role.RECORDS] == (Status.APPROVED, Status.REJECTED)
    assert {s for states in WAITING_FOR.values() for s in states} == set(STEP_OF_STATUS)
    assert Role.APPLICANT not in WAITING_FOR and set(WAITING_FOR) == set(ROLE_OF_STEP.values())


@pytest.mark.parametrize(("authority", "offered", "withheld"), [
    ("director", A.APPROVE, A.SUBMIT_TO_COMMITTEE),
    ("chairman", A.SUBMIT_TO_COMMITTEE, A.APPROVE),
])
def test_the_years_authority_chooses_the_approval_route(authority, offered, withheld):
    """Issue 14.3: the Director approves; where the Chairman decides, the Department submits a
    proposal to the People's Committee instead. Either may reject with a written reply."""
    actions = allowed_actions(S.REVIEWED, [R.LEADER], authority)
    assert offered in actions and withheld not in actions and A.REJECT in actions
    from grants.domain.workflow import fits_authority

    assert fits_authority(offered, authority) and not fits_authority(withheld, authority)
    assert fits_authority(A.REJECT, authority) and fits_authority(A.ISSUE, authority)
