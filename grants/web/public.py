"""Public pages (no login): dossier status lookup by dossier code plus tax code."""

from flask import Blueprint, current_app, g, render_template, request

from grants.extensions import limiter
from grants.forms.applicant import LookupForm
from grants.queries.outcome import dossier_outcome
from grants.services.organisations import find_dossier_for_lookup

bp = Blueprint("public", __name__, url_prefix="/tra-cuu")

NOT_FOUND = "Không tìm thấy hồ sơ khớp với mã hồ sơ và mã số thuế đã nhập."
TOO_MANY = "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."


@bp.get("/")
@limiter.limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"],
               exempt_when=lambda: not request.args, error_message=TOO_MANY)
def lookup():
    form = LookupForm(formdata=request.args if request.args else None)
    result = outcome = None
    searched = bool(request.args) and form.validate()
    if searched:
        g.no_store = True
        result = find_dossier_for_lookup(form.code.data, form.tax_code.data)
        outcome = dossier_outcome(result) if result else None
    status = 422 if request.args and not searched else 200
    return render_template("public/lookup.html", form=form, searched=searched, result=result,
                           outcome=outcome, not_found=NOT_FOUND), status
