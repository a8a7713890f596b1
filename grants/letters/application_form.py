"""The blank application form (Đơn đề nghị hỗ trợ, "theo mẫu"): the paper an organisation
prints, fills in, signs and stamps, then attaches to its dossier (checklist line "DON").

Not an issued document (no number, no register): plain data in, PDF bytes out, laid out with the
letters' own page blocks so it looks like the papers the Department sends back.
"""

from __future__ import annotations

from grants.domain.declaration import SUBMIT_DECLARATION

from . import base
from .data import DocumentHeader, Issuer

TITLE = "Đơn đề nghị hỗ trợ"
DOTS = "." * 66
BLANK_ROWS = 4


def build_application_form(year: int, *, recipient: str) -> bytes:
    """The form for program ``year`` addressed to ``recipient`` (the Department); A4 PDF
    bytes, the same for the same arguments."""
    issuer = Issuer(body_lines=("TÊN TỔ CHỨC ĐỀ NGHỊ", "." * 30), place="." * 12,
                    signer_title_lines=("ĐẠI DIỆN THEO PHÁP LUẬT CỦA TỔ CHỨC",))
    header = DocumentHeader()
    story = [base.header_block(header, issuer)]
    story += base.title_block(
        f"ĐƠN ĐỀ NGHỊ HỖ TRỢ\náp dụng tiêu chuẩn, công cụ, mô hình quản lý năm {year}",
        after=["(theo Nghị quyết số 43/2022/NQ-HĐND)"])
    story += base.text_block(f"Kính gửi: {recipient}.")
    story += base.numbered_block([
        f"Tên tổ chức: {DOTS}",
        f"Loại hình tổ chức: {'.' * 20} (doanh nghiệp, hợp tác xã, liên hiệp HTX)",
        f"Mã số thuế: {'.' * 28} Ngành nghề: {'.' * 28}",
        f"Địa chỉ trụ sở: {DOTS}",
        f"Người đại diện theo pháp luật: {'.' * 22} Chức vụ: {'.' * 12}",
        f"Điện thoại: {'.' * 28} Thư điện tử: {'.' * 27}",
        "Đề nghị hỗ trợ kinh phí cho các tiêu chuẩn, công cụ, mô hình đã áp dụng sau:",
    ])
    columns = [base.Column("STT", 0.08, "center"),
               base.Column("Tiêu chuẩn, công cụ, mô hình (mã, tên)", 0.30),
               base.Column("Chi phí tư vấn, áp dụng (đồng)", 0.19, "right"),
               base.Column("Số tiền đề nghị hỗ trợ (đồng)", 0.19, "right"),
               base.Column("Giấy chứng nhận, bằng chứng áp dụng", 0.24)]
    rows = [[str(n), "", "", "", ""] for n in range(1, BLANK_ROWS + 1)]
    story.append(base.data_table(columns, rows, total=["Tổng cộng", "", "", "", ""]))
    story += base.signed_close(
        SUBMIT_DECLARATION,
        issuer, left=[], hint="(Ký, ghi rõ họ tên, đóng dấu)")
    return base.render(story, header=header, issuer=issuer, title=f"{TITLE} năm {year}")
