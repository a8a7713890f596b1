"""The verification mark of an issued paper (issue 14 point 8): a QR code and a short code in
the bottom margin of every page, linking to the public page /xac-thuc/<code>; on a paper
signed with a demo certificate, a line saying it has no legal value.

Drawn with reportlab's own QR widget (no image, no extra font: the text uses the letter's font).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.units import mm

__all__ = ["VerificationMark", "draw_mark"]

QR_SIZE = 16 * mm


@dataclass(frozen=True, kw_only=True)
class VerificationMark:
    """What the bottom margin of an issued paper carries."""

    code: str
    url: str
    demo_notice: str = ""

    @property
    def shown_code(self) -> str:
        """The code in groups of five ("K7QP3-MZDX1")."""
        return "-".join(self.code[i:i + 5] for i in range(0, len(self.code), 5))


def draw_mark(canvas, mark: VerificationMark, *, left: float, bottom: float, font: str) -> None:
    """Draw ``mark`` with its QR code's lower-left corner at (left, bottom) and two or three
    lines of 7.5 pt text beside it."""
    widget = QrCodeWidget(mark.url, barLevel="M", barWidth=QR_SIZE, barHeight=QR_SIZE)
    canvas.saveState()
    # The widget's dark modules as filled rectangles, drawn straight on the canvas: reportlab's
    # drawing renderer would first select its default font (Helvetica, not embedded) and so
    # list a font the paper never uses.
    canvas.setFillColor(colors.black)
    for module in widget.draw().contents:
        if module.fillColor is not None:
            canvas.rect(left + module.x, bottom + module.y, module.width, module.height,
                        stroke=0, fill=1)
    canvas.setFont(font, 7.5)
    lines = [f"Mã xác thực: {mark.shown_code}. Văn bản được ký số; kiểm tra bản này tại:",
             mark.url]
    if mark.demo_notice:
        lines.append(mark.demo_notice)
    y = bottom + QR_SIZE - 4 * mm
    for line in lines:
        canvas.drawString(left + QR_SIZE + 2 * mm, y, line)
        y -= 3.4 * mm
    canvas.restoreState()
