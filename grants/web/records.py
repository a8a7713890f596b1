"""Records clerk (văn thư): decided dossiers waiting for their outgoing document to be numbered
and issued. The issuing itself lives with the documents service (``records.issue`` when present).
"""

from flask import Blueprint, current_app

from grants.domain.roles import Role
from grants.permissions import role_required
from grants.services import worklists
from grants.web.dossiers import render_list

bp = Blueprint("records", __name__, url_prefix="/records")
bp.before_request(role_required(Role.RECORDS))


@bp.get("/")
def queue():
    return render_list("records/queue.html", worklists.waiting_states({Role.RECORDS}),
                       title="Văn thư: văn bản chờ vào số, phát hành",
                       context={"can_issue": "records.issue" in current_app.view_functions})
