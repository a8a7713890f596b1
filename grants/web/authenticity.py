"""Public verification of issued papers (issue 14 point 8), no login: the QR code and short code
on each paper open /xac-thuc/<code>, which shows what the paper prints about itself and compares
an uploaded copy with the issued file. Rate-limited per client address like the lookup."""

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from grants.domain.errors import InvalidInput
from grants.domain.verification_codes import VERIFY_PATH, normalise_code
from grants.extensions import limiter
from grants.forms.authenticity import CodeForm, CopyForm
from grants.letters import DOCUMENT_TITLES, signing
from grants.queries import authenticity
from grants.web.actions import place_error

bp = Blueprint("authenticity", __name__, url_prefix=VERIFY_PATH.rstrip("/"))

TOO_MANY = "Bạn đã kiểm tra quá nhiều lần. Vui lòng thử lại sau ít phút."


def _limit():
    return limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"],
                         error_message=TOO_MANY)


@bp.get("/")
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"],
               exempt_when=lambda: not request.args, error_message=TOO_MANY)
def index():
    form = CodeForm(formdata=request.args if request.args else None, meta={"csrf": False})
    if request.args and form.validate():
        return redirect(url_for("authenticity.show", code=normalise_code(form.code.data)))
    return render_template("authenticity/index.html", form=form), 422 if request.args else 200


def _page(code: str, form: CopyForm | None = None, check=None, status: int = 200):
    g.no_store = True
    issued = authenticity.paper(code)  # NotFound: the 404 page says so
    return render_template("authenticity/show.html", paper=issued, form=form or CopyForm(),
                           title=DOCUMENT_TITLES.get(issued.kind, issued.kind), check=check,
                           max_bytes=current_app.config["MAX_UPLOAD_BYTES"]), status


@bp.get("/<code>")
@_limit()
def show(code: str):
    return _page(code)


@bp.post("/<code>")
@_limit()
def check(code: str):
    issued = authenticity.paper(code)
    form = CopyForm()
    if not form.validate_on_submit():
        return _page(code, form, status=422)
    seal = current_app.config.get("DOCUMENT_SEAL")
    try:
        result = signing.check_copy(
            request.files.get("file"), issued_sha256=issued.sha256,
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            trusted=[seal.certificate] if seal is not None else [])
    except InvalidInput as err:
        place_error(form, err)
        return _page(code, form, status=422)
    return _page(code, form, check=result)
