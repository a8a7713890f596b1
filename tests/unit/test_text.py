"""The house spelling (tone placement of official documents) and the search key of names."""

from pathlib import Path

import pytest

from grants.domain.text import house_spelling, misspellings, search_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("text", "key"), [
    ("Thực phẩm sạch", "thuc pham sach"),
    ("THỰC PHẨM SẠCH", "thuc pham sach"),
    ("thuc pham sach", "thuc pham sach"),
    ("Đồng Đức", "dong duc"),
    ("đường", "duong"),
    ("Hợp tác xã Ươm tơ", "hop tac xa uom to"),
    ("Công ty  TNHH\tMột thành viên", "cong ty tnhh mot thanh vien"),
    ("Ngã Ba Hỏi Nặng ã ả ạ à á", "nga ba hoi nang a a a a a"),
    ("Hóa", "hoa"), ("Hoá", "hoa"),
    ("Thu\u0323c pha\u0302\u0309m", "thuc pham"),  # decomposed input (NFD) folds the same
    ("", ""), (None, ""),
])
def test_search_key_folds_case_and_diacritics(text, key):
    assert search_key(text) == key


def test_house_spelling_moves_the_mark_of_open_syllables_only():
    assert house_spelling("Hoá đơn; khoá sổ; Huỷ; CỘNG HOÀ; Luỹ kế; Uỷ ban; xoá; hoạ") == \
        "Hóa đơn; khóa sổ; Hủy; CỘNG HÒA; Lũy kế; Ủy ban; xóa; họa"
    kept = "hoàn thành, toán, hoạt động, quý, quỹ, khoản, thuyết, hóa, hủy, khỏe"
    assert house_spelling(kept) == kept
    assert misspellings(kept) == []
    assert misspellings("Hoá đơn và khoá sổ") == ["Hoá", "khoá"]


def _sources():
    for folder, patterns in (("templates", ("*.html", "*.txt")), ("grants", ("*.py",)),
                             ("static/js", ("*.js",))):
        for pattern in patterns:
            yield from (ROOT / folder).rglob(pattern)


def test_every_template_and_source_string_uses_the_house_spelling():
    """Templates, Python strings (flash messages, labels, letter texts) and scripts write
    "hóa", "hủy", "khóa", "HÒA" as official documents do, never "hoá", "huỷ", "khoá", "HOÀ"."""
    found = {str(path.relative_to(ROOT)): words for path in _sources()
             if path.name != "text.py" and (words := misspellings(path.read_text("utf-8")))}
    assert found == {}
