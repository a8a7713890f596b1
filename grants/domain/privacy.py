"""The privacy notice (Law 91/2025/QH15 on personal data protection; issue 13 point 12): its
version, stored with each consent, and the legal bases the notice and the erasure rely on."""

#: Change this when templates/privacy/notice.html changes in substance: new consents name it.
NOTICE_VERSION = "2026-12-06"

#: What replaces a person's identifying values when their data is erased.
REPLACEMENT = "[đã ẩn danh]"

#: Why dossiers that received public money are kept, with their organisation's identity.
KEEP_BASIS = ("Luật Kế toán số 88/2015/QH13, Điều 41, và Nghị định 174/2016/NĐ-CP, Điều 12: "
              "chứng từ kế toán dùng trực tiếp để ghi sổ và lập báo cáo tài chính được lưu trữ "
              "tối thiểu 10 năm")
