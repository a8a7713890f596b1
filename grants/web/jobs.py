"""Long work in the background (grants/services/jobs.py): start a job, follow its progress,
download its file; "Tệp đã xuất" lists the user's own jobs. Only the owner sees a job."""

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from grants.db import atomic
from grants.domain.errors import DomainError, Forbidden, NotFound
from grants.domain.jobs import EXPORT_KINDS, REPORT_ROLES, JobState, percent_done
from grants.domain.money import group_thousands
from grants.permissions import role_required
from grants.services import jobs

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
bp.before_request(role_required(*REPORT_ROLES))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BADGE = {JobState.QUEUED: "secondary", JobState.RUNNING: "primary", JobState.DONE: "success",
         JobState.FAILED: "danger", JobState.EXPIRED: "light"}


def _job(job_id: int):
    try:
        return jobs.job_for(job_id, user=current_user)
    except NotFound:
        abort(404)


def status_of(job) -> dict:
    """The job's state as the progress script reads it, with the URL of its file."""
    body = jobs.describe(job)
    body["file_url"] = (url_for("jobs.download", job_id=job.id) if body["file_name"] else None)
    return body


@bp.context_processor
def _helpers():
    return {"badge": BADGE, "title_of": jobs.title_of, "percent_done": percent_done,
            "count": group_thousands}


@bp.get("/")
def index():
    return render_template("jobs/index.html", jobs=jobs.jobs_of(current_user))


@bp.post(f"/start/<any({', '.join(sorted(k.value for k in EXPORT_KINDS))}):kind>")
def start(kind: str):
    """Start an export from a report page's button (the year comes with the form)."""
    parameters = {"year": request.form.get("year") or None}
    try:
        with atomic():
            job = jobs.start_job(kind, actor=current_user, parameters=parameters)
    except Forbidden:
        abort(403)
    except DomainError as err:
        flash(f"Không bắt đầu được: {err.message}", "danger")
        return redirect(request.referrer or url_for("jobs.index"))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/<int:job_id>")
def show(job_id: int):
    job = _job(job_id)
    return render_template("jobs/show.html", job=job, status=status_of(job))


@bp.get("/<int:job_id>/status.json")
def status(job_id: int):
    response = jsonify(status_of(_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>/file")
def download(job_id: int):
    job = _job(job_id)
    try:
        path = jobs.file_of(job)
    except NotFound:
        abort(404)
    g.no_store = True
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=job.file_name)
