"""The applicant's declaration (lời cam đoan) made when it files its own dossier."""

SUBMIT_DECLARATION = ("Tổ chức chúng tôi cam đoan các thông tin kê khai và giấy tờ đính kèm "
                      "trong hồ sơ là đúng sự thật và xin chịu trách nhiệm trước pháp luật.")
"""Shown beside the required checkbox of the submit form and recorded, word for word, in the
note of the submit step (the audit trail) when the applicant files the dossier."""
