"""Report 1: budget execution (allocated, committed, disbursed, remaining; by month)."""

from dataclasses import dataclass

from grants.models import ProgramYear
from grants.queries.budget import BudgetShares, MonthFigures, monthly_figures


@dataclass(frozen=True, slots=True)
class BudgetExecution(BudgetShares):
    """A year's money: headline figures and net flows per month of the ledger's ``entry_on``.

    ``months`` always holds the 12 months of the program year (empty ones as zeros), followed by
    any other month with entries (e.g. a payment made in January of the next year), so the
    monthly rows always add up to the headline figures.
    """

    year: int
    budget_vnd: int
    committed_vnd: int
    disbursed_vnd: int
    months: list[MonthFigures]


def budget_execution(year: ProgramYear) -> BudgetExecution:
    """Allocated, committed, disbursed and remaining for ``year``, with the flows by month."""
    months = monthly_figures(year)
    last = months[-1]
    return BudgetExecution(year.year, year.budget_vnd, last.cumulative_committed_vnd,
                           last.cumulative_disbursed_vnd, months)
