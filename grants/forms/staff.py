"""Staff forms for the dossier lifecycle: shape checks only (the rules live in the services).

Forms whose fields depend on the dossier (one line per checklist item, one amount per requested
item) are built by small factory functions that add fields named ``<kind>_<id>``, the names the
services use in ``DomainError.field``, so a service error lands beside its field.
"""

from datetime import datetime

from wtforms import (
    BooleanField,
    DateTimeField,
    Form,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from grants.domain.enums import Channel, CopyKind, Recommendation
from grants.domain.organisations import OrgType
from grants.forms.base import AppForm
from grants.forms.fields import VndAmountField, choices, strip_filter
from grants.forms.finance import VnDateField

REQUIRED = "Vui lòng nhập thông tin này."
NOT_CHOICE = "Lựa chọn không hợp lệ."
DATETIME_HELP = "Nhập ngày giờ dạng dd/mm/yyyy HH:MM, ví dụ 05/03/2026 09:30."
ITEM_ROWS = 5

COPY_KIND_CHOICES = [("", "— Chọn —")] + [(k.value, k.label) for k in CopyKind]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice) instead of a multi-select box."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class VnDateTimeField(DateTimeField):
    """Local date and time typed as dd/mm/yyyy HH:MM, rendered as a text input."""

    widget = widgets.TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", DATETIME_HELP)
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy HH:MM",
                                        "inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, format=["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
                                                    "%Y-%m-%dT%H:%M"], **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y %H:%M") if isinstance(self.data, datetime) else ""


def lines_of(text: str | None) -> list[str]:
    """Non-empty stripped lines of a textarea."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def chosen_reasons(form, reasons) -> list[str]:
    """The texts of the catalogue ``reasons`` ticked on ``form``, then its other reasons typed
    one a line (appraisal and rejection forms)."""
    texts = {str(r.id): r.text for r in reasons}
    return [texts[v] for v in form.reasons.data or [] if v in texts] \
        + lines_of(form.other_reasons.data)


class VersionedForm(AppForm):
    """Every action form carries the dossier version the user saw."""

    expected_version = HiddenField()

    @property
    def version(self) -> int | None:
        try:
            return int(self.expected_version.data)
        except (TypeError, ValueError):
            return None


# ------------------------------------------------------------------ filters


class FilterForm(Form):
    """GET filters of a work list or the register (no CSRF: it changes nothing)."""

    status = SelectField("Trạng thái", validate_choice=False)
    year = SelectField("Năm", validate_choice=False)
    commune = SelectField("Xã/phường", validate_choice=False)
    catalogue = SelectField("Tiêu chuẩn/công cụ", validate_choice=False)
    q = StringField("Tìm kiếm", filters=[strip_filter],
                    render_kw={"placeholder": "Mã hồ sơ, tên tổ chức, mã số thuế"})
    order = SelectField("Sắp xếp", validate_choice=False, choices=choices(
        [("newest", "Mới nhất trước"), ("deadline", "Hạn sớm nhất trước")]))


def filter_form(args, *, statuses, years, communes, catalogue) -> FilterForm:
    form = FilterForm(args)
    form.status.choices = choices([("", "Tất cả")] + [(s.value, s.label) for s in statuses])
    form.year.choices = choices([("", "Tất cả")] + [(y.id, str(y.year)) for y in years])
    form.commune.choices = choices([("", "Tất cả")] + [(c, c) for c in communes])
    form.catalogue.choices = choices([("", "Tất cả")]
                                     + [(c.code, f"{c.code} – {c.name}") for c in catalogue])
    return form


# ------------------------------------------------------------------ one-stop desk


class ItemRowForm(Form):
    catalogue_code = SelectField("Tiêu chuẩn/công cụ", validate_choice=False)
    consulting_cost_vnd = VndAmountField("Chi phí tư vấn, chứng nhận (đồng)")
    requested_vnd = VndAmountField("Số tiền đề nghị hỗ trợ (đồng)")
    evidence = StringField("Chứng chỉ / minh chứng", filters=[strip_filter],
                           validators=[Optional(), Length(max=500)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.catalogue_code.data:
            return ok
        for field in (self.consulting_cost_vnd, self.requested_vnd):
            if field.data is None and not field.errors:
                field.errors = [*field.errors, REQUIRED]
                ok = False
        return ok


class TakeInForm(AppForm):
    """A paper or postal dossier taken in at the desk on an organisation's behalf."""

    tax_code = StringField("Mã số thuế của tổ chức", filters=[strip_filter],
                           validators=[DataRequired(REQUIRED), Length(max=14)],
                           render_kw={"inputmode": "numeric", "autocomplete": "off"})
    year = SelectField("Năm chương trình", validate_choice=False)
    channel = SelectField("Hình thức nộp", choices=choices(
        (c.value, c.label) for c in (Channel.COUNTER, Channel.POST)))
    return_channel = SelectField("Hình thức nhận kết quả", choices=choices(
        (c.value, c.label) for c in (Channel.COUNTER, Channel.POST, Channel.ONLINE)))
    submitter_name = StringField("Người nộp hồ sơ", filters=[strip_filter],
                                 validators=[Optional(), Length(max=200)])
    submitter_phone = StringField("Số điện thoại người nộp", filters=[strip_filter],
                                  validators=[Optional(), Length(max=30)])
    submitter_email = StringField("Thư điện tử người nộp", filters=[strip_filter],
                                  validators=[Optional(), Length(max=254),
                                              Email("Địa chỉ thư điện tử không hợp lệ.")])
    note = TextAreaField("Ghi chú", filters=[strip_filter], validators=[Optional()])
    items = FieldList(FormField(ItemRowForm), min_entries=ITEM_ROWS, max_entries=20)


def take_in_form(years, catalogue, **kw) -> TakeInForm:
    form = TakeInForm(**kw)
    form.year.choices = choices((y.id, str(y.year)) for y in years)
    item_choices = [("", "— Không chọn —")] + [(c.code, f"{c.code} – {c.name}")
                                              for c in catalogue]
    for row in form.items:
        row.catalogue_code.choices = choices(item_choices)
    return form


class ChecklistForm(VersionedForm):
    """Completeness check; lines are added per checklist item by ``checklist_form``."""

    items = TextAreaField("Giấy tờ cần bổ sung (mỗi dòng một giấy tờ; ghi chú sau dấu «—»)",
                          filters=[strip_filter])
    #: checklist item id → its label (set by ``checklist_form``)
    line_labels: dict = {}

    def validate(self, extra_validators=None):
        """Every line ticked present needs its form (copy kind): all of them flagged at once."""
        ok = super().validate(extra_validators)
        for line_id, label in self.line_labels.items():
            kind = self[f"copy_kind_{line_id}"]
            if self[f"present_{line_id}"].data and not kind.data and not kind.errors:
                kind.errors = [*kind.errors, copy_kind_missing(label)]
                ok = False
        return ok


def copy_kind_missing(label: str) -> str:
    return f"Chọn hình thức bản sao cho «{label}»."


def checklist_form(checklist, **kw) -> ChecklistForm:
    class _Form(ChecklistForm):
        line_labels = {line.id: line.label for line in checklist}

    for line in checklist:
        setattr(_Form, f"present_{line.id}", BooleanField("Có trong hồ sơ"))
        setattr(_Form, f"copy_kind_{line.id}", SelectField(
            f"Hình thức: {line.label}", choices=choices(COPY_KIND_CHOICES),
            validators=[Optional()], validate_choice=True))
        setattr(_Form, f"note_{line.id}", StringField(
            f"Ghi chú: {line.label}", filters=[strip_filter],
            validators=[Optional(), Length(max=500)]))
    return _Form(**kw)


class RefuseForm(VersionedForm):
    reason = TextAreaField("Lý do không tiếp nhận", filters=[strip_filter],
                           validators=[DataRequired("Nhập lý do từ chối tiếp nhận.")])


class ResubmitForm(VersionedForm):
    note = TextAreaField("Giấy tờ tổ chức đã nộp bổ sung", filters=[strip_filter],
                         validators=[Optional()])


class ReturnResultForm(VersionedForm):
    channel = SelectField("Hình thức trả kết quả", choices=choices(
        (c.value, c.label) for c in (Channel.COUNTER, Channel.POST, Channel.ONLINE)))
    collected_by = StringField("Người nhận kết quả", filters=[strip_filter],
                               validators=[Optional(), Length(max=200)],
                               description="Bắt buộc khi trả trực tiếp.")
    shown_document = StringField("Giấy tờ người nhận xuất trình", filters=[strip_filter],
                                 validators=[Optional(), Length(max=300)],
                                 description="Giấy tiếp nhận và hẹn trả kết quả, hoặc giấy "
                                             "giới thiệu của tổ chức.")
    note = TextAreaField("Ghi chú (số vận đơn bưu chính…)", filters=[strip_filter],
                         validators=[Optional()])


# ------------------------------------------------------------------ head of division


class AssignForm(VersionedForm):
    appraiser_id = SelectField("Chuyên viên thẩm định", validators=[
        DataRequired("Chọn một chuyên viên thẩm định đang hoạt động.")])


def assign_form(workload, **kw) -> AssignForm:
    form = AssignForm(**kw)
    form.appraiser_id.choices = choices(
        [("", "— Chọn chuyên viên —")]
        + [(u.id, f"{u.full_name} — đang thụ lý {n} hồ sơ") for u, n in workload])
    return form


class ReviewForm(VersionedForm):
    note = TextAreaField("Ý kiến khi trình lãnh đạo", filters=[strip_filter],
                         validators=[Optional()], id="review_note")


class ReworkForm(VersionedForm):
    note = TextAreaField("Nội dung cần thẩm định lại", filters=[strip_filter],
                         validators=[DataRequired("Ghi rõ nội dung cần thẩm định lại.")],
                         id="rework_note")


# ------------------------------------------------------------------ appraiser


class VisitForm(VersionedForm):
    visited_at = VnDateTimeField("Thời gian thẩm định thực tế", validators=[
        InputRequired("Nhập thời gian thẩm định thực tế.")])
    place = StringField("Địa điểm", filters=[strip_filter],
                        validators=[DataRequired("Nhập địa điểm thẩm định."), Length(max=500)])
    team = TextAreaField("Thành phần đoàn thẩm định (mỗi dòng một người: họ tên - chức vụ)",
                         filters=[strip_filter],
                         validators=[DataRequired("Nhập thành phần đoàn thẩm định.")])
    org_representatives = TextAreaField("Đại diện tổ chức (mỗi dòng một người)",
                                        filters=[strip_filter], validators=[Optional()])
    findings = TextAreaField("Kết quả thẩm định thực tế", filters=[strip_filter],
                             validators=[DataRequired("Nhập kết quả thẩm định thực tế.")])


class VisitCorrectionForm(VisitForm):
    reason = TextAreaField("Lý do điều chỉnh", filters=[strip_filter],
                           validators=[DataRequired("Ghi rõ lý do điều chỉnh.")])


class VisitVoidForm(VersionedForm):
    reason = TextAreaField("Lý do hủy lần thẩm định thực tế này", filters=[strip_filter],
                           validators=[DataRequired("Ghi rõ lý do hủy lần thẩm định thực tế.")])


def _reason_choices(reasons):
    return choices((r.id, r.text) for r in reasons)


class AppraiseForm(VersionedForm):
    documents_ok = BooleanField("Hồ sơ, chứng từ đầy đủ và hợp lệ")
    documents_note = TextAreaField("Nhận xét về hồ sơ, chứng từ", filters=[strip_filter],
                                   validators=[Optional()])
    recommendation = RadioField("Đề xuất", choices=choices(
        (r.value, r.label) for r in Recommendation),
        validators=[InputRequired("Chọn đề xuất hỗ trợ hoặc không hỗ trợ.")])
    reasons = MultiCheckboxField("Lý do không hỗ trợ", validators=[Optional()])
    other_reasons = TextAreaField("Lý do khác (mỗi dòng một lý do)", filters=[strip_filter],
                                  validators=[Optional()])
    conclusion = TextAreaField("Kết luận thẩm định", filters=[strip_filter],
                               validators=[Optional()])


def appraise_form(items, reason_rows, **kw) -> AppraiseForm:
    class _Form(AppraiseForm):
        pass

    for item in items:
        setattr(_Form, f"eligible_{item.id}", VndAmountField(
            "Chi phí hợp lệ (đồng)", validators=[InputRequired(REQUIRED)]))
    form = _Form(**kw)
    form.reasons.choices = _reason_choices(reason_rows)
    return form


# ------------------------------------------------------------------ leadership


class ApproveForm(VersionedForm):
    note = TextAreaField("Ý kiến phê duyệt", filters=[strip_filter], validators=[Optional()],
                         id="approve_note")


def approve_form(items, earlier, **kw) -> ApproveForm:
    """One amount per item; an override reason field for items supported before."""

    class _Form(ApproveForm):
        pass

    for item in items:
        setattr(_Form, f"amount_{item.id}", VndAmountField(
            "Mức hỗ trợ phê duyệt (đồng)", validators=[InputRequired(REQUIRED)],
            default=item.proposed_vnd or 0))
        if item.catalogue_item_id in earlier:
            setattr(_Form, f"override_{item.id}", TextAreaField(
                "Lý do chấp nhận hỗ trợ lại", filters=[strip_filter], validators=[Optional()]))
    return _Form(**kw)


# ------------------------------------------------------------------ the Chairman's path


class CommitteeProposalForm(VersionedForm):
    note = TextAreaField("Ý kiến trình UBND tỉnh", filters=[strip_filter],
                         validators=[Optional()], id="committee_note")


class DocumentNumberField(StringField):
    """The number part of a document's «N/symbol»: ``data`` is a positive int or None."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        if not raw.isdigit() or not 0 < int(raw) < 10**6:
            raise ValueError("Số văn bản phải là số nguyên dương (ví dụ 125).")
        self.data = int(raw)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return str(self.data) if self.data else ""


class CommitteeApprovalForm(ApproveForm):
    """The People's Committee's decision as it came back, and the amounts it approved."""

    decision_number = DocumentNumberField(
        "Số quyết định của UBND tỉnh", description="Phần số của «…/QĐ-UBND», ví dụ 125.",
        validators=[InputRequired("Nhập số quyết định của UBND tỉnh.")],
        render_kw={"inputmode": "numeric"})
    decided_on = VnDateField("Ngày quyết định", description="dd/mm/yyyy",
                             validators=[InputRequired("Nhập ngày quyết định của UBND tỉnh.")])
    signer_name = StringField("Người ký (Phó Chủ tịch UBND tỉnh)", filters=[strip_filter],
                              validators=[Optional(), Length(max=200)])


def committee_approval_form(items, earlier, **kw) -> CommitteeApprovalForm:
    """``approve_form`` with the Committee's decision number, date and signer."""

    class _Form(CommitteeApprovalForm):
        pass

    for item in items:
        setattr(_Form, f"amount_{item.id}", VndAmountField(
            "Mức hỗ trợ UBND tỉnh phê duyệt (đồng)", validators=[InputRequired(REQUIRED)],
            default=item.proposed_vnd or 0))
        if item.catalogue_item_id in earlier:
            setattr(_Form, f"override_{item.id}", TextAreaField(
                "Lý do chấp nhận hỗ trợ lại", filters=[strip_filter], validators=[Optional()]))
    return _Form(**kw)


class RejectForm(VersionedForm):
    reasons = MultiCheckboxField("Lý do không hỗ trợ", validators=[Optional()])
    other_reasons = TextAreaField("Lý do khác (mỗi dòng một lý do)", filters=[strip_filter],
                                  validators=[Optional()])
    next_steps = TextAreaField("Hướng dẫn tiếp theo cho tổ chức", filters=[strip_filter],
                               validators=[Optional()])


def reject_form(reason_rows, **kw) -> RejectForm:
    form = RejectForm(**kw)
    form.reasons.choices = _reason_choices(reason_rows)
    return form


class CommitteeRejectForm(RejectForm):
    reference = StringField("Văn bản của UBND tỉnh (số, ngày)", filters=[strip_filter],
                            validators=[Optional(), Length(max=200)])


def committee_reject_form(reason_rows, **kw) -> CommitteeRejectForm:
    form = CommitteeRejectForm(**kw)
    form.reasons.choices = _reason_choices(reason_rows)
    return form


class IssueForm(VersionedForm):
    """The records clerk confirms numbering and issuing the outgoing document."""


class NewOrganisationForm(AppForm):
    """An organisation registered at the desk before its paper dossier is taken in."""

    name = StringField("Tên tổ chức", filters=[strip_filter],
                       validators=[DataRequired(REQUIRED), Length(max=300)])
    org_type = SelectField("Loại hình", choices=choices((t.value, t.label) for t in OrgType))
    tax_code = StringField("Mã số thuế", filters=[strip_filter],
                           validators=[DataRequired(REQUIRED), Length(max=16)],
                           render_kw={"inputmode": "numeric"})
    address = StringField("Địa chỉ", filters=[strip_filter], validators=[Optional(),
                                                                          Length(max=500)])
    commune = StringField("Xã/phường", filters=[strip_filter],
                          validators=[DataRequired(REQUIRED), Length(max=120)])
    representative = StringField("Người đại diện", filters=[strip_filter],
                                 validators=[Optional(), Length(max=200)])
    phone = StringField("Số điện thoại", filters=[strip_filter],
                        validators=[Optional(), Length(max=30)])
    email = StringField("Thư điện tử", filters=[strip_filter],
                        validators=[Optional(), Length(max=254),
                                    Email("Địa chỉ thư điện tử không hợp lệ.")])
