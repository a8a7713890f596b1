"""Charts: server-side pygal (no Flask) drawing SVG for the budget dashboard and the reports.
Large type for a projector; greys plus hatching and printed values so charts survive a
black-and-white printer.

The drawing functions take plain figures and return SVG bytes; ``budget_chart`` (in
grants.web.budget_charts) reads the figures of one program year for the budget charts both pages
show. pygal was chosen over matplotlib for time: a chart costs a few milliseconds where
matplotlib's empty axes alone cost about 30 (issue 15, point 6).

Every SVG is self-contained: no script (pygal's tooltip script and its configuration are taken
out, and ``js=[]`` loads none), no external style sheet or font, only a ``<style>`` element and
presentation attributes, which ``SVG_CSP`` allows for the image alone. Equal data gives equal
bytes (a fixed id, no date)."""

import sys
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import pygal
from pygal.etree import etree
from pygal.style import Style

# pygal appends to sys.meta_path an old-style import hook for its map plugins (not used here);
# on Python 3.11 every later import that reaches it (one that no other finder knows, as an
# optional dependency's) warns (ImportWarning). Taken out before anything else is imported.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

from grants.domain.budget import percent  # noqa: E402 - after the hook is gone
from grants.domain.money import group_thousands  # noqa: E402
from grants.exports.reports import days_text  # noqa: E402

# The SVG carries a <style> element and inline presentation attributes; it is served with its
# own CSP (the pages keep the strict one).
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
FONT = 16
INK, DARK, MID, LIGHT = "#000000", "#404040", "#8c8c8c", "#d9d9d9"
SVG_NS = "http://www.w3.org/2000/svg"

# Hatching as SVG patterns, so the fills stay apart in black and white.
_PATTERNS = (
    ('<pattern xmlns="http://www.w3.org/2000/svg" id="hatch-diagonal" width="8" height="8"'
     ' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
     f'<rect width="8" height="8" fill="{LIGHT}"/>'
     f'<line x1="0" y1="0" x2="0" y2="8" stroke="{INK}" stroke-width="1.2"/></pattern>'),
    ('<pattern xmlns="http://www.w3.org/2000/svg" id="hatch-mid" width="8" height="8"'
     ' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
     f'<rect width="8" height="8" fill="{MID}"/>'
     f'<line x1="0" y1="0" x2="0" y2="8" stroke="{INK}" stroke-width="1.2"/></pattern>'),
    ('<pattern xmlns="http://www.w3.org/2000/svg" id="hatch-back" width="8" height="8"'
     ' patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">'
     f'<rect width="8" height="8" fill="{MID}"/>'
     f'<line x1="0" y1="0" x2="0" y2="8" stroke="{INK}" stroke-width="1.2"/></pattern>'),
    ('<pattern xmlns="http://www.w3.org/2000/svg" id="dots" width="7" height="7"'
     ' patternUnits="userSpaceOnUse">'
     '<rect width="7" height="7" fill="#ffffff"/>'
     f'<circle cx="3.5" cy="3.5" r="1.2" fill="{INK}"/></pattern>'),
    ('<pattern xmlns="http://www.w3.org/2000/svg" id="dots-light" width="7" height="7"'
     ' patternUnits="userSpaceOnUse">'
     f'<rect width="7" height="7" fill="{LIGHT}"/>'
     f'<circle cx="3.5" cy="3.5" r="1" fill="{MID}"/></pattern>'),
)
HATCHED, HATCHED_MID, HATCHED_BACK = ("url(#hatch-diagonal)", "url(#hatch-mid)",
                                      "url(#hatch-back)")
DOTTED, DOTTED_LIGHT = "url(#dots)", "url(#dots-light)"

# What pygal's defaults would change: black outlines, no hover effects, the value labels beside
# the bars, light solid guides. Scoped by the chart's id (``ID``) as pygal's own rules are, so
# that these come after them and win.
ID = "grants"
_PREFIX = f"#chart-{ID} "
_CSS = "".join(_PREFIX + rule + " " for rule in (
    f".rect {{ stroke: {INK}; stroke-width: 1; }}",
    f".legends rect {{ stroke: {INK}; stroke-width: 1; }}",
    ".horizontal .text-overlay text.value { text-anchor: start; }",
    f".text-overlay text.value {{ fill: {INK}; }}",
    f".axis .line {{ stroke: {INK}; }}",
    ".reactive { fill-opacity: 1; stroke-opacity: 1; }",
    ".reactive:hover { fill-opacity: 1; stroke-opacity: 1; }",
    ".tooltip { display: none; }",
))
#: The bar series' fills in order: hatched light grey, dark grey, dotted white.
FILLS = (HATCHED, DARK, DOTTED)

STYLE = dict(
    background="#ffffff", plot_background="#ffffff", foreground=INK, foreground_strong=INK,
    foreground_subtle=LIGHT, opacity="1", opacity_hover="1", transition="none",
    guide_stroke_color=LIGHT, major_guide_stroke_color=LIGHT, guide_stroke_dasharray="none",
    major_guide_stroke_dasharray="none",
    font_family="'DejaVu Sans', 'Noto Sans', 'Segoe UI', Arial, sans-serif",
    title_font_size=FONT + 4, label_font_size=FONT - 2, major_label_font_size=FONT - 2,
    value_font_size=FONT - 3, legend_font_size=FONT - 2, no_data_font_size=FONT + 2,
    tooltip_font_size=FONT - 2)


def millions(vnd: int) -> str:
    """50_500_000 -> "50,5 tr" (Vietnamese decimal comma, one decimal, "tr" = triệu đồng)."""
    value = (Decimal(vnd) / Decimal(1_000_000)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text.removesuffix(',0')} tr"


def percent_text(value: float | None) -> str:
    """A share from ``grants.domain.budget.percent`` as text: 33.3 -> "33,3 %", None -> "—"."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",").removesuffix(",0") + " %"


def axis_millions(value: float) -> str:
    """An axis tick in millions with Vietnamese thousands dots: 1000.0 -> "1.000"."""
    return f"{value:,.0f}".replace(",", ".")


def _axis_number(value: float) -> str:
    """An axis tick of a count or a number of days: 2.5 -> "2,5", 10.0 -> "10"."""
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".").removesuffix(",0")


def _no_script(root):
    """pygal's ``xml_filters`` step: drop its tooltip script (and the configuration it writes
    as one), its comments (a date, its web address) and the data its script's tooltips read
    (``<desc>`` coordinates under every bar and point, ``<title>`` under every axis label,
    which a browser would show on hover as "0,1"), so the SVG runs nothing, equal data gives
    equal bytes, and the only title is the chart's own, first in the SVG."""
    for node in list(root.iter()):
        parent = node.getparent()
        if node.tag in ("script", "desc") or not isinstance(node.tag, str) or (
                node.tag == "title" and parent is not root):
            parent.remove(node)
    return root


def chart(kind, width: int, height: int, title: str, *, fills=FILLS, colors=None, style=None,
          filters=(), css="", **options):
    """A pygal chart of the house style: greys and hatching (``fills``: the series' bar fills;
    ``colors``: their line and legend colours), printed values, no script."""
    colors = colors or tuple(f if f.startswith("#") else LIGHT for f in fills)
    css += "".join(f"{_PREFIX}.color-{i} .rect, {_PREFIX}.legends .color-{i} {{ fill: {fill}; }} "
                   for i, fill in enumerate(fills))
    config = dict(
        width=width, height=height, explicit_size=True, title=title, js=[],
        style=Style(**{**STYLE, "colors": colors, "value_colors": (INK,) * len(colors),
                       **(style or {})}),
        css=["file://style.css", "file://graph.css", f"inline:{_CSS}{css}"],
        defs=list(_PATTERNS), print_values=True, print_values_position="top",
        truncate_label=-1, truncate_legend=-1, show_legend=False, legend_at_bottom=True,
        legend_box_size=14, margin=12, spacing=12, pretty_print=False,
        # At most about seven ticks, so long numbers ("24.000") never run into each other.
        min_scale=4, max_scale=7)
    config.update(options)
    graph = kind(**config)
    graph.uuid = ID  # the id that scopes the style sheet; pygal's default is random
    for step in (_no_script, *filters):
        graph.add_xml_filter(step)
    return graph


def svg(graph) -> bytes:
    """The chart as SVG bytes."""
    return graph.render()


def empty(width: int, height: int, title: str, message: str) -> bytes:
    """A chart of no data: its title and a centred message."""
    graph = chart(pygal.Bar, width, height, title, no_data_text=message, show_x_labels=False,
                  show_y_labels=False, show_x_guides=False, show_y_guides=False)
    return svg(graph)


def _upright_values(root):
    """Values printed above vertical bars, turned upright as matplotlib's were, so that
    neighbouring labels never run into each other."""
    overlays = [g for g in root.iter("g") if "text-overlay" in g.get("class", "").split()]
    for text in (t for g in overlays for t in g.iter("text")):
        x, y = float(text.get("x")), float(text.get("y"))
        size = STYLE["value_font_size"]
        text.set("x", f"{x + size / 3:.2f}")
        text.set("y", f"{y - size / 3:.2f}")
        text.set("transform", f"rotate(-90 {x + size / 3:.2f} {y - size / 3:.2f})")
        text.set("text-anchor", "start")
    return root


def _upper(value: float) -> float:
    """The top of a value axis: room above the largest bar for its printed value, and at least
    5 (a year without money still gets ticks 0, 1, 2 … rather than 0, 0, 0, 1 …)."""
    return max(value, 5)


def _top(rows, n: int = 12):
    """The first ``n`` rows and the rest, summed as "Khác" by the caller; a rest of one row is
    no group: it is drawn under its own name, as the table beside the chart lists it."""
    rows = list(rows)
    if len(rows) <= n + 1:
        return rows, []
    return rows[:n], rows[n:]


def _values(numbers, texts, fill=None):
    """pygal values carrying their printed text (and a fill of their own)."""
    values = []
    for number, text in zip(numbers, texts, strict=True):
        value = {"value": number, "formatter": lambda _v, text=text: text}
        if fill:
            value["node"] = {"style": f"fill: {fill}"}
        values.append(value)
    return values


# --- The budget charts (dashboard and budget-execution report) ---


def overview(number: int, f: dict) -> bytes:
    """Budget, committed, disbursed and remaining as four labelled horizontal bars (``f``: the
    year's ``program_figures``)."""
    rows = [("Kinh phí được giao", f["budget_vnd"], "#ffffff"),
            ("Đã cam kết", f["committed_vnd"], HATCHED_MID),
            ("Đã giải ngân", f["disbursed_vnd"], DARK),
            ("Còn lại (chưa cam kết)", f["remaining_vnd"], DOTTED)][::-1]
    top = max([r[1] / 1e6 for r in rows] + [1])
    graph = chart(pygal.HorizontalBar, 800, 300, f"Kinh phí năm {number}",
                  x_labels=[r[0] for r in rows], range=(0, _upper(top * 1.4)),
                  value_formatter=axis_millions, x_title="triệu đồng", margin_right=24)
    values = []
    for label, vnd, fill in rows:
        text = f"{millions(vnd)} ({percent_text(percent(vnd, f['budget_vnd']))})"
        values.append({"value": vnd / 1e6, "formatter": lambda _v, text=text: text,
                       "node": {"style": f"fill: {fill}; stroke-width: 1.5"},
                       "label": label})
    graph.add("", values)
    return svg(graph)


def months(number: int, rows: Sequence) -> bytes:
    """Net commitments and payments per month, side by side, with their values printed
    (``rows``: the year's ``MonthFigures``)."""
    title = f"Cam kết và giải ngân theo tháng, năm {number}"
    if not any(m.committed_vnd or m.disbursed_vnd for m in rows):
        return empty(860, 400, title, "Chưa có cam kết hay khoản chi nào trong năm.")
    labels = [f"T{m.month}" if m.year == number else f"T{m.month}/{m.year % 100}"
              for m in rows]
    top = max(max(m.committed_vnd, m.disbursed_vnd) for m in rows) / 1e6
    bottom = min(min(m.committed_vnd, m.disbursed_vnd) for m in rows) / 1e6
    graph = chart(pygal.Bar, 860, 400, title, x_labels=labels,
                  range=(min(bottom * 1.25, 0), _upper(top * 1.2)),
                  value_formatter=axis_millions, y_title="triệu đồng", show_legend=True,
                  legend_at_bottom_columns=2, filters=[_upright_values])
    for name, series in (("Cam kết (ròng)", [m.committed_vnd for m in rows]),
                         ("Giải ngân (ròng)", [m.disbursed_vnd for m in rows])):
        graph.add(name, _values([v / 1e6 for v in series],
                                [millions(v).removesuffix(" tr") if v else "" for v in series]))
    return svg(graph)


def items(number: int, rows: Sequence) -> bytes:
    """Approved amount per catalogue item (top 12, the rest summed), with counts (``rows``:
    ``ItemRow``)."""
    top, rest = _top(rows)
    bars = [(r.code, r.approved_vnd, r.items) for r in top]
    if rest:
        bars.append(("Khác", sum(r.approved_vnd for r in rest), sum(r.items for r in rest)))
    title = f"Theo tiêu chuẩn/công cụ/mô hình, năm {number}"
    height = 110 + 40 * max(len(bars), 2)
    if not bars:
        return empty(800, height, title, "Chưa có tiêu chuẩn/công cụ nào được phê duyệt.")
    bars = bars[::-1]
    most = max(b[1] / 1e6 for b in bars)
    graph = chart(pygal.HorizontalBar, 800, height, title, x_labels=[b[0] for b in bars],
                  range=(0, _upper(most * 1.45)), value_formatter=axis_millions,
                  x_title="triệu đồng được duyệt", fills=(HATCHED_BACK,))
    graph.add("", _values([b[1] / 1e6 for b in bars],
                          [f"{millions(b[1])} · {b[2]} mục" for b in bars], HATCHED_BACK))
    return svg(graph)


def communes(number: int, rows: Sequence) -> bytes:
    """Approved and paid amounts per commune/ward (top 12, the rest summed) (``rows``:
    ``CommuneRow``)."""
    top, rest = _top(rows)
    data = [(r.commune, r.approved_vnd, r.paid_vnd) for r in top]
    if rest:
        data.append(("Các xã/phường khác", sum(r.approved_vnd for r in rest),
                     sum(r.paid_vnd for r in rest)))
    title = f"Theo xã/phường, năm {number}"
    height = 150 + 58 * max(len(data), 2)
    if not data:
        return empty(800, height, title, "Chưa có hồ sơ nào được phê duyệt.")
    data = data[::-1]
    most = max(d[1] / 1e6 for d in data)
    graph = chart(pygal.HorizontalBar, 800, height, title, x_labels=[d[0] for d in data],
                  range=(0, _upper(most * 1.3)), value_formatter=axis_millions,
                  x_title="triệu đồng", show_legend=True, legend_at_bottom_columns=2)
    for name, index in (("Được duyệt", 1), ("Đã chi", 2)):
        graph.add(name, _values([d[index] / 1e6 for d in data],
                                [millions(d[index]) for d in data]))
    return svg(graph)


def target(number: int, progress) -> bytes:
    """Approved items against the target range (a ``TargetProgress``), with the range drawn as
    a dotted band between dashed limits."""
    top = max(progress.max_items * 1.2, progress.approved_items * 1.4, 10)
    band = f"Mục tiêu {progress.min_items}–{progress.max_items}"

    def draw_band(root):
        # The band and its limits behind the bar, in the plot's own coordinates.
        plot = root.find(".//g[@class='plot']")
        view = graph.view
        # pygal's horizontal view: ``y`` places a value across, ``x`` a category down.
        left, right = view.y(progress.min_items), view.y(progress.max_items)
        low, high = view.x(0), view.x(1)
        y, h = min(low, high), abs(high - low)
        group = etree.Element("g", {"class": "target-band"})
        etree.SubElement(group, "rect", {
            "x": f"{left:.2f}", "y": f"{y:.2f}", "width": f"{right - left:.2f}",
            "height": f"{h:.2f}", "fill": DOTTED_LIGHT, "stroke": "none"})
        for x in (left, right):
            etree.SubElement(group, "line", {
                "x1": f"{x:.2f}", "x2": f"{x:.2f}", "y1": f"{y:.2f}", "y2": f"{y + h:.2f}",
                "stroke": INK, "stroke-width": "1.5", "stroke-dasharray": "6,4"})
        background = plot.find("rect")
        plot.insert(list(plot).index(background) + 1 if background is not None else 0, group)
        return root

    graph = chart(pygal.HorizontalBar, 800, 220,
                  f"Tiến độ mục tiêu năm {number} (số tiêu chuẩn/công cụ/mô hình)",
                  x_labels=[""], range=(0, top), show_legend=True, legend_at_bottom_columns=2,
                  value_formatter=_axis_number, show_x_labels=True, show_y_labels=False,
                  filters=[draw_band], fills=(DOTTED_LIGHT, DARK),
                  style={"title_font_size": FONT + 2, "value_font_size": FONT + 2})
    graph.add(band, [None])
    graph.add("Đã phê duyệt", [{"value": progress.approved_items,
                                "formatter": lambda _v: f"{progress.approved_items} mục · "
                                                        f"{progress.label}"}])
    return svg(graph)


def forecast(number: int, actual: Sequence, projection: Sequence, budget_vnd: int) -> bytes:
    """Committed money by the end of each month: so far (solid, ``actual``: the year's
    ``MonthFigures`` of the months already over) and projected (dashed, ``projection``: the
    forecast's ``MonthProjection``s), under the budget drawn as a line."""
    budget = budget_vnd / 1e6
    graph = chart(pygal.Line, 860, 330, f"Cam kết lũy kế và dự báo đến cuối năm {number}",
                  x_labels=[f"T{m}" for m in range(1, 13)], range=(0, _upper(budget * 1.15)),
                  value_formatter=axis_millions, y_title="triệu đồng", show_legend=True,
                  legend_at_bottom_columns=3, dots_size=4, allow_interruptions=True,
                  fills=(INK, INK, DARK), margin_right=40, css="".join(
                      f"{_PREFIX}.serie-{i} .line {{ stroke-width: {w}; stroke-dasharray: {d}; }} "
                      for i, (w, d) in enumerate((("1.5", "2,5"), ("2.5", "none"),
                                                  ("2.5", "8,5")))))
    silent = {"formatter": lambda _v: ""}
    graph.add(f"Kinh phí được giao ({millions(budget_vnd)})",
              [{"value": budget, **silent} for _ in range(12)], show_dots=False)
    line = [None] * 12
    for m in actual:
        line[m.month - 1] = {"value": m.cumulative_committed_vnd / 1e6, **silent}
    graph.add("Đã cam kết (lũy kế)", line)
    if projection:
        # The projection carries on from the last month-end known.
        dashed = [None] * 12
        if actual:
            dashed[actual[-1].month - 1] = {"value": actual[-1].cumulative_committed_vnd / 1e6,
                                            **silent}
        for m in projection:
            dashed[m.month - 1] = {"value": m.committed_vnd / 1e6, **silent}
        last = projection[-1]
        dashed[last.month - 1]["formatter"] = lambda _v: millions(last.committed_vnd)
        graph.add("Dự báo (lũy kế)", dashed)
    return svg(graph)


# --- Grouped bars for the reports ---


@lru_cache(maxsize=64)
def grouped_bars(title: str, labels: tuple[str, ...], series: tuple[tuple[str, tuple], ...], *,
                 unit: str, money: bool = False, decimal: bool = False, horizontal: bool = True,
                 empty_text: str = "Chưa có số liệu.") -> bytes:
    """Grouped bars (one to three series), greys and hatching, values printed on the bars."""
    count = len(labels)
    if horizontal:
        width, height = 800, 130 + (22 + 18 * len(series)) * max(count, 2)
    else:
        width, height = 860, 400
    if not count or not any(v for _name, values in series for v in values):
        return empty(width, height, title, empty_text)
    scale = 1_000_000 if money else 1
    order = list(range(count))[::-1] if horizontal else list(range(count))
    top = max(v for _name, values in series for v in values) / scale
    graph = chart(pygal.HorizontalBar if horizontal else pygal.Bar, width, height, title,
                  x_labels=[labels[i] for i in order],
                  range=(0, _upper(top * (1.3 if horizontal else 1.25))),
                  value_formatter=axis_millions if money else _axis_number,
                  show_legend=len(series) > 1, legend_at_bottom_columns=len(series),
                  filters=[] if horizontal else [_upright_values],
                  style={"title_font_size": FONT + 2},
                  **{"x_title" if horizontal else "y_title": unit})
    for name, values in series:
        texts = [(millions(values[i]) if money else days_text(values[i]) if decimal
                  else group_thousands(int(values[i]))) if values[i] else "" for i in order]
        graph.add(name, _values([values[i] / scale for i in order], texts))
    return svg(graph)
