"""Every chart is a self-contained SVG: no script, nothing loaded from the network (pygal's
default SVG loads its tooltip script from kozea.github.io), no style sheet or font from
elsewhere, and the same bytes for the same figures; its labels keep their Vietnamese text."""

import re
from datetime import date
from types import SimpleNamespace

import pytest

from grants import charts
from grants.domain.budget import TargetProgress

NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _month(month, committed, disbursed, cumulative=0, year=2026):
    return SimpleNamespace(year=year, month=month, committed_vnd=committed,
                           disbursed_vnd=disbursed, cumulative_committed_vnd=cumulative)


MONTHS = [_month(m, m * 10_000_000, m * 4_000_000, m * 55_000_000) for m in range(1, 13)]
FIGURES = {"budget_vnd": 800_000_000, "committed_vnd": 477_600_000,
           "disbursed_vnd": 190_800_000, "remaining_vnd": 322_400_000}
ITEMS = [SimpleNamespace(code=f"MUC{i}", approved_vnd=(20 - i) * 1_000_000, items=i + 1)
         for i in range(15)]
COMMUNES = [SimpleNamespace(commune=f"Phường Đông Ngàn {i}", approved_vnd=(9 - i) * 10_000_000,
                            paid_vnd=(9 - i) * 5_000_000) for i in range(9)]
PROJECTION = [SimpleNamespace(month=m, committed_vnd=330_000_000 + (m - 6) * 45_000_000)
              for m in range(7, 13)]

CHARTS = {
    "overview": lambda: charts.overview(2026, FIGURES),
    "months": lambda: charts.months(2026, MONTHS),
    "months, empty": lambda: charts.months(2026, []),
    "items": lambda: charts.items(2026, ITEMS),
    "items, empty": lambda: charts.items(2026, []),
    "communes": lambda: charts.communes(2026, COMMUNES),
    "communes, empty": lambda: charts.communes(2026, []),
    "target": lambda: charts.target(2026, TargetProgress(16, 50, 14)),
    "forecast": lambda: charts.forecast(2026, MONTHS[:6], PROJECTION, 800_000_000),
    "forecast, empty": lambda: charts.forecast(2026, [], [], 800_000_000),
    "grouped, horizontal": lambda: charts.grouped_bars(
        "Thời gian trung bình mỗi bước so với định mức, năm 2026",
        ("Tiếp nhận hồ sơ", "Thẩm định hồ sơ và thẩm định thực tế tại tổ chức"),
        (("Định mức", (0.5, 10)), ("Thực tế (trung bình)", (0.74, 8.93))),
        unit="ngày làm việc", decimal=True),
    "grouped, vertical money": lambda: charts.grouped_bars(
        "Kinh phí qua các năm", ("2025", "2026"),
        (("Được giao", (700_000_000, 800_000_000)), ("Đã cam kết", (696_400_000, 0))),
        unit="triệu đồng", money=True, horizontal=False),
    "grouped, empty": lambda: charts.grouped_bars(
        "Hồ sơ đã giải quyết, năm 2026", (), (("Số hồ sơ", ()),), unit="số hồ sơ",
        empty_text="Chưa có hồ sơ nào được giải quyết."),
}


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_runs_nothing_and_loads_nothing(name):
    drawn = CHARTS[name]().decode("utf-8")
    assert drawn.startswith("<?xml") and "<svg" in drawn
    assert "<script" not in drawn.lower() and "javascript" not in drawn.lower()
    assert set(re.findall(r"https?://[^\s\"'<>)]+", drawn)) <= NAMESPACES
    assert "@import" not in drawn and "xml-stylesheet" not in drawn
    assert "href=" not in drawn.replace('href="#', "")  # only links inside the SVG
    assert "<!--" not in drawn  # pygal's comments carry a date and its web address


@pytest.mark.parametrize("name", CHARTS)
def test_equal_figures_give_equal_bytes(name):
    charts.grouped_bars.cache_clear()
    first = CHARTS[name]()
    charts.grouped_bars.cache_clear()
    assert CHARTS[name]() == first


def test_the_charts_carry_their_titles_units_and_values():
    overview = charts.overview(2026, FIGURES).decode()
    assert "<title>Kinh phí năm 2026</title>" in overview
    assert "triệu đồng" in overview and "477,6 tr (59,7 %)" in overview
    assert ">Còn lại (chưa cam kết)<" in overview
    months = charts.months(2026, MONTHS).decode()
    assert "Cam kết (ròng)" in months and "Giải ngân (ròng)" in months and ">120<" in months
    assert ">T12<" in months
    communes = charts.communes(2026, COMMUNES).decode()
    assert ">Phường Đông Ngàn 0<" in communes and "90 tr" in communes
    target = charts.target(2026, TargetProgress(16, 50, 14)).decode()
    assert "Mục tiêu 16–50" in target and "14 mục · Chưa đạt" in target
    assert 'class="target-band"' in target


@pytest.mark.parametrize("name", CHARTS)
def test_the_only_title_is_the_charts_own(name):
    """No tooltip data: no <desc>, and no <title> under the axis labels, which a browser
    would show on hover."""
    drawn = CHARTS[name]().decode("utf-8")
    assert drawn.count("<title>") == 1 and "<desc" not in drawn
    assert re.search(r"<svg[^>]*><defs>.*?</defs><title>[^<]+</title>", drawn, re.S)


def test_a_chart_without_figures_says_so():
    assert "Chưa có cam kết hay khoản chi nào trong năm." in charts.months(2026, []).decode()
    assert "Chưa có hồ sơ nào được phê duyệt." in charts.communes(2026, []).decode()
    assert "Chưa có hồ sơ nào được giải quyết." in CHARTS["grouped, empty"]().decode()


def test_the_forecast_draws_the_budget_line_and_ends_on_the_projection():
    drawn = CHARTS["forecast"]().decode()
    assert "Kinh phí được giao (800 tr)" in drawn and "Dự báo (lũy kế)" in drawn
    assert "600 tr" in drawn  # the last projected month-end, printed beside its point
    assert drawn.count('class="line reactive nofill"') == 3  # budget, so far, projected


def test_the_values_above_vertical_bars_stand_upright():
    drawn = charts.months(2026, MONTHS).decode()
    assert re.search(r'<text [^>]*transform="rotate\(-90 [^"]*"[^>]*>120</text>', drawn)


def test_today_changes_nothing():
    """pygal writes the date into a comment; the charts leave it out."""
    assert date.today().isoformat() not in charts.months(2026, MONTHS).decode()


def test_pygal_leaves_no_import_hook_behind():
    """pygal's map-plugin hook would make every later failed import warn on Python 3.11."""
    import subprocess
    import sys

    probe = ("import sys, warnings; warnings.simplefilter('error'); import grants.charts; "
             "assert not [f for f in sys.meta_path if type(f).__name__ == 'PluginImportFixer']; "
             "import grants.exports.reports")
    subprocess.run([sys.executable, "-c", probe], check=True)  # noqa: S603 - our own probe
