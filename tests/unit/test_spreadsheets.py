"""Excel exports: written to bytes, then read back with openpyxl (and pandas)."""

import io
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles.numbers import is_date_format

from grants.exports.spreadsheets import Column, Sheet, to_xlsx_bytes, write_xlsx

EXPORTED_AT = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)  # 14:30 in Hà Nội

COLUMNS = [
    Column("Mã hồ sơ", "code"),
    Column("Tên tổ chức", "organisation", width=40),
    Column("Ngày nộp", "filed_on", "date"),
    Column("Thời điểm phê duyệt", "approved_at", "datetime"),
    Column("Số tiền được duyệt (đồng)", "approved_vnd", "vnd"),
    Column("Số hạng mục", "items", "int"),
    Column("Tỷ lệ hỗ trợ", "share", "percent"),
]

ROWS = [
    {
        "code": "NQ43-2026-0001",
        "organisation": "Công ty TNHH Thực phẩm Hương Việt Bắc Ninh",
        "filed_on": date(2026, 2, 27),
        "approved_at": datetime(2026, 3, 4, 2, 15, tzinfo=UTC),
        "approved_vnd": 50_000_000,
        "items": 2,
        "share": 50,
    },
    {
        "code": "NQ43-2026-0002",
        "organisation": "Hợp tác xã Nông nghiệp Đông Tiến",
        "filed_on": date(2026, 3, 2),
        "approved_at": None,
        "approved_vnd": 1_234_567_890,
        "items": 1,
        "share": Decimal("37.5"),
    },
]


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet(rows=ROWS, **kwargs) -> Sheet:
    args = {
        "name": "Hồ sơ",
        "title": "DANH SÁCH HỒ SƠ ĐƯỢC PHÊ DUYỆT HỖ TRỢ",
        "columns": COLUMNS,
        "rows": rows,
        "subtitle": "Năm 2026",
        "exported_at": EXPORTED_AT,
    } | kwargs
    return Sheet(**args)


def test_title_block_headers_and_layout():
    ws = read(to_xlsx_bytes([sheet()]))["Hồ sơ"]
    assert ws["A1"].value == "DANH SÁCH HỒ SƠ ĐƯỢC PHÊ DUYỆT HỖ TRỢ"
    assert ws["A1"].font.b
    assert ws["A2"].value == "Năm 2026 — Xuất lúc: 05/03/2026 14:30"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:G1", "A2:G2"}
    assert [c.value for c in ws[3]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:G5"
    assert ws.column_dimensions["B"].width == 40
    assert ws.column_dimensions["E"].width >= len("Số tiền được duyệt (đồng)")
    assert ws.max_row == 5


def test_typed_cells():
    ws = read(to_xlsx_bytes([sheet()]))["Hồ sơ"]
    code, organisation, filed_on, approved_at, amount, items, share = ws[4]
    assert organisation.value == "Công ty TNHH Thực phẩm Hương Việt Bắc Ninh"
    assert organisation.data_type == "s"
    assert amount.value == 50_000_000 and type(amount.value) is int
    assert amount.number_format == "#,##0"
    assert ws["E5"].value == 1_234_567_890
    assert filed_on.value == datetime(2026, 2, 27)  # openpyxl reads Excel dates as datetimes
    assert filed_on.is_date and filed_on.number_format == "dd/mm/yyyy"
    assert approved_at.value == datetime(2026, 3, 4, 9, 15)  # shown in Vietnam time
    assert is_date_format(approved_at.number_format)
    assert items.value == 2
    assert share.value == 0.5 and share.number_format == "0.0%"
    assert ws["G5"].value == pytest.approx(0.375)
    assert ws["D5"].value is None
    assert code.value == "NQ43-2026-0001"


def test_several_sheets_and_a_title_without_subtitle():
    second = Sheet(
        name="Ngân sách",
        title="TÌNH HÌNH SỬ DỤNG KINH PHÍ",
        columns=[Column("Tháng", "month", "int"), Column("Đã chi (đồng)", "paid", "vnd")],
        rows=[{"month": 1, "paid": 0}, {"month": 2, "paid": 30_000_000}],
        exported_at=EXPORTED_AT,
    )
    wb = read(to_xlsx_bytes([sheet(), second]))
    assert wb.sheetnames == ["Hồ sơ", "Ngân sách"]
    ws = wb["Ngân sách"]
    assert ws["A2"].value == "Xuất lúc: 05/03/2026 14:30"
    assert [c.value for c in ws[5]] == [2, 30_000_000]
    assert ws["B4"].value == 0  # zero is a value, not an empty cell


def test_dataframe_rows_with_gaps():
    frame = pd.DataFrame(
        {
            "code": ["A", "B", None],
            "organisation": ["Liên hiệp HTX Thuận Thành", "Công ty CP Đại Phát", "X"],
            "filed_on": pd.to_datetime(["2026-01-05", None, "2026-03-31"]),
            "approved_at": pd.to_datetime(["2026-01-06 01:00", None, None], utc=True),
            "approved_vnd": [50_000_000, None, 7],  # the gap makes pandas use floats
            "items": pd.array([1, None, 3], dtype="Int64"),
            "share": [50.0, float("nan"), 100],
            "unused": [1, 2, 3],
        }
    )
    ws = read(to_xlsx_bytes([sheet(rows=frame)]))["Hồ sơ"]
    assert [c.value for c in ws[4]] == [
        "A",
        "Liên hiệp HTX Thuận Thành",
        datetime(2026, 1, 5),
        datetime(2026, 1, 6, 8, 0),
        50_000_000,
        1,
        0.5,
    ]
    assert type(ws["E4"].value) is int
    assert [c.value for c in ws[5]] == ["B", "Công ty CP Đại Phát", None, None, None, None, None]
    assert ws["A6"].value is None and ws["E6"].value == 7


def test_rows_are_consumed_lazily_from_a_generator():
    pulled = []

    def rows():
        for i in range(1_000):
            pulled.append(i)
            yield {"code": f"HS-{i}", "approved_vnd": i}

    data = to_xlsx_bytes([sheet(rows=rows())])
    assert len(pulled) == 1_000
    ws = read(data)["Hồ sơ"]
    assert ws.max_row == 3 + 1_000
    assert ws["E1003"].value == 999


def test_totals_row_sums_vnd_columns():
    ws = read(to_xlsx_bytes([sheet(totals_label="Tổng cộng")]))["Hồ sơ"]
    last = [c.value for c in ws[6]]
    assert last[0] == "Tổng cộng"
    assert last[4] == 1_284_567_890
    assert last[1:4] == [None, None, None] and last[5:] == [None, None]
    assert ws["A6"].font.b and ws["E6"].number_format == "#,##0"
    assert ws.auto_filter.ref == "A3:G5"  # the total is not filtered with the data


def test_user_text_is_never_a_formula_and_control_characters_go():
    rows = [
        {"code": '=HYPERLINK("http://x","bấm")', "organisation": "Công ty\x00 An\x07 Bình"},
        {"code": "#N/A", "organisation": 12345},
    ]
    ws = read(to_xlsx_bytes([sheet(rows=rows)]))["Hồ sơ"]
    assert ws["A4"].value == '=HYPERLINK("http://x","bấm")'
    assert ws["A4"].data_type == "s"
    assert ws["B4"].value == "Công ty An Bình"
    assert ws["A5"].value == "#N/A" and ws["A5"].data_type == "s"
    assert ws["B5"].value == "12345"  # a text column keeps codes as text


def test_empty_report_still_has_its_headers():
    ws = read(to_xlsx_bytes([sheet(rows=[])]))["Hồ sơ"]
    assert ws.max_row == 3
    assert ws["A3"].value == "Mã hồ sơ"


def test_single_column_sheet_is_not_merged():
    one = Sheet(
        "Mã", "DANH SÁCH MÃ", [Column("Mã", "code")], [{"code": "x"}], exported_at=EXPORTED_AT
    )
    ws = read(to_xlsx_bytes([one]))["Mã"]
    assert not ws.merged_cells.ranges
    assert ws["A4"].value == "x"


def test_naive_datetimes_are_utc_and_aware_ones_are_converted():
    plus_two = timezone(timedelta(hours=2))
    rows = [
        {"approved_at": datetime(2026, 3, 4, 20, 0)},
        {
            "approved_at": datetime(2026, 3, 4, 20, 0, tzinfo=plus_two),
            "filed_on": datetime(2026, 3, 4, 20, 0, tzinfo=UTC),
        },
    ]
    ws = read(to_xlsx_bytes([sheet(rows=rows, exported_at=datetime(2026, 3, 4, 20, 0))]))["Hồ sơ"]
    assert ws["D4"].value == datetime(2026, 3, 5, 3, 0)
    assert ws["D5"].value == datetime(2026, 3, 5, 1, 0)
    assert ws["C5"].value == datetime(2026, 3, 5)  # the date as seen in Vietnam
    assert ws["A2"].value.endswith("Xuất lúc: 05/03/2026 03:00")


def test_sheet_names_are_made_valid():
    wb = read(to_xlsx_bytes([sheet(name="Báo cáo: 2026/Q1 [tạm] và một tên rất rất dài")]))
    name = wb.sheetnames[0]
    assert len(name) <= 31 and not set("[]:*?/\\") & set(name)
    assert name.startswith("Báo cáo- 2026-Q1")


def test_pandas_reads_the_table_under_the_title_block():
    frame = pd.read_excel(io.BytesIO(to_xlsx_bytes([sheet()])), header=2)
    assert list(frame.columns) == [c.header for c in COLUMNS]
    assert frame["Số tiền được duyệt (đồng)"].tolist() == [50_000_000, 1_234_567_890]


def test_write_xlsx_to_a_file(tmp_path):
    path = tmp_path / "bao-cao.xlsx"
    write_xlsx([sheet()], str(path))
    assert read(path.read_bytes())["Hồ sơ"]["A4"].value == "NQ43-2026-0001"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("approved_vnd", "50.000.000"),
        ("approved_vnd", 1.5),
        ("approved_vnd", True),
        ("items", Decimal("2.5")),
        ("filed_on", "2026-03-01"),
        ("approved_at", "hôm qua"),
        ("share", "50%"),
    ],
)
def test_a_value_of_the_wrong_kind_names_its_place(key, value):
    rows = [ROWS[0], ROWS[1] | {key: value}]
    with pytest.raises(TypeError, match=rf"column '{key}'.*data row 2"):
        to_xlsx_bytes([sheet(rows=rows)])


def test_a_failed_export_leaves_no_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where XlsxWriter streams sheets
    with pytest.raises(TypeError):
        to_xlsx_bytes([sheet(), sheet(rows=[{"approved_vnd": "nhiều"}])])
    assert list(tmp_path.iterdir()) == []


def test_decimal_columns_are_numbers_with_two_decimals():
    columns = [Column("Bước", "step"), Column("Trung bình (ngày làm việc)", "average", "decimal")]
    rows = [
        {"step": "Tiếp nhận", "average": 0.714285},
        {"step": "Thẩm định", "average": Decimal("12.5")},
        {"step": "Phê duyệt", "average": 3},
        {"step": "Chưa có", "average": None},
        {"step": "Trống", "average": float("nan")},
    ]
    ws = read(to_xlsx_bytes([sheet(columns=columns, rows=rows)]))["Hồ sơ"]
    assert [ws.cell(r, 2).value for r in range(4, 9)] == [0.714285, 12.5, 3, None, None]
    assert ws["B4"].number_format == "#,##0.00" and ws["B4"].data_type == "n"
    assert Column("Trung bình", "average", "decimal").display_width == 12


@pytest.mark.parametrize("value", ["0,71", True, float("inf"), Decimal("NaN")])
def test_a_decimal_column_refuses_what_is_not_a_finite_number(value):
    columns = [Column("Bước", "step"), Column("Trung bình", "average", "decimal")]
    rows = [{"step": "a", "average": 1.5}, {"step": "b", "average": value}]
    with pytest.raises(TypeError, match=r"column 'average' \(decimal\).*data row 2"):
        to_xlsx_bytes([sheet(columns=columns, rows=rows)])


def test_text_that_looks_like_rich_text_xml_stays_plain_text():
    # XlsxWriter's constant_memory mode would copy such a string into the XML unescaped.
    rows = [{"code": "<r><t>giả</t></r>", "organisation": "<r>A & B</r>"}]
    ws = read(to_xlsx_bytes([sheet(rows=rows, totals_label="<r>Tổng</r>")]))["Hồ sơ"]
    assert ws["A4"].value == "<r><t>giả</t></r>" and ws["A4"].data_type == "s"
    assert ws["B4"].value == "<r>A & B</r>"
    assert ws["A5"].value == "<r>Tổng</r>"


def test_repeated_sheet_names_are_numbered():
    wb = read(to_xlsx_bytes([sheet(), sheet(name="hồ sơ"), sheet(name="History")]))
    assert wb.sheetnames == ["Hồ sơ", "hồ sơ1", "History1"]


def test_bad_specs_are_refused():
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("Tiền", "x", "money")
    with pytest.raises(ValueError, match="width"):
        Column("Tiền", "x", "vnd", width=0)
    with pytest.raises(ValueError, match="no column"):
        to_xlsx_bytes([sheet(rows=pd.DataFrame({"code": ["A"]}))])
    with pytest.raises(ValueError, match="no columns"):
        to_xlsx_bytes([sheet(columns=[])])
    with pytest.raises(ValueError, match="at least one sheet"):
        to_xlsx_bytes([])
