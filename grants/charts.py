"""Chart primitives: server-side matplotlib (no pyplot, no Flask) drawing SVG for the budget
dashboard and the reports. Large type for a projector; greys plus hatching and printed values
so charts survive a black-and-white printer."""

import io
from decimal import ROUND_HALF_UP, Decimal

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

# An SVG from matplotlib carries inline style attributes; it is served with its own CSP.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
FONT = 16
INK, DARK, MID, LIGHT = "#000000", "#404040", "#8c8c8c", "#d9d9d9"


def millions(vnd: int) -> str:
    """50_500_000 -> "50,5 tr" (Vietnamese decimal comma, one decimal, "tr" = triệu đồng)."""
    value = (Decimal(vnd) / Decimal(1_000_000)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text.removesuffix(',0')} tr"


def axis_millions(ax, axis: str = "y") -> None:
    """Tick labels in millions with Vietnamese thousands dots."""
    formatter = FuncFormatter(lambda x, _pos: f"{x:,.0f}".replace(",", "."))
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(formatter)
    target.set_major_locator(MaxNLocator(nbins=6, integer=True))


def figure(width: float, height: float):
    """A figure with one axes, large tick labels and no top/right frame."""
    fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
    ax = fig.subplots()
    ax.tick_params(labelsize=FONT - 2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def svg(fig: Figure) -> bytes:
    """The figure as SVG bytes (no timestamp, so equal data gives equal bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def empty(ax, message: str) -> None:
    """Replace the plot by a centred message (no data yet)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=FONT + 2,
            transform=ax.transAxes)
