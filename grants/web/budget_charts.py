"""The budget charts of a program year: its current figures (the read side) drawn by
grants.charts. Shared by the budget dashboard and the reports (not a blueprint)."""

from grants.charts import communes, forecast, items, months, overview, target
from grants.db import local_today
from grants.queries import budget
from grants.queries.forecast import year_forecast

BUDGET_CHARTS = ("overview", "months", "items", "communes", "target", "forecast")


def budget_chart(name: str, year) -> bytes:
    """One of ``BUDGET_CHARTS`` for a program year, drawn from its current figures."""
    number = year.year
    if name == "overview":
        return overview(number, budget.program_figures(year))
    if name == "months":
        return months(number, budget.monthly_figures(year))
    if name == "items":
        return items(number, budget.by_catalogue_item(year))
    if name == "communes":
        return communes(number, budget.by_commune(year))
    if name == "forecast":
        return _forecast(year)
    return target(number, budget.target_progress(year))


def _forecast(year) -> bytes:
    today = local_today()
    projection = year_forecast(year, today).months
    # The committed line runs to the end of the last month over; the projection (which counts
    # this month's commitments so far) carries on from there. A year over: the whole year.
    if projection:
        actual = [m for m in budget.monthly_figures(year)
                  if m.year == year.year and (m.year, m.month) < (today.year, today.month)]
    else:
        actual = [m for m in budget.monthly_figures(year) if m.year == year.year]
    return forecast(year.year, actual,
                    [m for m in projection if m.year == year.year], year.budget_vnd)
