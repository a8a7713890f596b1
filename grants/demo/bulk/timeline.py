"""A generated dossier's timeline: the workflow's actions from creation to its final state, on
working days and office hours of the year's calendar, each by the person whose step it is.

The states come from the workflow table (``TRANSITIONS``) and the acting role from the step the
dossier waits on (``STEP_OF_STATUS`` × ``ROLE_OF_STEP``): only the pace is invented here.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from grants.demo.bulk.context import Year
from grants.domain.enums import Channel, Outcome
from grants.domain.roles import Role
from grants.domain.workflow import ROLE_OF_STEP, STEP_OF_STATUS, TRANSITIONS
from grants.domain.workflow_states import TERMINAL, Action, Status

CREATE = "create"
"""The first event: not a workflow action (the app records ``dossier.create``)."""

MAIN_LINE = (Action.SUBMIT, Action.RECEIVE, Action.ASSIGN, Action.APPRAISE, Action.REVIEW,
             Action.APPROVE, Action.ISSUE, Action.RETURN_RESULT)
"""The actions of a dossier that goes all the way (a rejection takes the approval's place)."""


def _main_line_levels() -> dict[Status, int]:
    state, levels = Status.DRAFT, {Status.DRAFT: 0}
    for level, action in enumerate(MAIN_LINE, start=1):
        state = TRANSITIONS[(state, action)][0]
        levels[state] = level
    levels[Status.REJECTED] = levels[Status.APPROVED]
    return levels


LEVEL = _main_line_levels()
"""How many main-line actions lead to each state of the main line."""


def reached(target: Status, state: Status) -> bool:
    """True when a dossier on its way to ``target`` passes through the main-line ``state``."""
    return LEVEL.get(target, 0) >= LEVEL[state]


# An open dossier of the current year had its last event at most this many working days ago.
_RECENT = {
    Status.DRAFT: 60, Status.SUBMITTED: 3, Status.SUPPLEMENT_REQUESTED: 30, Status.RECEIVED: 4,
    Status.ASSIGNED: 16, Status.APPRAISED: 6, Status.REVIEWED: 6, Status.APPROVED: 5,
    Status.REJECTED: 5, Status.ISSUED: 10,
    Status.SUPPLEMENT_BEFORE_ASSIGNMENT: 20, Status.SUPPLEMENT_DURING_APPRAISAL: 20,
}


@dataclass
class Event:
    action: str  # an Action, or CREATE
    to: Status
    day: int  # working-day index in the year's calendar
    minute: int  # office minute 0..479 (08:00-12:00, 13:00-17:00)
    actor: int | None
    local: datetime | None = None


class Timeline:
    """Draws timelines from ``rng``; ``staff_member(role)`` picks who acts for a staff role."""

    def __init__(self, rng: random.Random, current: Year | None,
                 staff_member: Callable[[Role], int]):
        self.rng, self.current, self.staff_member = rng, current, staff_member

    def path(self, target: Status, outcome: Outcome | None) -> list[str]:
        """The actions from creation to ``target`` (a tenth take a supplement round)."""
        path = [CREATE]
        if target is Status.DRAFT:
            return path
        path.append(Action.SUBMIT)
        if target is Status.SUPPLEMENT_REQUESTED:
            return [*path, Action.REQUEST_SUPPLEMENT]
        if target is Status.REFUSED:
            return [*path, Action.REFUSE]
        if target is Status.SUPPLEMENT_BEFORE_ASSIGNMENT:  # issue 14: papers after reception
            return [*path, Action.RECEIVE, Action.REQUEST_PAPERS]
        if target is Status.SUPPLEMENT_DURING_APPRAISAL:
            return [*path, Action.RECEIVE, Action.ASSIGN, Action.REQUEST_PAPERS]
        if self.rng.random() < 0.1:
            path += [Action.REQUEST_SUPPLEMENT, Action.RESUBMIT]
        decision = Action.APPROVE if outcome is Outcome.APPROVED else Action.REJECT
        path += [decision if action is Action.APPROVE else action
                 for action in MAIN_LINE[1:LEVEL[target]]]
        return path

    def _gap(self, action: str, channel: Channel, previous: str) -> int | None:
        """Working days since the previous event; None = the same moment (at the counter)."""
        rng = self.rng
        if action is Action.SUBMIT:
            return rng.choice((0, 0, 1, 1, 2, 3, 5)) if channel is Channel.ONLINE else None
        if action in (Action.RECEIVE, Action.REFUSE, Action.REQUEST_SUPPLEMENT):
            if channel is Channel.COUNTER and previous == Action.SUBMIT:
                return None if action is Action.RECEIVE else 0
            return rng.choice((0, 1, 1, 2))
        if action is Action.RESUBMIT:
            return rng.randint(2, 10)
        if action is Action.REQUEST_PAPERS:
            return rng.randint(1, 6)
        if action is Action.ASSIGN:
            return rng.choice((0, 1, 1, 2))
        if action is Action.APPRAISE:
            return rng.randint(4, 10) if rng.random() < 0.85 else rng.randint(11, 18)
        if action is Action.REVIEW:
            return rng.randint(1, 3)
        if action in (Action.APPROVE, Action.REJECT):
            return rng.randint(1, 4) if rng.random() < 0.9 else rng.randint(5, 8)
        if action is Action.ISSUE:
            return rng.choice((0, 1, 1, 2))
        if action is Action.RETURN_RESULT:
            return rng.randint(1, 6)
        return rng.randint(1, 10)  # withdraw

    def _actor(self, action: str, state: Status | None, *, applicant: int | None, clerk: int,
               member: int | None, assignee: int | None) -> int | None:
        """Who acts: the organisation's member withdraws; the owner of the step the dossier
        waits on acts on it (the clerk at the desk, the assigned appraiser); before any step
        the applicant (or the clerk for a paper dossier)."""
        if action is Action.WITHDRAW:
            return member
        step = STEP_OF_STATUS.get(state) if state is not None else None
        if step is None:
            return applicant
        role = ROLE_OF_STEP[step]
        if role is Role.CLERK:
            return clerk
        if role is Role.APPRAISER:
            return assignee
        return self.staff_member(role)

    def events(self, year: Year, status: Status, target: Status, outcome: Outcome | None,
               channel: Channel, *, applicant: int | None, clerk: int, member: int | None,
               assignee: int | None) -> list[Event]:
        """The dossier's events up to ``status`` (``target`` then withdrawn, if WITHDRAWN), all
        before today; an open dossier of the current year moved recently."""
        rng = self.rng
        path = self.path(target, outcome)
        if status is Status.WITHDRAWN:
            path.append(Action.WITHDRAW)
        gaps, previous = [], ""
        for action in path:
            gaps.append(0 if action == CREATE else self._gap(action, channel, previous))
            previous = action
        span = sum(g or 0 for g in gaps)
        lo, last = year.lo, year.last
        if year is self.current and status not in TERMINAL:
            end = rng.randint(max(lo, last - _RECENT[status]), last)
            start = max(lo, end - span)
        else:
            start = rng.randint(lo, max(lo, min(year.eoy, last - span)))
        events: list[Event] = []
        state = None
        day, minute = start, rng.randrange(480)
        for action, gap in zip(path, gaps, strict=True):
            if events:
                if gap is None:
                    pass
                elif gap == 0 or day + gap > last:
                    day = min(day + gap, last)
                    minute = min(479, minute + rng.randint(5, 90))
                else:
                    day += gap
                    minute = rng.randrange(480)
            actor = self._actor(action, state, applicant=applicant, clerk=clerk, member=member,
                                assignee=assignee)
            state = Status.DRAFT if action == CREATE else TRANSITIONS[(state, action)][0]
            offset = minute + 480 if minute < 240 else minute + 540
            local = year.midnight[day] + timedelta(minutes=offset)
            events.append(Event(action, state, day, minute, actor, local))
        return events
