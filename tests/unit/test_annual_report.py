"""The annual report's rules and papers without a database: the text's checks, the period, the
totals, the outline, and the PDF and .docx built from plain figures (long and hostile text)."""

import io
import subprocess

import pytest
from docx import Document as WordDocument

from grants.domain.annual_report import (
    TEXT_MAX_CHARS,
    AnnualFigures,
    AnnualReport,
    CommuneRow,
    KindRow,
    ReasonRow,
    ReportTexts,
    YearFigures,
    check_period,
    clean_texts,
    default_texts,
    outline,
    percent_text,
    total_of,
)
from grants.domain.errors import InvalidInput
from grants.exports.annual_report import build_annual_report_docx
from grants.letters import DEFAULT_LETTERHEAD
from grants.letters.annual_report import build_annual_report

M = 1_000_000


def year(number: int, **kw) -> YearFigures:
    values = dict(year=number, filed=10, received=9, refused=1, approved=5, rejected=2,
                  undecided=2, approved_items=7, approved_vnd=210 * M, budget_vnd=800 * M,
                  committed_vnd=210 * M, disbursed_vnd=100 * M, target_min=16, target_max=50,
                  on_time=6, late=1, without_due=0)
    values.update(kw)
    return YearFigures(**values)


def figures(first=2025, last=2026, **kw) -> AnnualFigures:
    values = dict(
        years=tuple(year(n) for n in range(first, last + 1)), earlier=(year(2024),),
        kinds=(KindRow("standard", "Tiêu chuẩn", 4, 120 * M),
               KindRow("tool", "Công cụ", 3, 90 * M)),
        communes=(CommuneRow("Phường Kinh Bắc", 6, 8, 300 * M, 150 * M),),
        rejection_reasons=(ReasonRow("Chưa áp dụng hiệu quả", 3),),
        refusal_reasons=(ReasonRow("Thiếu giấy chứng nhận", 1),))
    values.update(kw)
    return AnnualFigures(first, last, **values)


# --- Rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["introduction", "assessment", "proposals"])
def test_each_paragraph_is_required(name):
    values = {"introduction": "a", "assessment": "b", "proposals": "c", name: " \r\n "}
    with pytest.raises(InvalidInput) as err:
        clean_texts(values)
    assert err.value.field == name


def test_a_paragraph_has_a_maximum_length():
    long = "x" * (TEXT_MAX_CHARS + 1)
    with pytest.raises(InvalidInput) as err:
        clean_texts({"introduction": "a", "assessment": long, "proposals": "c"})
    assert err.value.field == "assessment" and "20.000" in err.value.message
    assert clean_texts({"introduction": "a", "assessment": long[1:], "proposals": "c"})


def test_texts_are_stripped_with_plain_line_ends():
    texts = clean_texts({"introduction": "  Một\r\nHai\rBa  ", "assessment": "b",
                         "proposals": "c"})
    assert texts == ReportTexts("Một\nHai\nBa", "b", "c")


@pytest.mark.parametrize(("first", "last", "ok"), [
    (2026, 2026, True), (2022, 2031, True), (2022, 2032, False), (2026, 2025, False)])
def test_the_period(first, last, ok):
    if ok:
        check_period(first, last)
    else:
        with pytest.raises(InvalidInput):
            check_period(first, last)


def test_totals_and_shares():
    t = total_of([year(2025), year(2026, late=3, disbursed_vnd=0)])
    assert (t.filed, t.approved_items, t.budget_vnd, t.target_min, t.target_max) == (
        20, 14, 1600 * M, 32, 100)
    assert (t.on_time, t.late, t.on_time_percent) == (12, 4, 75.0)
    assert (t.remaining_vnd, t.unpaid_vnd) == (1180 * M, 320 * M)
    assert year(2026).progress.label == "Chưa đạt"
    assert (percent_text(66.7), percent_text(None)) == ("66,7 %", "-")
    assert figures().total.filed == 20


def test_the_outline_of_one_year_has_no_total_rows_and_a_range_has():
    one = {b.key: b for b in outline(AnnualReport(figures(2026, 2026), default_texts(2026, 2026)))
           if b.kind == "table"}
    assert one["budget"].total is None and one["dossiers"].total is None
    many = {b.key: b for b in outline(AnnualReport(figures(), default_texts(2025, 2026)))
            if b.kind == "table"}
    assert many["budget"].total == ("Cộng", "1.600.000.000", "420.000.000", "200.000.000",
                                    "1.180.000.000")
    assert [r[0] for r in many["years"].rows] == ["2024", "2025", "2026"]
    assert many["refusal-reasons"].rows == (("1", "Thiếu giấy chứng nhận", "1"),)


def test_a_period_without_program_years_says_so():
    report = AnnualReport(figures(2030, 2030, years=(), earlier=(), kinds=(), communes=(),
                                  rejection_reasons=(), refusal_reasons=()),
                          default_texts(2030, 2030))
    texts = [b.text for b in outline(report)]
    assert "Chưa có năm chương trình nào trong năm 2030." in texts
    assert not [b for b in outline(report) if b.kind == "table"]
    assert build_annual_report(report, letterhead=DEFAULT_LETTERHEAD).startswith(b"%PDF-")


# --- Papers --------------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> & «trích dẫn» \u200b\x07 ₫ 😀"


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def test_the_pdf_takes_long_and_hostile_text(tmp_path):
    texts = ReportTexts(HOSTILE, "Đánh giá " * 2000, "Đề xuất cuối cùng.\n" + "y" * 5000)
    pdf = build_annual_report(AnnualReport(figures(), texts, signer_name="Nguyễn Văn A"),
                              letterhead=DEFAULT_LETTERHEAD)
    text = _pdf_text(pdf, tmp_path)
    assert "<script>alert(1)</script> & «trích dẫn»" in text
    assert "Đề xuất cuối cùng." in text and "Nguyễn Văn A" in text
    assert build_annual_report(AnnualReport(figures(), texts, signer_name="Nguyễn Văn A"),
                               letterhead=DEFAULT_LETTERHEAD) == pdf  # same input, same bytes


def test_the_docx_takes_hostile_text():
    texts = ReportTexts("Mở đầu", "Đánh giá", "Đề xuất")
    data = build_annual_report_docx(AnnualReport(figures(), texts, signer_name=HOSTILE),
                                    body_lines=("UBND TỈNH BẮC NINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"),
                                    place="Bắc Ninh")
    doc = WordDocument(io.BytesIO(data))
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in header[0] and "Độc lập - Tự do - Hạnh phúc" in header[1]
    assert "/BC-SKHCN" in doc.tables[0].rows[1].cells[0].text
    section = doc.sections[0]
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)
    assert [p.text for p in doc.paragraphs if p.text in {"Mở đầu", "Đánh giá", "Đề xuất"}] == [
        "Mở đầu", "Đánh giá", "Đề xuất"]
    signer = doc.tables[-1].rows[0].cells[1].text
    assert "<script>alert(1)</script> & «trích dẫn» \u200b ₫ 😀" in signer  # the bell is gone
