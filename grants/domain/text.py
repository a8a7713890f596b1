"""Vietnamese text: the house spelling (where the tone mark goes) and the search key of a name.

Spelling. Official documents (Decree 30/2020/NĐ-CP, the programme's own papers) put the tone
mark of an open "oa", "oe" or "uy" on the first vowel: "hóa", "khóa", "hủy", "CỘNG HÒA". The
app writes the same everywhere; ``NON_PREFERRED`` lists the other placement with its
replacement, and ``tests/unit/test_text.py`` checks every template and source file against it.

Search. ``search_key`` folds a text to lower case without diacritics (đ → d), so "thuc pham
sach", "THỰC PHẨM SẠCH" and "Thực phẩm sạch" have the same key.
"""

import re
import unicodedata

# Each tone mark (combining character) and the vowel pairs whose open syllable it moves in.
_TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc, huyền, hỏi, ngã, nặng
_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))


def _compose(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _spellings() -> dict[str, str]:
    table = {}
    for first, second in _PAIRS:
        for tone in _TONES:
            for upper in (False, True):
                a, b = (first.upper(), second.upper()) if upper else (first, second)
                table[_compose(a + b + tone)] = _compose(a + tone + b)
                if upper:  # "Hoá", "Uỷ": capital first letter of a word, rest lower case
                    table[_compose(a + second + tone)] = _compose(a + tone + second)
    return table


NON_PREFERRED: dict[str, str] = _spellings()
"""Open-syllable endings with the mark on the second vowel ("oá") → the house form ("óa")."""

# An ending counts only at the end of a word ("hoàn", "toán" have a final consonant and keep
# their mark) and, for "uy", not after q ("quý" is written so in both styles).
_WRONG = re.compile("(?<![qQ])(" + "|".join(sorted(NON_PREFERRED, key=len, reverse=True))
                    + r")(?!\w)")


def misspellings(text: str) -> list[str]:
    """The words of ``text`` spelt with the non-preferred tone placement ("Hoá", "Huỷ")."""
    text = _compose(text)
    return [re.search(r"\w*$", text[:m.end()]).group(0) for m in _WRONG.finditer(text)]


def house_spelling(text: str) -> str:
    """``text`` with every non-preferred tone placement replaced by the house form."""
    return _WRONG.sub(lambda m: NON_PREFERRED[m.group(1)], _compose(text))


def search_key(text: str | None) -> str:
    """``text`` lower-cased, without diacritics, đ → d and spaces collapsed: the form names are
    stored in for searching, and the form a search term is put in before it is compared."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def number_symbol(number: int | None, symbol: str) -> str:
    """A document's "number/symbol" as Decree 30/2020/NĐ-CP writes it: numbers below 10 with a
    leading zero ("01/QĐ-SKHCN", "12/QĐ-SKHCN"); "/QĐ-SKHCN" while unnumbered."""
    return f"{number:02d}/{symbol}" if number else f"/{symbol}"
