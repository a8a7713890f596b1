"""The dossier workflow as one table: who may move a dossier from which state to which."""

from collections.abc import Iterable
from enum import StrEnum

from grants.domain.errors import Conflict, Forbidden
from grants.domain.roles import Role
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
    Action,
    Status,
)

__all__ = [
    "APPROVED_OR_LATER",
    "DECIDED",
    "ENDED_UNDECIDED",
    "IN_PROCESS",
    "NOT_FILED",
    "PAUSED_IN_PROCESS",
    "APOLOGY_STATES",
    "UNDECIDED",
    "WAITING_FOR",
    "WITHDRAWABLE",
    "ROLE_OF_STEP",
    "STEP_OF_STATUS",
    "TERMINAL",
    "TRANSITIONS",
    "Action",
    "ActionNotPermitted",
    "InvalidTransition",
    "Role",
    "Status",
    "StepKey",
    "AUTHORITY_ACTIONS",
    "allowed_actions",
    "fits_authority",
    "is_decided",
    "next_status",
]

TRANSITIONS: dict[tuple[Status, Action], tuple[Status, frozenset[Role]]] = {
    (Status.DRAFT, Action.SUBMIT): (Status.SUBMITTED, frozenset({Role.APPLICANT, Role.CLERK})),
    (Status.SUBMITTED, Action.RECEIVE): (Status.RECEIVED, frozenset({Role.CLERK})),
    (Status.SUBMITTED, Action.REQUEST_SUPPLEMENT): (
        Status.SUPPLEMENT_REQUESTED,
        frozenset({Role.CLERK}),
    ),
    (Status.SUBMITTED, Action.REFUSE): (Status.REFUSED, frozenset({Role.CLERK})),
    (Status.SUPPLEMENT_REQUESTED, Action.RESUBMIT): (
        Status.SUBMITTED,
        frozenset({Role.APPLICANT, Role.CLERK}),
    ),
    (Status.RECEIVED, Action.ASSIGN): (Status.ASSIGNED, frozenset({Role.HEAD})),
    # Reassigning to another appraiser keeps the state.
    (Status.ASSIGNED, Action.ASSIGN): (Status.ASSIGNED, frozenset({Role.HEAD})),
    (Status.ASSIGNED, Action.RECORD_VISIT): (Status.ASSIGNED, frozenset({Role.APPRAISER})),
    (Status.ASSIGNED, Action.APPRAISE): (Status.APPRAISED, frozenset({Role.APPRAISER})),
    (Status.APPRAISED, Action.REVIEW): (Status.REVIEWED, frozenset({Role.HEAD})),
    (Status.APPRAISED, Action.RETURN_FOR_REWORK): (Status.ASSIGNED, frozenset({Role.HEAD})),
    (Status.REVIEWED, Action.APPROVE): (Status.APPROVED, frozenset({Role.LEADER})),
    (Status.REVIEWED, Action.REJECT): (Status.REJECTED, frozenset({Role.LEADER})),
    (Status.REVIEWED, Action.RETURN_FOR_REWORK): (
        Status.ASSIGNED,
        frozenset({Role.LEADER, Role.HEAD}),
    ),
    (Status.APPROVED, Action.ISSUE): (Status.ISSUED, frozenset({Role.RECORDS})),
    (Status.REJECTED, Action.ISSUE): (Status.ISSUED, frozenset({Role.RECORDS})),
    (Status.ISSUED, Action.RETURN_RESULT): (Status.RETURNED, frozenset({Role.CLERK})),
    # Issue 14, path 1: after reception, the head of division (before or during appraisal) or
    # the appraiser (during appraisal) asks for more papers; the answer returns the dossier to
    # the step that asked.
    (Status.RECEIVED, Action.REQUEST_PAPERS): (
        Status.SUPPLEMENT_BEFORE_ASSIGNMENT,
        frozenset({Role.HEAD}),
    ),
    (Status.ASSIGNED, Action.REQUEST_PAPERS): (
        Status.SUPPLEMENT_DURING_APPRAISAL,
        frozenset({Role.HEAD, Role.APPRAISER}),
    ),
    (Status.SUPPLEMENT_BEFORE_ASSIGNMENT, Action.RESUBMIT): (
        Status.RECEIVED,
        frozenset({Role.APPLICANT, Role.CLERK}),
    ),
    (Status.SUPPLEMENT_DURING_APPRAISAL, Action.RESUBMIT): (
        Status.ASSIGNED,
        frozenset({Role.APPLICANT, Role.CLERK}),
    ),
    **{  # The Chairman's path (issue 14.3); see AUTHORITY_ACTIONS for which years take it.
        (Status.REVIEWED, Action.SUBMIT_TO_COMMITTEE): (
            Status.SUBMITTED_TO_COMMITTEE, frozenset({Role.LEADER})),
        (Status.SUBMITTED_TO_COMMITTEE, Action.RECORD_COMMITTEE_APPROVAL): (
            Status.APPROVED, frozenset({Role.LEADER})),
        (Status.SUBMITTED_TO_COMMITTEE, Action.RECORD_COMMITTEE_REJECTION): (
            Status.REJECTED, frozenset({Role.LEADER})),
    },
    **{
        (status, Action.WITHDRAW): (Status.WITHDRAWN, frozenset({Role.APPLICANT}))
        for status in sorted(WITHDRAWABLE, key=list(Status).index)
    },
}
"""(current state, action) -> (next state, roles any one of which may perform the action)."""

AUTHORITY_ACTIONS: dict[str, frozenset[Action]] = {
    "director": frozenset({Action.APPROVE}),
    "chairman": frozenset({Action.SUBMIT_TO_COMMITTEE}),
}
"""The year's deciding authority (``grants.domain.enums.Authority`` values) → how a reviewed
dossier is approved: the Director approves it; where the provincial Chairman decides, the
Department submits a proposal (Tờ trình) to the People's Committee and records its decision
when it comes back. Either may reject with a written reply (seed 000)."""

AUTHORITY_BOUND = frozenset().union(*AUTHORITY_ACTIONS.values())


def fits_authority(action: Action | str, authority: str) -> bool:
    """False for an approval route that is not the year's (``AUTHORITY_ACTIONS``)."""
    action = Action(action)
    return action not in AUTHORITY_BOUND or action in AUTHORITY_ACTIONS.get(authority, ())


class StepKey(StrEnum):
    """Keys of the internal procedure steps (see ``grants.domain.deadlines``)."""

    RECEPTION = "reception"
    ASSIGNMENT = "assignment"
    APPRAISAL = "appraisal"
    REVIEW = "review"
    DECISION = "decision"
    COMMITTEE = "committee"
    ISSUING = "issuing"
    RETURN = "return"


STEP_OF_STATUS: dict[Status, StepKey] = {
    Status.SUBMITTED: StepKey.RECEPTION,
    Status.RECEIVED: StepKey.ASSIGNMENT,
    Status.ASSIGNED: StepKey.APPRAISAL,
    Status.APPRAISED: StepKey.REVIEW,
    Status.REVIEWED: StepKey.DECISION,
    Status.SUBMITTED_TO_COMMITTEE: StepKey.COMMITTEE,
    Status.APPROVED: StepKey.ISSUING,
    Status.REJECTED: StepKey.ISSUING,
    Status.ISSUED: StepKey.RETURN,
}
"""The step an open dossier is waiting on; states without a running clock are absent."""

ROLE_OF_STEP: dict[StepKey, Role] = {
    StepKey.RECEPTION: Role.CLERK,
    StepKey.ASSIGNMENT: Role.HEAD,
    StepKey.APPRAISAL: Role.APPRAISER,
    StepKey.REVIEW: Role.HEAD,
    StepKey.DECISION: Role.LEADER,
    StepKey.COMMITTEE: Role.LEADER,  # follows up the external step and records its decision
    StepKey.ISSUING: Role.RECORDS,
    StepKey.RETURN: Role.CLERK,
}
"""The role that owns each step (and is answerable when it runs late)."""

WAITING_FOR: dict[Role, tuple[Status, ...]] = {
    role: tuple(s for s, step in STEP_OF_STATUS.items() if ROLE_OF_STEP[step] == role)
    for role in Role if role in ROLE_OF_STEP.values()
}
"""What each staff role works on: the states whose running step it owns."""

APOLOGY_STATES = frozenset(STEP_OF_STATUS) - {Status.SUBMITTED}
"""Issue 14, path 2: the states in which a received dossier can run late; the role owning the
running step apologises and sets a new return date (the state does not change)."""

TRANSITIONS.update({
    (status, Action.APOLOGISE): (status, frozenset({ROLE_OF_STEP[STEP_OF_STATUS[status]]}))
    for status in sorted(APOLOGY_STATES, key=list(Status).index)
})


class InvalidTransition(Conflict):
    """The action does not exist for the dossier's current state (HTTP 409)."""

    code = "invalid_transition"

    def __init__(self, status: Status, action: Action):
        super().__init__(
            f"Không thể thực hiện thao tác «{action.label}» khi hồ sơ đang ở trạng thái "
            f"«{status.label}»."
        )
        self.status = status
        self.action = action


class ActionNotPermitted(Forbidden):
    """The action exists for the current state, but none of the user's roles may do it."""

    code = "action_not_permitted"

    def __init__(self, status: Status, action: Action, roles: frozenset[Role]):
        super().__init__(
            f"Bạn không có quyền thực hiện thao tác «{action.label}» đối với hồ sơ ở trạng thái "
            f"«{status.label}»."
        )
        self.status = status
        self.action = action
        self.roles = roles


def _as_roles(roles: Iterable[Role | str] | Role) -> frozenset[Role]:
    # A bare Role is a str, and iterating it would yield its letters.
    if isinstance(roles, str):
        roles = (roles,)
    return frozenset(Role(role) for role in roles)


def next_status(
    status: Status | str, action: Action | str, roles: Iterable[Role | str] | Role
) -> Status:
    """Return the state reached when a user holding ``roles`` performs ``action``.

    Raises InvalidTransition if ``action`` is not possible from ``status`` at all, and
    ActionNotPermitted if it is possible but none of ``roles`` may perform it.
    Raises ValueError for strings that are not a Status, Action or Role value.
    """
    status, action = Status(status), Action(action)
    entry = TRANSITIONS.get((status, action))
    if entry is None:
        raise InvalidTransition(status, action)
    target, permitted = entry
    held = _as_roles(roles)
    if not held & permitted:
        raise ActionNotPermitted(status, action, held)
    return target


def allowed_actions(status: Status | str, roles: Iterable[Role | str] | Role,
                    authority: str | None = None) -> list[Action]:
    """Return the actions a user holding ``roles`` may perform now, in ``Action`` order; with
    the year's ``authority``, without the approval route that is not the year's."""
    status = Status(status)
    held = _as_roles(roles)
    return [
        action
        for action in Action
        if (entry := TRANSITIONS.get((status, action))) is not None and held & entry[1]
        and (authority is None or fits_authority(action, authority))
    ]


def is_decided(status: Status | str) -> bool:
    """True once the dossier has been approved or rejected (including issued and returned)."""
    return Status(status) in DECIDED
