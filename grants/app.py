"""The application factory: extensions, blueprints, error pages, Jinja filters, CLI, headers."""

from datetime import date, datetime
from pathlib import Path

from flask import Flask, g, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from config import ProductionConfig, config_from_env
from grants.db import configure_sqlite, to_local
from grants.domain.errors import Conflict, DomainError, Forbidden, NotFound
from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.extensions import bootstrap, cache, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(config_class=None) -> Flask:
    """Build the app for ``config_class`` (default: the class named by GRANTS_ENV)."""
    config_class = config_class or config_from_env()
    if issubclass(config_class, ProductionConfig):
        config_class.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    if not app.config.get("TESTING"):
        # Any setting can be overridden as GRANTS_<NAME> (values parsed as JSON when they can
        # be: GRANTS_PER_PAGE=50, GRANTS_RATELIMIT_ENABLED=false).
        app.config.from_prefixed_env("GRANTS")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True,
                     render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)

    from grants import models  # noqa: F401  (register every table)
    from grants.cli import register_cli
    from grants.web import register_blueprints

    register_blueprints(app)
    register_cli(app)
    _register_jinja(app)
    _register_errors(app)
    _register_headers(app)
    return app


@login_manager.user_loader
def _load_user(user_id: str):
    from sqlalchemy.orm import joinedload

    from grants.models import User

    # Every request loads its user: one query with the roles rather than two.
    return db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])


def format_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)


def format_datetime(value) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def _register_jinja(app: Flask) -> None:
    from grants.web.nav import nav_for

    app.jinja_env.filters["vnd"] = lambda v: "" if v is None else format_vnd(int(v))
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["local_datetime"] = lambda v: "" if v is None else v.strftime(
        "%d/%m/%Y %H:%M")

    def page_url(number: int) -> str:
        """The current URL with ``page`` replaced (filters kept)."""
        args = {**(request.view_args or {}), **request.args.to_dict(), "page": number}
        return url_for(request.endpoint, **args)

    app.jinja_env.globals["page_url"] = page_url

    @app.context_processor
    def _inject():
        return {"Role": Role, "nav_items": nav_for(current_user), "app_name": "Hỗ trợ NQ 43"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error_response(status: int, code: str, message: str, fields=None):
    if _wants_json():
        return {"error": {"code": code, "message": message, "fields": fields or {}}}, status
    return render_template(f"errors/{status}.html", message=message), status


def _register_errors(app: Flask) -> None:
    messages = {
        400: ("bad_request", "Yêu cầu không hợp lệ."),
        401: ("unauthorized", "Cần đăng nhập hoặc mã truy cập hợp lệ."),
        403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
        404: ("not_found", "Không tìm thấy trang hoặc hồ sơ được yêu cầu."),
        405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
        409: ("conflict", "Hồ sơ đã thay đổi; vui lòng tải lại trang và thử lại."),
        413: ("too_large", "Tệp hoặc yêu cầu vượt quá dung lượng cho phép."),
        422: ("invalid", "Dữ liệu không hợp lệ."),
        429: ("rate_limited", "Bạn thao tác quá nhiều lần. Vui lòng thử lại sau ít phút."),
        500: ("server_error", "Đã có lỗi hệ thống. Thao tác chưa được lưu; vui lòng thử lại."),
    }
    for status, (code, message) in messages.items():
        def handler(err, status=status, code=code, message=message):
            # abort(404, "…") carries our Vietnamese text; Werkzeug's English defaults do not.
            description = getattr(err, "description", None)
            default = getattr(type(err), "description", None)
            if isinstance(err, RateLimitExceeded) and not err.limit.error_message:
                # Flask-Limiter's own description is the limit in English ("10 per 1 minute").
                description = None
            shown = description if description and description != default else message
            return _error_response(status, code, shown)

        app.register_error_handler(status, handler)

    @app.errorhandler(CSRFError)
    def _csrf(err):
        return _error_response(400, "csrf", "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp "
                               "lệ (CSRF). Vui lòng tải lại trang và gửi lại.")

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        status = 422
        for kind, code in ((NotFound, 404), (Forbidden, 403), (Conflict, 409)):
            if isinstance(err, kind):
                status = code
        fields = {err.field: [err.message]} if err.field else {}
        return _error_response(status, err.code, err.message, fields)

    @app.errorhandler(IntegrityError)
    def _integrity(err):
        db.session.rollback()
        return _error_response(409, "conflict", "Dữ liệu trùng hoặc vi phạm ràng buộc; "
                               "không có thay đổi nào được lưu.")


def _register_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if getattr(g, "no_store", False):
            response.headers["Cache-Control"] = "no-store"
        return response
