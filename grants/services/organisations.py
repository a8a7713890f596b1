"""Organisation profiles (kept by their applicant or an admin) and the public dossier lookup."""

import re

from sqlalchemy import select

from grants.domain.errors import Forbidden, InvalidInput, valid_choice
from grants.domain.organisations import OrgType, validate_tax_code
from grants.domain.payment_details import check_bank_account
from grants.domain.policy import Permission, can
from grants.domain.roles import Role
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models import Dossier, Organisation, User
from grants.services import audit

#: Field → maximum length (the column sizes); what the organisation's applicant may change.
PROFILE_FIELDS = {
    "name": 300,
    "address": 500,
    "commune": 120,
    "sector": 200,
    "size": 50,
    "representative": 200,
    "representative_title": 100,
    "phone": 30,
    "email": 254,
}
#: Only an admin changes these (the tax code identifies the organisation).
ADMIN_FIELDS = ("tax_code", "org_type")

BAD_ORG_TYPE = "Loại hình tổ chức không hợp lệ."

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"[0-9+().\-\s]{6,30}")


def _clean(field: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("Giá trị không hợp lệ.", field=field)
    value = " ".join(value.split())
    if not value:
        return None
    limit = PROFILE_FIELDS.get(field)
    if limit and len(value) > limit:
        raise InvalidInput(f"Tối đa {limit} ký tự.", field=field)
    return value


def create_organisation(*, actor: User, name: str, org_type: str, tax_code: str,
                        **profile) -> Organisation:
    """Register an organisation on its behalf (one-stop clerk or admin), e.g. from the one-stop
    software. Raises Forbidden for other roles, InvalidInput naming the field for a bad or
    already registered tax code, an unknown type or a malformed profile value."""
    from grants.services.accounts import tax_code_taken

    if not can(actor, Permission.REGISTER_ORGANISATION):
        raise Forbidden("Chỉ Bộ phận một cửa hoặc quản trị viên được đăng ký tổ chức.")
    tax_code = validate_tax_code(tax_code)
    if tax_code_taken(tax_code):
        raise InvalidInput("Mã số thuế này đã được đăng ký cho một tổ chức khác.",
                           field="tax_code")
    org_type = valid_choice(OrgType, org_type, BAD_ORG_TYPE, "org_type")
    unknown = sorted(set(profile) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidInput("Trường không được hỗ trợ.", field=unknown[0])
    values = {field: _clean(field, value) for field, value in profile.items()}
    name = _clean("name", name)
    if not name:
        raise InvalidInput("Nhập tên tổ chức.", field="name")
    org = Organisation(name=name, org_type=org_type, tax_code=tax_code, **values)
    db.session.add(org)
    db.session.flush()
    audit.record("organisation.create", org, actor=actor,
                 after={"tax_code": tax_code, "name": name, "org_type": org_type})
    return org


def update_profile(org: Organisation, *, actor: User, **fields) -> Organisation:
    """Change an organisation's profile: its own applicant or an admin.

    Accepts the keys of ``PROFILE_FIELDS``; ``tax_code`` and ``org_type`` only from an admin (an
    applicant passing an unchanged value is fine). Raises Forbidden for anyone else, InvalidInput
    naming the field for an unknown field, an empty name, a malformed e-mail/phone or tax code,
    or a tax code already registered. Audited with the changed values; flushes, never commits.
    """
    is_admin = actor.has_role(Role.ADMIN)
    if not can(actor, Permission.EDIT_ORGANISATION, org):
        raise Forbidden("Bạn không thể sửa thông tin của tổ chức này.")
    unknown = sorted(set(fields) - set(PROFILE_FIELDS) - set(ADMIN_FIELDS))
    if unknown:
        raise InvalidInput(f"Trường không sửa được: {unknown[0]}.", field=unknown[0])
    values: dict[str, object] = {}
    for field, raw in fields.items():
        if field in ADMIN_FIELDS:
            continue
        values[field] = _clean(field, raw)
    if "name" in values and not values["name"]:
        raise InvalidInput("Vui lòng nhập tên tổ chức.", field="name")
    if values.get("email"):
        values["email"] = values["email"].lower()
        if not _EMAIL.fullmatch(values["email"]):
            raise InvalidInput("Địa chỉ thư điện tử không hợp lệ.", field="email")
    if values.get("phone") and not _PHONE.fullmatch(values["phone"]):
        raise InvalidInput("Số điện thoại chỉ gồm chữ số (có thể có dấu +, dấu cách).",
                           field="phone")
    if "tax_code" in fields and fields["tax_code"] is not None:
        tax_code = validate_tax_code(fields["tax_code"])
        if tax_code != org.tax_code:
            if not is_admin:
                raise Forbidden("Mã số thuế không sửa được trên cổng thông tin; liên hệ Bộ phận "
                                "một cửa nếu cần điều chỉnh.", field="tax_code")
            from grants.services.accounts import tax_code_taken

            if tax_code_taken(tax_code, exclude_id=org.id):
                raise InvalidInput("Mã số thuế này đã được đăng ký cho tổ chức khác.",
                                   field="tax_code")
            values["tax_code"] = tax_code
    if "org_type" in fields and fields["org_type"] is not None \
            and fields["org_type"] != org.org_type:
        if not is_admin:
            raise Forbidden("Loại hình tổ chức chỉ do quản trị viên điều chỉnh.",
                            field="org_type")
        values["org_type"] = valid_choice(OrgType, fields["org_type"], BAD_ORG_TYPE, "org_type")
    audit.change(org, "organisation.update", values, actor=actor)
    return org


def find_dossier_for_lookup(code: str | None, tax_code: str | None) -> Dossier | None:
    """The filed dossier whose code and organisation tax code both match, else None (the same
    None for a wrong code and a wrong tax code; drafts are never found)."""
    code = (code or "").strip().upper()
    try:
        tax_code = validate_tax_code(tax_code or "")
    except InvalidInput:
        return None
    if not code:
        return None
    return db.session.scalar(
        select(Dossier).join(Organisation, Dossier.organisation_id == Organisation.id)
        .where(Dossier.code == code, Organisation.tax_code == tax_code,
               Dossier.status != Status.DRAFT.value))


# ---------------------------------------------------------------- payment details (issue 14.5)

BANK_FIELDS = ("bank_account_no", "bank_name", "bank_branch")


def record_bank_account(org: Organisation, *, actor: User, number: str | None, bank: str | None,
                        branch: str | None = None) -> Organisation:
    """Record the account the organisation's support is paid to: its own applicant (profile),
    finance or an admin. Raises Forbidden for anyone else; InvalidInput naming the field for
    a number that is not 6–19 digits, a missing bank or a too long branch
    (grants.domain.payment_details). Audited with the old and new values when anything
    changes; payments already recorded keep the account they were paid to."""
    if not can(actor, Permission.RECORD_BANK_ACCOUNT, org):
        raise Forbidden("Bạn không thể ghi tài khoản ngân hàng của tổ chức này.")
    account = check_bank_account(number, bank, branch)
    audit.change(org, "organisation.bank_account",
                 {"bank_account_no": account.number, "bank_name": account.bank,
                  "bank_branch": account.branch}, actor=actor)
    return org
