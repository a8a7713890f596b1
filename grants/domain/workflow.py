"""The dossier workflow as one table: who may move a dossier from which state to which."""

from collections.abc import Iterable
from enum import StrEnum

from grants.domain.errors import Conflict, Forbidden
from grants.domain.roles import Role
from grants.domain.workflow_states import TERMINAL, Action, Status

__all__ = [
    "DECIDED",
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
    "allowed_actions",
    "is_decided",
    "next_status",
]

_WITHDRAWABLE = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.SUPPLEMENT_REQUESTED,
    Status.RECEIVED,
    Status.ASSIGNED,
    Status.APPRAISED,
    Status.REVIEWED,
)

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
    **{
        (status, Action.WITHDRAW): (Status.WITHDRAWN, frozenset({Role.APPLICANT}))
        for status in _WITHDRAWABLE
    },
}
"""(current state, action) -> (next state, roles any one of which may perform the action)."""

DECIDED = frozenset({Status.APPROVED, Status.REJECTED, Status.ISSUED, Status.RETURNED})
"""States in which the leadership has approved or rejected the dossier."""


class StepKey(StrEnum):
    """Keys of the internal procedure steps (see ``grants.domain.deadlines``)."""

    RECEPTION = "reception"
    ASSIGNMENT = "assignment"
    APPRAISAL = "appraisal"
    REVIEW = "review"
    DECISION = "decision"
    ISSUING = "issuing"
    RETURN = "return"


STEP_OF_STATUS: dict[Status, StepKey] = {
    Status.SUBMITTED: StepKey.RECEPTION,
    Status.RECEIVED: StepKey.ASSIGNMENT,
    Status.ASSIGNED: StepKey.APPRAISAL,
    Status.APPRAISED: StepKey.REVIEW,
    Status.REVIEWED: StepKey.DECISION,
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
    StepKey.ISSUING: Role.RECORDS,
    StepKey.RETURN: Role.CLERK,
}
"""The role that owns each step (and is answerable when it runs late)."""


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


def allowed_actions(status: Status | str, roles: Iterable[Role | str] | Role) -> list[Action]:
    """Return the actions a user holding ``roles`` may perform now, in ``Action`` order."""
    status = Status(status)
    held = _as_roles(roles)
    return [
        action
        for action in Action
        if (entry := TRANSITIONS.get((status, action))) is not None and held & entry[1]
    ]


def is_decided(status: Status | str) -> bool:
    """True once the dossier has been approved or rejected (including issued and returned)."""
    return Status(status) in DECIDED
