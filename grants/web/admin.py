"""Admin area: program years, catalogue, users and roles, holidays, letter texts, audit trail."""

from flask import Blueprint, render_template

from grants.domain.roles import Role
from grants.permissions import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(role_required(Role.ADMIN))


@bp.get("/")
def index():
    return render_template("admin/index.html")
