"""Lockout and "use once" hold under concurrency: attempts fired from eight threads at once (each
with its own app context, session and connection, as parallel requests are) are each counted,
and a TOTP code or a recovery code lets in one login only.

The PostgreSQL runs are the ones that matter (the conditional UPDATEs, ordered by the row
lock); on SQLite, where writers are serialised by BEGIN IMMEDIATE, the same races run too.
"""

import time
from collections import Counter

import pyotp
import pytest

from grants.db import atomic
from grants.domain.roles import Role
from tests.factories import PASSWORD
from tests.integration.test_budget_concurrency import THREADS, run_together


@pytest.fixture
def enrolled(db, make_user):
    """A leader with two-factor on: (user id, secret, recovery codes), all committed."""
    from grants.services import two_factor

    leader = make_user(Role.LEADER)
    secret = two_factor.start_enrolment(leader)
    codes = two_factor.enable(leader, code=pyotp.TOTP(secret).now())
    user_id = leader.id
    db.session.commit()  # no open transaction in this thread while the workers run
    return user_id, secret, codes


def _second_factor_logins(app, db, user_id, code):
    """What the two-factor page does with ``code``, from THREADS threads at once."""
    from grants.models import User
    from grants.services import sessions, two_factor

    def login(_):
        with atomic():
            user = db.session.get(User, user_id)
            how = two_factor.verify(user, code)
            if how is not None:
                sessions.logged_in(user, second_factor=how)
            return how

    return Counter(run_together(app, login))


def test_parallel_wrong_passwords_each_count_and_lock_the_account(app, db, make_user):
    from grants.models import User
    from grants.services import sessions

    user = make_user(Role.CLERK)
    user_id, email = user.id, user.email
    db.session.commit()

    def wrong(_):
        with atomic():
            return sessions.check_credentials(email, "not-the-password")

    assert run_together(app, wrong) == [None] * THREADS
    db.session.expire_all()
    user = db.session.get(User, user_id)
    # Every attempt that found the account open counted (on SQLite, serialised, those after
    # the lockout are refused without counting; on PostgreSQL all eight found it open).
    assert user.failed_logins >= app.config["LOCKOUT_THRESHOLD"]
    assert sessions.is_locked(user)
    with atomic():
        assert sessions.check_credentials(email, PASSWORD) is None  # locked: refused


def test_a_totp_code_used_by_parallel_logins_lets_one_in(app, db, enrolled):
    user_id, secret, _ = enrolled
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the enrolment spent the current step
    assert _second_factor_logins(app, db, user_id, code) == {"totp": 1, None: THREADS - 1}


def test_a_recovery_code_used_by_parallel_logins_lets_one_in(app, db, enrolled):
    from grants.models import User
    from grants.services import two_factor

    user_id, _, codes = enrolled
    assert _second_factor_logins(app, db, user_id, codes[0]) == {"recovery": 1,
                                                                  None: THREADS - 1}
    db.session.expire_all()
    assert two_factor.remaining_codes(db.session.get(User, user_id)) == len(codes) - 1
