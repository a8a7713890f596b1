"""The second yardstick of the load test: the floor of an authenticated page. A minimal
Flask-Login + Jinja app that renders the app's own layout (templates/base.html: navigation,
bell, account link, logout form with its CSRF token, flash messages) for the signed-in user,
loaded by one query, served by the same gunicorn settings (``gunicorn … 'tests.load.minimal:app'``).

It reads the app's session cookie (same ``GRANTS_SECRET_KEY``, Flask-Login's id
"<id>:<session version>") and the database of ``GRANTS_DATABASE_URL``; its one query loads the
user's name, session version and roles. The links of the layout point at stub routes named as
the app's endpoints, and the bell shows no count (that would be a second query).
"""

import os
from pathlib import Path

from flask import Flask, render_template
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager, UserMixin, login_required
from flask_wtf import CSRFProtect
from sqlalchemy import create_engine, text

from grants.domain.roles import Role

ROOT = Path(__file__).resolve().parents[2]

app = Flask(__name__, template_folder=str(ROOT / "templates"),
            static_folder=str(ROOT / "static"))
app.config["SECRET_KEY"] = os.environ.get("GRANTS_SECRET_KEY", "minimal-page")
app.config["BOOTSTRAP_SERVE_LOCAL"] = True  # as the app (config.Config)
Bootstrap5(app)
CSRFProtect(app)
login_manager = LoginManager(app)
engine = create_engine(os.environ.get("GRANTS_DATABASE_URL", "sqlite://"), pool_size=8)
ROLES_OF_USER = ("string_agg(r.role, ',')" if engine.dialect.name == "postgresql"
                 else "group_concat(r.role, ',')")
USER_QUERY = text(f"SELECT u.full_name, u.session_version, {ROLES_OF_USER} AS roles "  # noqa: S608
                  "FROM users u LEFT JOIN user_roles r ON r.user_id = u.id "
                  "WHERE u.id = :id AND u.is_active_account GROUP BY u.id")


class User(UserMixin):
    def __init__(self, session_id: str, full_name: str, roles: str | None):
        self.id, self.full_name = session_id, full_name
        self.roles = frozenset(Role(r) for r in (roles or "").split(",") if r)


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    with engine.connect() as conn:
        row = conn.execute(USER_QUERY, {"id": int(user_id)}).first()
    if row is None or str(row.session_version) != version:
        return None
    return User(session_id, row.full_name, row.roles)


NAV = [("Trang chủ", "main.home"), ("Một cửa", "intake.queue"), ("Sổ hồ sơ", "dossiers.register")]


@app.context_processor
def _layout():
    from flask import url_for

    return {"app_name": "Hỗ trợ NQ 43", "notification_bell": lambda: 0,
            "nav_items": [(label, url_for(endpoint), endpoint) for label, endpoint in NAV]}


def _stub():
    return ""


for rule, endpoint in (("/", "main.index"), ("/home", "main.home"),
                       ("/intake/", "intake.queue"), ("/dossiers/", "dossiers.register"),
                       ("/notifications/", "notifications.index"),
                       ("/auth/account", "auth.account"), ("/auth/logout", "auth.logout")):
    app.add_url_rule(rule, endpoint, _stub)


@app.get("/page")
@login_required
def page():
    return render_template("_cached_page.html", title="Trang tối thiểu",
                           body="Trang tối thiểu: bố cục chung và một truy vấn.")
