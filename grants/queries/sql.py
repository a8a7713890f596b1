"""SQL pieces shared by the queries and the ledger: status groups as ``IN()`` values, the
ledger's signed sums (built from the domain's sign table), the "approved" tests and the name
search."""

from collections.abc import Iterable

from sqlalchemy import and_, case, func, literal_column

from grants.domain.budget import LEDGER_SIGNS
from grants.domain.enums import Outcome
from grants.domain.text import search_key
from grants.domain.workflow_states import Status
from grants.models import Dossier, DossierItem, LedgerEntry, Organisation


def status_values(states: Iterable[Status]) -> list[str]:
    """The values of a group of states, in workflow order (what ``IN()`` needs)."""
    wanted = set(states)
    return [s.value for s in Status if s in wanted]


def signed_amount(column: int):
    """SQL: each ledger entry's signed share of the committed (``column`` 0) or disbursed (1)
    total, from ``grants.domain.budget.LEDGER_SIGNS``."""
    amount = LedgerEntry.amount_vnd
    whens = [(LedgerEntry.kind == kind.value, amount if signs[column] > 0 else -amount)
             for kind, signs in LEDGER_SIGNS.items() if signs[column]]
    return case(*whens, else_=0)


def signed_sums():
    """(committed, disbursed) SQL sums: releases and reversals subtract."""
    return func.sum(signed_amount(0)), func.sum(signed_amount(1))


# The constants are written into the SQL rather than bound, so that the planner can see that
# these tests imply the WHERE of the partial indexes ix_dossiers_live_approval and
# ix_dossier_items_approved (SQLite never matches a bound parameter against a partial index).
_APPROVED = literal_column(f"'{Outcome.APPROVED.value}'")
_ZERO = literal_column("0")


def live_approval():
    """SQL test for a dossier approved with a live commitment (outcome approved and
    ``approved_vnd > 0``): the dossiers whose items count as approved."""
    return and_(Dossier.outcome == _APPROVED, Dossier.approved_vnd > _ZERO)


def approved_item():
    """SQL test for an item granted an amount (with ``live_approval`` on its dossier)."""
    return DossierItem.approved_vnd > _ZERO


def name_matches(text: str):
    """SQL: the organisation's name contains ``text``, with or without diacritics and in any
    case (both sides folded by ``grants.domain.text.search_key``; LIKE wildcards are literal).
    Every name search of the app goes through here."""
    return Organisation.search_name.contains(search_key(text), autoescape=True)
