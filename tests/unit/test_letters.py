"""PDF letters: rendered from plain data, read back with pypdf (text, fonts, determinism)."""

import dataclasses
import hashlib
import io
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from grants.domain.enums import DocumentKind
from grants.domain.workflow_states import Status
from grants.letters import (
    BUILDERS,
    DEFAULT_TEXTS,
    DOCUMENT_TITLES,
    KINDS,
    SPECS,
    TEXT_KEYS,
    DecisionItem,
    DocumentHeader,
    Issuer,
    MissingItem,
    Organisation,
    Person,
    build_appraisal_minutes,
    build_intake_refusal,
    build_receipt,
    build_rejection_letter,
    build_supplement_request,
    build_support_decision,
    preview,
    register_fonts,
    template_variable_help,
    template_variables,
    validate_template,
)
from grants.letters.base import clean_text, format_date, markup, place_and_date, vnd
from grants.letters.samples import sample_context, sample_data, sample_header, sample_issuer

ROOT = Path(__file__).resolve().parents[2]
ORG = "Công ty TNHH Thực phẩm Sạch Bắc Ninh"


def render(kind, data=None, *, header=None, issuer=None, texts=None):
    return BUILDERS[kind](
        sample_data(kind) if data is None else data,
        header=header or sample_header(kind),
        issuer=issuer or sample_issuer(kind),
        texts=texts,
    )


def raw_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def text_of(pdf: bytes) -> str:
    """Extracted text with every run of whitespace (line wraps included) as one space."""
    return re.sub(r"\s+", " ", raw_text(pdf))


def replace(kind, **changes):
    return dataclasses.replace(sample_data(kind), **changes)


def hostile_org():
    return Organisation(name=f"{ORG} <script>alert(1)</script> & Co", address="<b>x</b>")


# ------------------------------------------------------------------------------ every document


@pytest.mark.parametrize("kind", KINDS)
def test_every_document_renders_with_the_national_header(kind):
    pdf = render(kind)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert ORG in text
    assert "Bắc Ninh, ngày" in text
    assert "DỰ THẢO" not in text


GOLDEN = Path(__file__).resolve().parent / "letters_golden"


@pytest.mark.parametrize("kind", KINDS)
def test_sample_text_is_pinned(kind):
    """Every kind's sample reads exactly as the text recorded in letters_golden/<kind>.txt
    (pypdf's extraction, line breaks included): a reshaping of the letters changes no word."""
    expected = (GOLDEN / f"{kind}.txt").read_text(encoding="utf-8")
    reader = PdfReader(io.BytesIO(preview(kind)))
    assert "\n".join(page.extract_text() for page in reader.pages) == expected


def test_registry_covers_every_kind():
    assert set(BUILDERS) == set(DOCUMENT_TITLES) == set(DEFAULT_TEXTS) == set(KINDS)
    assert set(SPECS) == set(DocumentKind)
    for kind, spec in SPECS.items():
        assert spec.kind is kind and spec.available_in <= set(Status)
    for texts in DEFAULT_TEXTS.values():
        assert set(texts) == set(TEXT_KEYS)


def test_support_decision_text():
    text = text_of(render("support_decision"))
    for expected in [
        "UBND TỈNH BẮC NINH",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Số: 12/QĐ-SKHCN",
        "Bắc Ninh, ngày 02 tháng 4 năm 2026",
        "QUYẾT ĐỊNH",
        "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Căn cứ Nghị quyết số 43/2022/NQ-HĐND ngày 09/12/2022",
        "Nghị quyết số 17/NQ-HĐND ngày 14/7/2025",
        "Điều 1.",
        "Điều 3.",
        "ISO22000",
        "Áp dụng công cụ 5S",
        "50.000.000 đ",
        "25.000.000 đ",
        "Tổng cộng 75.000.000 đ",
        "Tổng số tiền hỗ trợ: 75.000.000 đ (Bằng chữ: Bảy mươi lăm triệu đồng)",
        "Nơi nhận:",
        "- Như Điều 3;",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Phạm Đức Thắng",
    ]:
        assert expected in text, expected


def test_rejection_letter_numbers_each_reason_and_says_what_next():
    text = text_of(render("rejection_letter"))
    assert "Số: 15/SKHCN-TĐC" in text
    assert "V/v trả lời hồ sơ đề nghị hỗ trợ" in text
    assert f"Kính gửi: {ORG}" in text
    assert "1. Giấy chứng nhận ISO 9001:2015 được cấp trước thời điểm" in text
    assert "2. Tổ chức đã được hỗ trợ cho cùng tiêu chuẩn ISO 9001 năm 2024." in text
    assert "Tổ chức có thể đề nghị hỗ trợ cho tiêu chuẩn, công cụ khác" in text
    assert text.index("1. Giấy") < text.index("2. Tổ chức") < text.index("Tổ chức có thể")


def test_rejection_letter_without_next_steps_uses_the_default_wording():
    pdf = render("rejection_letter", replace("rejection_letter", next_steps=""))
    assert "có thể bổ sung, khắc phục các nội dung nêu trên" in text_of(pdf)


def test_receipt_lists_documents_and_the_return_date():
    text = text_of(render("receipt"))
    for expected in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: NQ43-2026-0007",
        "Giấy chứng nhận ISO 22000:2018",
        "Bản sao có chứng thực",
        "Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 05/03/2026",
        "ngày 02/04/2026",
        "20 ngày làm việc",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Nguyễn Thị Hương",
    ]:
        assert expected in text, expected
    assert "Số:" not in text  # a one-stop-desk slip has no number/symbol


def test_receipt_shows_an_aware_datetime_in_vietnam_time():
    data = replace("receipt", received_at=datetime(2026, 3, 5, 2, 30, tzinfo=UTC))
    assert "09 giờ 30 phút, ngày 05/03/2026" in text_of(render("receipt", data))


def test_supplement_request_lists_items_with_notes_and_deadline():
    text = text_of(render("supplement_request"))
    assert "1. Hóa đơn giá trị gia tăng của hợp đồng tư vấn" in text
    assert "Bản đã nộp không đọc được số hóa đơn." in text
    assert "2. Giấy chứng nhận ISO 22000:2018" in text
    assert "trước ngày 20/03/2026" in text


def test_intake_refusal_states_the_reason():
    text = text_of(render("intake_refusal"))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "không thuộc đối tượng áp dụng của Nghị quyết số 43/2022/NQ-HĐND" in text


def test_appraisal_minutes_record_the_visit():
    text = text_of(render("appraisal_minutes"))
    for expected in [
        "BIÊN BẢN",
        "hồi 09 giờ 00 phút ngày 20/03/2026",
        "- Ông/Bà Lê Quang Huy, Phó Chi cục trưởng, Trưởng đoàn;",
        "- Ông/Bà Nguyễn Thị Hương, Giám đốc;",
        "Hồ sơ chi phí tư vấn đầy đủ",
        "120.000.000",
        "Tổng mức đề xuất hỗ trợ: 75.000.000 đ (Bằng chữ: Bảy mươi lăm triệu đồng)",
        "Hồ sơ đủ điều kiện",
        "TRƯỞNG ĐOÀN THẨM ĐỊNH",
        "ĐẠI DIỆN TỔ CHỨC",
    ]:
        assert expected in text, expected


def test_appraisal_minutes_without_items_say_so():
    pdf = render("appraisal_minutes", replace("appraisal_minutes", items=()))
    assert "Không đề xuất hỗ trợ." in text_of(pdf)


# ------------------------------------------------------------------------------ fonts


@pytest.mark.parametrize("kind", ["support_decision", "rejection_letter"])
def test_the_vietnamese_font_is_embedded(kind):
    reader = PdfReader(io.BytesIO(render(kind)))
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "Liberation" in font["/BaseFont"]:
                descriptor = font["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor, font["/BaseFont"]
                assert "/ToUnicode" in font
                embedded.add(font["/BaseFont"].split("+", 1)[1])
    assert {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"} <= embedded


def test_register_fonts_is_idempotent():
    register_fonts()
    register_fonts()
    assert render("intake_refusal").startswith(b"%PDF-")


def test_letters_import_neither_flask_nor_pyplot():
    probe = (
        "import sys, grants.letters as l; l.preview('support_decision');"
        "bad = {'flask', 'sqlalchemy', 'matplotlib.pyplot'} & set(sys.modules); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT)


# ------------------------------------------------------------------------------ hostile input

HOSTILE = "<script>alert(1)</script>"
LONG_WORD = "Đ" + "x" * 298 + "Ư"


@pytest.mark.parametrize("kind", KINDS)
def test_markup_in_user_data_is_printed_not_interpreted(kind):
    data = dataclasses.replace(sample_data(kind), organisation=hostile_org())
    text = text_of(render(kind, data))
    assert f"{ORG} {HOSTILE} & Co" in text


def test_hostile_reasons_render_and_come_back():
    reasons = (
        f"Lý do có thẻ {HOSTILE} và &amp; và &lt;",
        f"Từ rất dài {LONG_WORD} hết",
        "Dòng một\nDòng hai\r\nDòng ba",
        "Biểu tượng ❤ ✓ và 😀 và \x00\x07\u202e điều khiển",
        "{{ 7 * 7 }} {% if true %}không chạy{% endif %}",
    )
    data = replace("rejection_letter", reasons=reasons, organisation=hostile_org())
    pdf = render("rejection_letter", data)
    raw = raw_text(pdf)
    text = re.sub(r"\s+", " ", raw)
    assert f"Lý do có thẻ {HOSTILE} và &amp; và &lt;" in text
    assert LONG_WORD in re.sub(r"\s+", "", raw)  # wrapped over several lines, not cut
    lines = [line.strip() for line in raw.splitlines()]
    assert "3. Dòng một" in lines and "Dòng hai" in lines and "Dòng ba" in lines
    assert "Biểu tượng ❤ ✓ và \ufffd và điều khiển" in text  # astral emoji -> U+FFFD
    assert "{{ 7 * 7 }} {% if true %}không chạy{% endif %}" in text  # data is not a template


def test_hostile_minutes_and_tables_render():
    long_name = "Tiêu chuẩn " + "Z" * 300
    data = replace(
        "appraisal_minutes",
        organisation=hostile_org(),
        findings=f"{HOSTILE}\n" + "rất dài " * 800,
        items=(
            dataclasses.replace(
                sample_data("appraisal_minutes").items[0], catalogue_name=long_name
            ),
        ),
        team=(Person(name=LONG_WORD, title=HOSTILE),),
    )
    pdf = render("appraisal_minutes", data)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    assert raw_text(pdf).count("Z") == 300  # the row runs on to the next page, nothing is cut


_any_text = st.text(min_size=1, max_size=400)


@pytest.mark.slow  # about 12 s: 30 examples of three letters each
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_any_text, reason=_any_text, note=_any_text)
def test_any_unicode_renders(name, reason, note):
    org = Organisation(name=name + "x", address=note)
    pdfs = [
        render(
            "rejection_letter",
            replace("rejection_letter", organisation=org, reasons=(reason + "y",), next_steps=note),
        ),
        render(
            "supplement_request",
            replace(
                "supplement_request",
                organisation=org,
                items=(MissingItem(name=reason + "y", note=note),),
            ),
        ),
        render(
            "support_decision",
            replace(
                "support_decision",
                organisation=org,
                items=(DecisionItem(catalogue_code=note, name=reason + "y", approved_vnd=1),),
                total_vnd=1,
            ),
        ),
    ]
    for pdf in pdfs:
        assert pdf.startswith(b"%PDF-")


@given(st.text(max_size=200))
def test_markup_never_leaves_raw_markup_characters(value):
    html = markup(value)
    without_tags = re.sub(r"<br/>|<font face=\"DejaVuSans\">|</font>", "", html)
    assert "<" not in without_tags and ">" not in without_tags
    assert "&" not in re.sub(r"&(amp|lt|gt);", "", without_tags)


def test_clean_text_normalises_and_drops_controls():
    assert clean_text("Vie\u0302\u0323t\r\nNam\u2028x\x00\u202e\ty") == "Việt\nNam\nx y"


# ------------------------------------------------------------------------------ header, drafts


@pytest.mark.parametrize(
    ("issued_on", "expected"),
    [
        (date(2026, 3, 5), "Bắc Ninh, ngày 05 tháng 3 năm 2026"),
        (date(2026, 1, 9), "Bắc Ninh, ngày 09 tháng 01 năm 2026"),
        (date(2026, 2, 28), "Bắc Ninh, ngày 28 tháng 02 năm 2026"),
        (date(2026, 10, 15), "Bắc Ninh, ngày 15 tháng 10 năm 2026"),
        (date(2026, 12, 1), "Bắc Ninh, ngày 01 tháng 12 năm 2026"),
    ],
)
def test_place_and_date_follow_decree_30(issued_on, expected):
    assert place_and_date("Bắc Ninh", issued_on) == expected


def test_unnumbered_draft_is_marked():
    header = DocumentHeader(symbol="QĐ-SKHCN")
    pdf = render("support_decision", header=header)
    text = text_of(pdf)
    assert "DỰ THẢO" in text
    assert re.search(r"Số: +/QĐ-SKHCN", text)
    assert "Bắc Ninh, ngày tháng năm" in text
    assert "12/QĐ-SKHCN" not in text


def test_issuer_and_signer_come_from_data():
    issuer = Issuer(
        body_lines=("UBND TỈNH BẮC NINH",),
        signer_title_lines=("CHỦ TỊCH",),
        signer_name="Hoàng Văn An",
        place="Bắc Ninh",
    )
    data = replace("support_decision", deciding_authority="CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH")
    text = text_of(render("support_decision", data, issuer=issuer))
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH" in text
    assert "Hoàng Văn An" in text
    assert "KT. GIÁM ĐỐC" not in text


# ------------------------------------------------------------------------------ determinism


@pytest.mark.parametrize("kind", KINDS)
def test_same_input_gives_the_same_bytes(kind):
    assert render(kind) == render(kind)


def test_bytes_are_stable_across_processes():
    probe = (
        "import hashlib, grants.letters as l;"
        "print(hashlib.sha256(l.preview('support_decision')).hexdigest())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    assert out == hashlib.sha256(preview("support_decision")).hexdigest()


def test_creation_date_comes_from_the_document_date():
    reader = PdfReader(io.BytesIO(render("support_decision")))
    assert reader.metadata["/CreationDate"] == "D:20260402000000+07'00'"
    other = DocumentHeader(number=12, symbol="QĐ-SKHCN", issued_on=date(2026, 4, 3))
    assert render("support_decision", header=other) != render("support_decision")


# ------------------------------------------------------------------------------ refusals


def _decision(**changes):
    return replace("support_decision", **changes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_decision(items=(), total_vnd=0), "ít nhất một nội dung"),
        (_decision(total_vnd=70_000_000), "không bằng tổng các khoản"),
        (
            _decision(
                items=(DecisionItem(catalogue_code="5S", name="5S", approved_vnd=0),), total_vnd=0
            ),
            "lớn hơn 0",
        ),
        (
            _decision(
                items=(DecisionItem(catalogue_code="5S", name="5S", approved_vnd=-5),), total_vnd=-5
            ),
            "lớn hơn 0",
        ),
        (
            _decision(
                items=(DecisionItem(catalogue_code="5S", name="5S", approved_vnd=1.5),),
                total_vnd=1.5,
            ),
            "số nguyên",
        ),
    ],
)
def test_decision_refuses_inconsistent_amounts(data, message):
    with pytest.raises(ValueError, match=message):
        build_support_decision(
            data, header=sample_header("support_decision"), issuer=sample_issuer("support_decision")
        )


@pytest.mark.parametrize("reasons", [(), ("",), ("  \n ",)])
def test_rejection_letter_needs_a_reason(reasons):
    with pytest.raises(ValueError, match="lý do"):
        build_rejection_letter(
            replace("rejection_letter", reasons=reasons),
            header=sample_header("rejection_letter"),
            issuer=sample_issuer("rejection_letter"),
        )


@pytest.mark.parametrize("reason", ["", "   "])
def test_intake_refusal_needs_a_reason(reason):
    with pytest.raises(ValueError, match="lý do"):
        build_intake_refusal(
            replace("intake_refusal", reason=reason),
            header=sample_header("intake_refusal"),
            issuer=sample_issuer("intake_refusal"),
        )


def test_other_required_content():
    cases = [
        (build_receipt, replace("receipt", documents=()), "thành phần hồ sơ"),
        (build_supplement_request, replace("supplement_request", items=()), "cần bổ sung"),
        (build_appraisal_minutes, replace("appraisal_minutes", team=()), "đoàn thẩm định"),
        (build_appraisal_minutes, replace("appraisal_minutes", conclusion=""), "kết luận"),
    ]
    for builder, data, message in cases:
        kind = next(k for k, b in BUILDERS.items() if b is builder)
        with pytest.raises(ValueError, match=message):
            builder(data, header=sample_header(kind), issuer=sample_issuer(kind))


def test_wrong_data_type_is_refused():
    with pytest.raises(TypeError):
        build_support_decision(
            sample_data("rejection_letter"),
            header=sample_header("support_decision"),
            issuer=sample_issuer("support_decision"),
        )


def test_lists_become_tuples():
    data = replace("rejection_letter", reasons=["a", "b"])
    assert data.reasons == ("a", "b")


# ------------------------------------------------------------------------------ templates


def test_admin_texts_override_the_defaults():
    texts = {
        "title": "QUYẾT ĐỊNH\nVề việc hỗ trợ {{ org.name }} năm {{ program_year }}",
        "recipients": "Như Điều 3;\nKho bạc Nhà nước;\nLưu: VT.",
    }
    text = text_of(render("support_decision", texts=texts))
    assert f"Về việc hỗ trợ {ORG} năm 2026" in text
    assert "- Kho bạc Nhà nước;" in text
    assert "Giám đốc, các Phó Giám đốc Sở" not in text


def test_template_output_is_escaped_too():
    texts = {"next_steps": "<b>Trân trọng</b> & {{ 2 + 2 }}"}
    text = text_of(render("intake_refusal", texts=texts))
    assert "<b>Trân trọng</b> & 4" in text


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"unknown": "x"}, "Không có phần văn bản"),
        ({"body": "{% if %}"}, "lỗi cú pháp"),
        ({"body": "{{ org.no_such_field }}"}, "không hiển thị được"),
        ({"body": "{{ org.__class__.__mro__ }}"}, "không hiển thị được"),
    ],
)
def test_broken_admin_texts_raise_value_error(texts, message):
    with pytest.raises(ValueError, match=message):
        render("rejection_letter", texts=texts)


@pytest.mark.parametrize("kind", KINDS)
def test_default_texts_validate(kind):
    for text in DEFAULT_TEXTS[kind].values():
        assert validate_template(text) is None
        assert validate_template(text, kind) is None


def test_validate_template_messages():
    assert "dòng 2" in validate_template("a\n{% for x in %}")
    assert "foo" in validate_template("{{ foo }}", "receipt")
    assert "không hiển thị được" in validate_template("{{ org.nam }}", "receipt")
    assert "không hiển thị được" in validate_template(
        "{{ total | vnd }}x{{ org.__class__ }}", "support_decision"
    )
    assert validate_template("{{ total | vnd }} {{ total | words }}", "support_decision") is None
    assert validate_template("{{ foo }}") is None  # without a kind only the syntax is checked


@pytest.mark.parametrize("kind", KINDS)
def test_documented_variables_match_the_context(kind):
    documented = {name.split(".", 1)[0] for name in template_variables(kind)}
    assert documented == set(sample_context(kind))
    assert all(description for _, description in template_variable_help(kind))


def test_filters():
    assert vnd(50_000_000) == "50.000.000 đ"
    assert vnd(0) == "0 đ"
    assert format_date(date(2026, 3, 5)) == "05/03/2026"
    assert format_date(None) == ""
