"""The layout Decree 30/2020/NĐ-CP asks of every paper: Times New Roman (Liberation Serif, shipped
and embedded), numbers "01/…", complete "Căn cứ" lines, a one-page receipt slip, a signature
never alone on its page and no title broken inside a word. Read back with poppler's tools."""

import dataclasses
import re
import shutil
import subprocess
from datetime import date

import pytest

from grants.domain.text import number_symbol
from grants.letters import KINDS, DocumentHeader, Issuer, SubmittedDocument, preview
from grants.letters.application_form import build_application_form
from grants.letters.base import FONT_DIR, font_dir, keep_words
from grants.letters.kinds.support_decision import DecisionItem, default_legal_bases
from grants.letters.samples import sample_data, sample_header, sample_issuer
from grants.services.year_defaults import CHECKLIST
from tests.unit.test_letters import render

pytestmark = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils")

FACES = {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic",
         "LiberationSerif-BoldItalic"}


def _poppler(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                          check=True, capture_output=True, text=True).stdout


def _fonts(pdf: bytes, tmp_path) -> list[tuple[str, str]]:
    """(name without the subset prefix, "yes"/"no" embedded) for each font pdffonts lists."""
    rows = _poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
    fonts = []
    for row in rows:
        cells = row.split()
        # name type [type…] encoding emb sub uni object-id generation
        fonts.append((cells[0].split("+", 1)[-1], cells[-5]))
    return fonts


def _pages(pdf: bytes, tmp_path) -> list[str]:
    return _poppler("pdftotext", pdf, tmp_path).split("\f")[:-1]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _annual_report() -> bytes:
    from grants.domain.annual_report import AnnualReport, ReportTexts
    from grants.letters import DEFAULT_LETTERHEAD
    from grants.letters.annual_report import build_annual_report
    from tests.unit.test_annual_report import figures

    return build_annual_report(AnnualReport(figures(), ReportTexts("Mở đầu", "Đánh giá",
                                                                   "Đề xuất"),
                                            signer_name="Nguyễn Văn A"),
                               letterhead=DEFAULT_LETTERHEAD)


def _payment_order() -> bytes:
    from grants.letters.payment_order import build_payment_order
    from tests.unit.test_payment_details import _order

    return build_payment_order(_order())


PAPERS = {**{kind: (lambda kind=kind: preview(kind)) for kind in KINDS},
          "application_form": lambda: build_application_form(
              2026, recipient="Sở Khoa học và Công nghệ tỉnh Bắc Ninh"),
          "annual_report": _annual_report, "payment_order": _payment_order}


# ------------------------------------------------------------------------------ the font


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_every_paper_embeds_liberation_serif_and_nothing_else(paper, tmp_path):
    fonts = _fonts(PAPERS[paper](), tmp_path)
    assert fonts, "no font listed"
    assert all(embedded == "yes" for _, embedded in fonts), fonts
    assert {name for name, _ in fonts} <= FACES, fonts
    assert "LiberationSerif" in {name for name, _ in fonts}


def test_a_draft_mark_and_page_numbers_are_liberation_serif_too(tmp_path):
    draft = render("support_decision", header=DocumentHeader(symbol="QĐ-SKHCN"))
    fonts = _fonts(draft, tmp_path)
    assert {name for name, _ in fonts} <= FACES and all(e == "yes" for _, e in fonts)


def test_the_fonts_ship_with_the_package_under_their_licence():
    assert font_dir() == FONT_DIR and FONT_DIR.parent.name == "letters"
    for face in ("Regular", "Bold", "Italic", "BoldItalic"):
        assert (FONT_DIR / f"LiberationSerif-{face}.ttf").stat().st_size > 100_000
    assert "SIL Open Font License" in (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(("number", "expected"), [
    (1, "01/QĐ-SKHCN"), (9, "09/QĐ-SKHCN"), (10, "10/QĐ-SKHCN"), (125, "125/QĐ-SKHCN"),
    (None, "/QĐ-SKHCN")])
def test_numbers_below_ten_are_written_with_a_leading_zero(number, expected):
    assert number_symbol(number, "QĐ-SKHCN") == expected
    header = DocumentHeader(number=number, symbol="QĐ-SKHCN", issued_on=date(2026, 4, 2))
    assert header.reference == (expected if number else None)


def test_the_paper_prints_number_one_as_01(tmp_path):
    pdf = render("support_decision",
                 header=DocumentHeader(number=1, symbol="QĐ-SKHCN", issued_on=date(2026, 4, 2)))
    text = _one_line(_poppler("pdftotext", pdf, tmp_path))
    assert "Số: 01/QĐ-SKHCN" in text and "Số: 1/" not in text


# ------------------------------------------------------------------------------ "Căn cứ"


def test_the_decision_cites_competence_resolutions_and_the_numbered_dated_plan(tmp_path):
    text = _one_line(_poppler("pdftotext", preview("support_decision"), tmp_path))
    bases = [
        "Căn cứ Quyết định số 25/2025/QĐ-UBND ngày 01/7/2025 của Ủy ban nhân dân tỉnh Bắc Ninh "
        "quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Khoa học và Công nghệ",
        "Căn cứ Nghị quyết số 43/2022/NQ-HĐND ngày 09/12/2022",
        "Căn cứ Nghị quyết số 17/NQ-HĐND ngày 14/7/2025",
        "Căn cứ Kế hoạch số 05/KH-SKHCN ngày 10/02/2026 của Sở Khoa học và Công nghệ triển khai "
        "thực hiện Nghị quyết số 43/2022/NQ-HĐND",
        "Theo đề nghị của Chi cục trưởng",
    ]
    positions = [text.find(line) for line in bases]
    assert -1 not in positions, [b for b, p in zip(bases, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert positions[-1] < text.find("QUYẾT ĐỊNH:")


def test_the_bases_follow_the_year_settings_and_invent_none():
    full = default_legal_bases(2027, functions_decision="Quyết định số 9/QĐ-UBND",
                               plan_number="07/KH-SKHCN", plan_date=date(2027, 1, 5))
    assert full[0] == "Căn cứ Quyết định số 9/QĐ-UBND"
    assert full[-1].startswith("Căn cứ Kế hoạch số 07/KH-SKHCN ngày 05/01/2027 của Sở")
    bare = default_legal_bases(2027)
    assert len(bare) == len(full) - 1 and not any("Quyết định" in b for b in bare)
    assert bare[-1].startswith("Căn cứ Kế hoạch của Sở")


# ------------------------------------------------------------------------------ page layout


def test_the_receipt_slip_fits_on_one_page(tmp_path):
    assert len(_pages(preview("receipt"), tmp_path)) == 1
    # The year's full checklist and four more papers, each with the longest copy kind.
    labels = [label for _, label, _ in CHECKLIST]
    labels += [f"Hóa đơn giá trị gia tăng số 000{n} kèm bảng kê chi tiết" for n in range(4)]
    documents = tuple(SubmittedDocument(name=label, copy_kind="Bản sao (đã đối chiếu bản chính)")
                      for label in labels)
    data = dataclasses.replace(sample_data("receipt"), documents=documents)
    pages = _pages(render("receipt", data), tmp_path)
    assert len(pages) == 1
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in pages[0] and "Trần Văn Minh" in pages[0]


@pytest.mark.parametrize("count", range(1, 16))
def test_the_signature_never_stands_alone_on_a_page(count, tmp_path):
    """However many items push the decision's end across a page, its last article goes with
    the signer."""
    items = tuple(DecisionItem(catalogue_code=f"TC{n}", name=f"Áp dụng công cụ số {n}",
                               approved_vnd=1_000_000) for n in range(count))
    data = dataclasses.replace(sample_data("support_decision"), items=items,
                               total_vnd=count * 1_000_000)
    pages = _pages(render("support_decision", data), tmp_path)
    signed = [page for page in pages if "Phạm Đức Thắng" in page]
    assert len(signed) == 1
    assert "Điều 3." in signed[0] and "KT. GIÁM ĐỐC" in signed[0]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_signs_beside_its_closing_text(kind, tmp_path):
    pages = _pages(preview(kind), tmp_path)
    name = sample_issuer(kind).signer_name
    page = next(p for p in pages if name in p)
    body = [line for line in page.splitlines() if line.strip()]
    assert len(body) > 8, page  # more than the signer and recipients blocks


SPLIT = re.compile(r"(?i)\b(\w+)\s*\n\s*(\w+)\b")


def _split_words(text: str) -> list[str]:
    """Known multi-syllable words broken across two lines ("ĐO" / "LƯỜNG")."""
    found = []
    for first, second in SPLIT.findall(text):
        if keep_words(f"{first} {second}") != f"{first} {second}":
            found.append(f"{first} / {second}")
    return found


@pytest.mark.parametrize("prefix", range(0, 6))
def test_titles_and_headers_never_break_inside_a_word(prefix, tmp_path):
    """Whatever the length before it, "ĐO LƯỜNG", "CHẤT LƯỢNG", "HỒ SƠ" … stay on one line, in
    the issuing body's name, the title and the signer's title."""
    padding = "PHÒNG " * prefix
    issuer = Issuer(
        body_lines=("SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                    f"{padding}CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG TỈNH BẮC NINH"),
        signer_title_lines=(f"{padding}TRƯỞNG ĐOÀN THẨM ĐỊNH CHI CỤC TIÊU CHUẨN ĐO LƯỜNG "
                            "CHẤT LƯỢNG",),
        signer_name="Lê Quang Huy")
    title = (f"BIÊN BẢN\n{'Kiểm tra ' * prefix}thẩm định thực tế hồ sơ đề nghị hỗ trợ áp dụng "
             "tiêu chuẩn đo lường chất lượng, công cụ, mô hình, phương pháp quản lý tiên tiến")
    pdf = render("appraisal_minutes", issuer=issuer,
                 header=sample_header("appraisal_minutes"), texts={"title": title})
    text = _poppler("pdftotext", pdf, tmp_path)
    head = text[:text.index("Hôm nay")]  # the header and the title, before the body text
    signer = text[text.rindex("ĐẠI DIỆN TỔ CHỨC"):]  # the signature table
    assert "ĐO LƯỜNG" in head and "ĐO LƯỜNG" in signer
    assert _split_words(head) == [] and _split_words(signer) == []


def test_keep_words_binds_the_syllables_of_a_word_only():
    assert keep_words("CHI CỤC ĐO LƯỜNG") == "CHI\u00a0CỤC ĐO\u00a0LƯỜNG"
    assert keep_words("đo lường chất lượng") == "đo\u00a0lường chất\u00a0lượng"
    assert keep_words("ĐO") == "ĐO" and keep_words("Hồ Chí Minh") == "Hồ Chí Minh"
