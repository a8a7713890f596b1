"""The leader's forecast (grants.domain.forecast): projection and sentence, no app, no DB."""

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.domain.forecast import (
    MIN_SAMPLE,
    Conversion,
    ForecastInputs,
    Pace,
    PipelineEntry,
    RateBasis,
    forecast_sentence,
    project,
    spread_step,
)
from grants.domain.workflow_states import Status

M = 1_000_000
YEAR_END = date(2026, 12, 31)
CLOSED = Pace(intake_open=False)


def inputs(*, today=date(2026, 6, 15), budget=800 * M, committed=0, items=0, pipeline=(),
           pace=CLOSED, target=(16, 50)):
    return ForecastInputs(budget_vnd=budget, target_min=target[0], target_max=target[1],
                          committed_vnd=committed, items_approved=items,
                          pipeline=tuple(pipeline), pace=pace, today=today, year_end=YEAR_END)


def entry(items, amount, due_on, step=Status.APPRAISED, dossiers=1):
    return PipelineEntry(step=step, dossiers=dossiers, items=items, amount_vnd=amount,
                         due_on=due_on)


def test_no_pipeline_and_no_intake_keeps_todays_figures_to_the_year_end():
    f = project(inputs(committed=490 * M, items=12))
    assert [m.label for m in f.months] == [f"{m:02d}/2026" for m in range(6, 13)]
    assert {(m.items, m.committed_vnd, m.remaining_vnd) for m in f.months} == {
        (12, 490 * M, 310 * M)}
    assert (f.items, f.committed_vnd, f.remaining_vnd) == (12, 490 * M, 310 * M)
    assert not f.exceeds_budget
    assert forecast_sentence(f).startswith(
        "Với tốc độ hiện nay, đến cuối năm sẽ hỗ trợ 12 lượt nội dung và còn "
        "310.000.000 đ chưa sử dụng.")


def test_pipeline_lands_in_the_month_of_its_due_date_at_the_conversion_rate():
    pace = Pace(this_year=Conversion(ended=MIN_SAMPLE * 2, approved=MIN_SAMPLE),  # 50 %
                intake_open=False)
    f = project(inputs(committed=100 * M, items=4, pace=pace, pipeline=[
        entry(2, 60 * M, date(2026, 7, 10)),
        entry(4, 100 * M, date(2026, 9, 1), step=Status.RECEIVED),
        entry(6, 200 * M, date(2026, 6, 1)),  # overdue: counted this month
        entry(9, 300 * M, date(2027, 1, 20)),  # due after the year's end: not counted
    ]))
    by_label = {m.label: m for m in f.months}
    assert (by_label["06/2026"].items, by_label["06/2026"].committed_vnd) == (7, 200 * M)
    assert (by_label["07/2026"].items, by_label["07/2026"].committed_vnd) == (8, 230 * M)
    assert (by_label["08/2026"].items, by_label["08/2026"].committed_vnd) == (8, 230 * M)
    assert (by_label["09/2026"].items, by_label["09/2026"].committed_vnd) == (10, 280 * M)
    assert (f.items, f.committed_vnd, f.remaining_vnd) == (10, 280 * M, 520 * M)
    assert f.approval_rate == Fraction(1, 2) and f.rate_basis == RateBasis.YEAR


def test_pipeline_beyond_the_budget_is_capped_and_the_sentence_says_so():
    f = project(inputs(committed=700 * M, items=30, pipeline=[
        entry(2, 50 * M, date(2026, 7, 1)),
        entry(4, 200 * M, date(2026, 8, 1)),  # only 50 M of these 200 M fit
        entry(3, 90 * M, date(2026, 10, 1)),
    ]))
    by_label = {m.label: m for m in f.months}
    assert by_label["07/2026"].committed_vnd == 750 * M
    assert by_label["08/2026"].committed_vnd == 800 * M
    assert by_label["08/2026"].items == 33  # 30 + 2 + 4 × 50/200
    assert by_label["12/2026"].committed_vnd == 800 * M
    assert by_label["12/2026"].items == 33 and by_label["12/2026"].remaining_vnd == 0
    assert f.exceeds_budget and f.demand_vnd == 1040 * M and f.overrun_vnd == 240 * M
    assert f.exhausted_in == "08/2026"
    text = forecast_sentence(f)
    assert "sử dụng hết kinh phí 800.000.000 đ" in text
    assert "vượt kinh phí được giao 240.000.000 đ" in text and "tháng 08/2026" in text
    assert f.needs_attention


def test_expected_money_is_rounded_to_the_million_and_what_is_committed_kept_exact():
    f = project(inputs(committed=410_123_456, items=20,
                       pipeline=[entry(1, 33_333_333, date(2026, 7, 1))]))
    assert f.committed_vnd == 443_123_456 and f.remaining_vnd == 356_876_544
    capped = project(inputs(committed=410_123_456, items=20,
                            pipeline=[entry(9, 400_400_000, date(2026, 7, 1))]))
    assert capped.committed_vnd == 800 * M and capped.demand_vnd == 810_523_456
    assert "Nhu cầu dự kiến (khoảng 811.000.000 đ) vượt kinh phí được giao 11.000.000 đ" in (
        forecast_sentence(capped))


def test_shortfall_against_the_minimum_target_is_flagged_and_said():
    f = project(inputs(committed=200 * M, items=5, pipeline=[entry(3, 90 * M, date(2026, 9, 1))]))
    assert f.items == 8 and f.is_short and f.shortfall == 8 and f.needs_attention
    assert not f.exceeds_budget
    assert forecast_sentence(f) == (
        "Với tốc độ hiện nay, đến cuối năm sẽ hỗ trợ 8 lượt nội dung và còn 510.000.000 đ "
        "chưa sử dụng. Thấp hơn mục tiêu tối thiểu 16 lượt nội dung (còn thiếu 8).")


def test_in_range_says_nothing_more_and_over_the_maximum_says_so():
    in_range = project(inputs(items=20, committed=400 * M))
    assert not in_range.needs_attention
    assert "mục tiêu" not in forecast_sentence(in_range)
    over = project(inputs(items=52, committed=400 * M))
    assert "Vượt mức tối đa 50 lượt nội dung" in forecast_sentence(over)


def test_december_projects_one_month_and_new_intake_would_be_decided_next_year():
    pace = Pace(received=110, received_items=220, received_vnd=3_300 * M,
                intake_since=date(2026, 1, 5), processing_days=16)
    f = project(inputs(today=date(2026, 12, 20), committed=500 * M, items=18, pace=pace,
                       pipeline=[entry(2, 40 * M, date(2026, 12, 28))]))
    assert [m.label for m in f.months] == ["12/2026"]
    # Only the pipeline counts: a dossier received after today is decided 23 days later
    # (16 working days), in 2027.
    assert (f.items, f.committed_vnd) == (20, 540 * M)


def test_year_over_gives_the_final_figures_and_a_past_tense_sentence():
    f = project(inputs(today=date(2027, 1, 3), committed=500 * M, items=18))
    assert f.months == () and f.is_year_over and (f.items, f.committed_vnd) == (18, 500 * M)
    assert forecast_sentence(f).startswith("Năm đã kết thúc: đã hỗ trợ 18 lượt nội dung")


def test_intake_pace_adds_expected_new_dossiers_after_the_processing_time():
    # 30 dossiers received in 150 days (0.2 a day), 2 items and 40 M each, half approved.
    pace = Pace(this_year=Conversion(ended=20, approved=10), received=30, received_items=60,
                received_vnd=1_200 * M, intake_since=date(2026, 1, 1), processing_days=5)
    f = project(inputs(today=date(2026, 5, 30), pace=pace))
    months = {m.label: m for m in f.months}
    # Lag 7 days: nothing received after 30/5 is decided in May; June gets arrivals of
    # 31/5..23/6 (24 days × 0.2 × ½ = 2.4 dossiers: 4.8 items, 96 M).
    assert (months["05/2026"].items, months["05/2026"].committed_vnd) == (0, 0)
    assert (months["06/2026"].items, months["06/2026"].committed_vnd) == (5, 96 * M)
    # To the year's end: arrivals of 31/5..24/12 = 208 days → 20.8 dossiers, 41.6 items, 832 M:
    # more than the 800 M budget, so the budget runs out in December.
    assert f.demand_vnd == 832 * M and f.committed_vnd == 800 * M and f.exhausted_in == "12/2026"


def test_rate_falls_back_to_history_then_to_everything_approved():
    small = Conversion(ended=MIN_SAMPLE - 1, approved=3)
    assert Pace(this_year=small, earlier_years=Conversion(91, 57)).approval_rate() == (
        Fraction(60, 100), RateBasis.HISTORY)
    assert Pace().approval_rate() == (Fraction(1), RateBasis.NONE)


def test_a_steps_totals_are_shared_over_its_due_dates_without_loss():
    due = [(date(2026, 7, 1), 1), (date(2026, 8, 1), 2), (None, 3)]
    entries = spread_step(Status.APPRAISED, due, items=10, amount_vnd=100 * M + 1)
    assert [(e.due_on, e.dossiers) for e in entries] == due
    assert [e.items for e in entries] == [1, 4, 5]
    assert sum(e.amount_vnd for e in entries) == 100 * M + 1
    assert {e.step for e in entries} == {Status.APPRAISED}


@pytest.mark.parametrize("bad", [
    dict(step=Status.APPROVED), dict(items=-1), dict(amount_vnd=1.5), dict(dossiers=True)])
def test_pipeline_entries_refuse_impossible_figures(bad):
    fields = dict(step=Status.RECEIVED, dossiers=1, items=1, amount_vnd=1, due_on=None) | bad
    with pytest.raises(ValueError):
        PipelineEntry(**fields)


amounts = st.integers(min_value=0, max_value=400 * M)
entries = st.builds(
    entry, st.integers(min_value=0, max_value=6), amounts,
    st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2027, 3, 31))),
    st.sampled_from([Status.RECEIVED, Status.ASSIGNED, Status.APPRAISED, Status.REVIEWED]))
paces = st.builds(
    Pace, this_year=st.builds(lambda a, b: Conversion(a + b, a), st.integers(0, 50),
                              st.integers(0, 50)),
    received=st.integers(0, 500), received_items=st.integers(0, 1500),
    received_vnd=st.integers(0, 10_000 * M),
    intake_since=st.one_of(st.none(), st.dates(date(2025, 12, 1), date(2026, 12, 31))),
    processing_days=st.integers(0, 60), intake_open=st.booleans())


@settings(max_examples=300, deadline=None)
@given(budget=st.integers(0, 2_000 * M), used=st.integers(0, 2_000 * M),
       items=st.integers(0, 80), pipeline=st.lists(entries, max_size=12), pace=paces,
       today=st.dates(date(2025, 12, 1), date(2027, 1, 15)))
def test_projected_commitments_never_exceed_the_budget_nor_decrease(budget, used, items,
                                                                   pipeline, pace, today):
    committed = min(used, budget)
    f = project(inputs(today=today, budget=budget, committed=committed, items=items,
                       pipeline=pipeline, pace=pace))
    previous_vnd, previous_items = committed, items
    for month in f.months:
        assert previous_vnd <= month.committed_vnd <= budget
        assert month.remaining_vnd == budget - month.committed_vnd >= 0
        assert month.items >= previous_items
        previous_vnd, previous_items = month.committed_vnd, month.items
    assert (f.items, f.committed_vnd) == (previous_items, previous_vnd)
    assert f.demand_vnd >= f.committed_vnd
    assert f.exceeds_budget == (f.exhausted_in is not None)
    assert f.months == () if today > YEAR_END else f.months[-1].label == "12/2026"
    assert forecast_sentence(f)
