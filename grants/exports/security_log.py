"""The security log as a file for the auditor: plain rows in, CSV or xlsx bytes out (pandas)."""

import io
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

COLUMNS = {
    "id": "Số", "at": "Thời điểm (giờ Việt Nam)", "kind": "Mã sự kiện", "label": "Sự kiện",
    "user": "Người dùng", "email": "Thư điện tử", "ip": "Địa chỉ IP", "detail": "Chi tiết",
}
"""Row key → column header, in the order of the file."""


def frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows (dicts keyed as ``COLUMNS``) as a DataFrame with Vietnamese headers."""
    df = pd.DataFrame(list(rows), columns=list(COLUMNS))
    return df.rename(columns=COLUMNS)


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    # A typed e-mail such as "=HYPERLINK(…)" must not become a formula in the auditor's
    # spreadsheet: text cells starting with = + - @ get a leading apostrophe.
    def clean(value):
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            return "'" + value
        return value

    return df.map(clean)


def to_csv_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel shows the diacritics."""
    return _safe(frame(rows)).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """One sheet "Nhật ký bảo mật"."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        _safe(frame(rows)).to_excel(writer, index=False, sheet_name="Nhật ký bảo mật")
    return buffer.getvalue()
