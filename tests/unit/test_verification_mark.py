"""The verification mark drawn on issued papers (issue 14 point 8): QR code and short code."""

import io

from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from grants.domain.verification_codes import CODE_ALPHABET, new_code, normalise_code
from grants.letters.base import SERIF, register_fonts
from grants.letters.verification_mark import VerificationMark, draw_mark


def _fonts(pdf: bytes) -> set[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].get_object().values()}


def test_the_mark_adds_no_font_of_its_own():
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, initialFontName=SERIF)
    mark = VerificationMark(code="ABCDE12345", url="https://dvc.example/xac-thuc/ABCDE12345",
                            demo_notice="Chứng thư thử nghiệm")
    draw_mark(canvas, mark, left=50, bottom=10, font=SERIF)
    canvas.showPage()
    canvas.save()
    fonts = _fonts(buffer.getvalue())
    assert fonts and all(name.endswith(SERIF) for name in fonts), fonts
    text = PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text()
    assert "ABCDE-12345" in text and "Chứng thư thử nghiệm" in text


def test_codes_are_random_unambiguous_and_read_as_typed():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 10 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(CODE_ALPHABET)
    assert normalise_code(" abcde-1o2il ") == "ABCDE10211"
    assert VerificationMark(code="ABCDE12345", url="u").shown_code == "ABCDE-12345"
