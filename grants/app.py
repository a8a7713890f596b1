"""The application factory: extensions, blueprints, error pages, Jinja filters, CLI, headers."""

import os
import re
import tempfile
import time
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path

from flask import Flask, abort, current_app, g, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from config import ProductionConfig, config_from_env, env_bool
from grants import queue
from grants.api_schemas import ID_MAX
from grants.db import configure_reads, configure_sqlite, to_local
from grants.domain.errors import Conflict, DomainError, Forbidden, NotFound
from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.extensions import bootstrap, cache, csrf, db, limiter, login_manager, migrate
from grants.queries.reports.cache import cache_settings, remember_stamp, stamp_columns

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
        _read_yes_no_settings(app, config_class)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    production = issubclass(config_class, ProductionConfig)
    app.config["DOCUMENT_SEAL"] = _load_seal(app, production)
    app.config["SIGNATURE_TRUST"] = _trust_roots(app, production)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True,
                     render_as_batch=True)
    login_manager.init_app(app)
    if app.config.get("TRUSTED_PROXIES"):
        # The client address and scheme from X-Forwarded-For/-Proto, trusting exactly this
        # many proxies in front of the app (README "Production").
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    _skip_limiter_where_no_limit(app)
    # Keys per database: apps sharing one Redis never read each other's figures.
    cache.init_app(app, config=cache_settings(app.config))
    queue.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        configure_reads(db.engine)

    from grants import models  # (registers every table)

    models.User.password_hash_method = app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    from grants.cli import register_cli
    from grants.web import register_blueprints

    register_blueprints(app)
    register_cli(app)
    _register_jinja(app)
    _register_errors(app)
    _register_headers(app)
    _register_origin(app)
    _register_input_guard(app)
    _register_id_bounds(app)
    from grants.web.refusals import register_refusal_log

    register_refusal_log(app)
    _register_unavailable(app)
    upload_dir = app.config.get("UPLOAD_DIR")
    if upload_dir:
        with suppress(OSError):  # /healthz reports a folder that cannot be made
            Path(upload_dir).mkdir(parents=True, exist_ok=True)
    return app


def _read_yes_no_settings(app: Flask, config_class) -> None:
    """A yes/no setting overridden as ``GRANTS_<NAME>`` means what ``config.env_bool`` reads:
    ``from_prefixed_env`` parses the value as JSON, which makes "0" the number 0 (a cookie
    then sent as ``Secure=0``, which a browser takes as Secure) and "no" or "off" a non-empty,
    so true, string."""
    for name in dir(config_class):
        if name.isupper() and isinstance(getattr(config_class, name), bool) \
                and f"GRANTS_{name}" in os.environ:
            app.config[name] = env_bool(name, getattr(config_class, name))


def _load_seal(app: Flask, production: bool):
    """The agency's signing certificate (issue 14 point 7). In production a missing or unusable
    one stops the app (server and `flask` commands) with one line; elsewhere the demo
    certificate is used (the one `flask seed-demo` wrote, else one made in memory) and every
    paper says so."""
    from grants.letters import signing

    try:
        return signing.load_seal(app.config.get("SIGNING_P12_PATH"),
                                 app.config.get("SIGNING_P12_PASSWORD"))
    except signing.SealUnusable as err:
        if production:
            raise SystemExit(f"Lỗi: không dùng được chứng thư số ký văn bản: {err}.") from None
        if app.config.get("SIGNING_P12_PATH"):
            app.logger.warning("Chứng thư số không dùng được (%s); dùng chứng thư thử nghiệm.",
                               err)
    demo_path = app.config.get("DEMO_P12_PATH")
    if demo_path and Path(demo_path).is_file():
        with suppress(signing.SealUnusable):
            return signing.load_seal(demo_path, app.config.get("DEMO_P12_PASSWORD"))
    return signing.demo_seal()


def _trust_roots(app: Flask, production: bool) -> list:
    """The certificates whose signatures on uploaded PDFs are trusted (issue 14 point 9): the
    agency's own and those of ``SIGNATURE_TRUST_ROOTS`` (a PEM bundle of the certification
    authorities); an unreadable bundle stops production like an unusable seal."""
    from grants.letters import signing

    try:
        roots = signing.load_trust_roots(app.config.get("SIGNATURE_TRUST_ROOTS"))
    except signing.SealUnusable as err:
        if production:
            raise SystemExit(f"Lỗi: {err}.") from None
        app.logger.warning("%s; chỉ tin chứng thư của cơ quan.", err)
        roots = []
    return [app.config["DOCUMENT_SEAL"].certificate, *roots]


def _skip_limiter_where_no_limit(app: Flask) -> None:
    """Flask-Limiter's before-request check resolves the limits of every request, though most
    pages have none (the limits are on the login, look-up, registration and API routes, and
    most only on POST). Once a check of an endpoint and method found no limit at all, later
    requests to it skip the check; an endpoint with a limit is checked every time."""
    check = limiter._check_request_limit
    hooks = app.before_request_funcs.setdefault(None, [])
    if check not in hooks:
        return
    unlimited: set[tuple[str | None, str]] = set()

    def check_where_limited():
        key = (request.endpoint, request.method)
        if key in unlimited:
            return None
        result = check()
        if limiter.enabled and not limiter.current_limits:
            unlimited.add(key)
        return result

    hooks[hooks.index(check)] = check_where_limited


@login_manager.user_loader
def _load_user(user_id: str):
    from grants.services.sessions import account_for_session_id, user_for_session_id
    from grants.web.bell import bell_column, remember_bell

    # "<id>:<session version>": a session (or remember cookie) whose version was rotated since
    # (logout, password change, disabling, "sign out everywhere") loads nobody. The bell's
    # unread count comes in the same statement, and on a page (GET, HEAD) the data stamp too:
    # the key of its cached body, so a repeat view of a work list needs no other statement.
    # A page view gets the plain ``Account`` (no ORM object, no session transaction); what
    # acts (POST …) and the API get the ORM ``User``.
    if request.method not in READ_METHODS:
        return user_for_session_id(user_id, with_columns=(bell_column(),),
                                   then=lambda user, values: remember_bell(user, values[0]))
    load = user_for_session_id if _wants_json() else account_for_session_id
    return load(user_id, with_columns=(bell_column(), *stamp_columns()),
                then=_remember_bell_and_stamp)


READ_METHODS = frozenset({"GET", "HEAD"})


def _remember_bell_and_stamp(user, values: tuple) -> None:
    from grants.web.bell import remember_bell

    remember_bell(user, values[0])
    remember_stamp(values[1:])


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
            response = app.make_response(_error_response(status, code, shown))
            if status == 405 and getattr(err, "valid_methods", None):
                response.headers["Allow"] = ", ".join(sorted(err.valid_methods))
            return response

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


#: Characters no stored text may hold: PostgreSQL refuses NUL in text (a 500 if it got that
#: far), and the other C0 control characters (but tab, line feed and carriage return) are never
#: typed; the API's document declares the same class (``api_schemas.CONTROL_CHARACTERS``).
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _has_forbidden(text: str) -> bool:
    return FORBIDDEN_CHARACTERS.search(text) is not None


def _shown(text: str) -> str:
    return FORBIDDEN_CHARACTERS.sub("", text)


def _json_paths(value, path: str = ""):
    """(path, text) of every string in a JSON value, keys included: ``items[0].evidence``."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _json_paths(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, f"{path}[{index}]")


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def forbidden_input() -> tuple[str, str] | None:
    """The first (field, message) of this request that the app refuses before any view runs:
    a NUL character in a query string, a form, a file name or a JSON body, or a page number
    beyond ``paging.MAX_PAGE``."""
    from grants.queries.paging import MAX_PAGE

    body = request.method in BODY_METHODS
    if not body and not request.query_string:  # most page views: nothing to check
        return None
    sources = [request.args.items(multi=True)]
    if body:
        if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            sources.append(request.form.items(multi=True))
            sources.append((name, file.filename or "")
                           for name, file in request.files.items(multi=True))
        elif request.is_json:
            sources.append(_json_paths(request.get_json(silent=True)))
        elif "\x00" in request.get_data(cache=True, as_text=True):
            return "body", "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL)."
    for source in sources:
        for name, value in source:
            if _has_forbidden(name) or _has_forbidden(value):
                shown = _shown(name)
                return shown, (f"Ô «{shown}» chứa ký tự không hợp lệ (ký tự điều khiển, ví "
                               "dụ ký tự NUL mã U+0000). Hãy xóa ký tự đó rồi gửi lại.")
    page = request.args.get("page", "").strip()
    if re.fullmatch(r"[0-9]+", page) and int(page) > MAX_PAGE:
        return "page", f"Số trang phải là số nguyên từ 1 đến {MAX_PAGE:,}.".replace(",", ".")
    return None


def _register_input_guard(app: Flask) -> None:
    """One check of every request's input before any view (or the API's token check) runs:
    what no view could store or page through gets 400 (pages) or 422 (the API, the field
    named in ``fields``), with a Vietnamese message, and nothing is written."""

    @app.before_request
    def _refuse_forbidden_input():
        found = forbidden_input()
        if found is None:
            return None
        field, message = found
        if _wants_json():
            return _error_response(422, "invalid", message, {field: [message]})
        return _error_response(400, "bad_request", message)


def _register_origin(app: Flask) -> None:
    """The client address of each request, for the audit trail (services do not read Flask's
    request: the edge hands it over for the length of the request)."""
    from grants.services import audit

    @app.before_request
    def _set_origin():
        g.audit_origin = audit.set_origin(request.remote_addr)

    @app.teardown_request
    def _reset_origin(_exc):
        token = g.pop("audit_origin", None)
        if token is not None:
            audit.reset_origin(token)


def _signed_in() -> bool:
    """This request came with a login session or an API token (without loading the user)."""
    return bool(session.get("_user_id")) or g.get("api_user") is not None \
        or request.authorization is not None


def _register_id_bounds(app: Flask) -> None:
    """Every <int:…> of a URL is a database id (or a year): a number beyond the INTEGER id
    columns can match no row, so such a URL is a 404 before any view runs, instead of a query
    PostgreSQL refuses ("integer out of range"), on pages and in the API alike. (A bounded
    ``int`` converter would answer 405 where another method's rule has the same path.)"""

    @app.url_value_preprocessor
    def _ids_within_columns(_endpoint, values):
        if values and any(type(v) is int and v > ID_MAX for v in values.values()):
            abort(404)


def _register_headers(app: Flask) -> None:
    hsts = app.config.get("STRICT_TRANSPORT_SECURITY")

    def _rate_limit_reset_in_seconds(response):
        # Flask-Limiter writes the reset moment as a Unix time; the RateLimit-Reset header
        # (IETF draft) is the number of seconds left. Registered first, so it runs after
        # Flask-Limiter's own hook (after_request hooks run last-registered first).
        reset = response.headers.get(app.config.get("RATELIMIT_HEADER_RESET") or "")
        if reset and reset.isdigit() and int(reset) > 10**9:
            response.headers[app.config["RATELIMIT_HEADER_RESET"]] = str(
                max(0, int(reset) - int(time.time())))
        return response

    app.after_request_funcs.setdefault(None, []).insert(0, _rate_limit_reset_in_seconds)

    defaults = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin")]
    if hsts:
        defaults.append(("Strict-Transport-Security", hsts))

    @app.after_request
    def _security_headers(response):
        # Each header unless the view set its own (Werkzeug's ``setdefault`` raises and catches
        # an exception for every header not there yet: a fifth of this hook's time).
        present = {name.lower() for name in response.headers.keys()}
        for name, value in defaults:
            if name.lower() not in present:
                response.headers.add(name, value)
        # Nothing a signed-in person or an API client sees is kept by a browser or proxy cache.
        if getattr(g, "no_store", False) or _wants_json() or _signed_in():
            response.headers["Cache-Control"] = "no-store"
        return response


#: What the app answers when the database does not (a 503, never gunicorn's bare 500).
UNAVAILABLE = ("Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Thao tác chưa được lưu; "
               "vui lòng thử lại sau ít phút.")


def _register_unavailable(app: Flask) -> None:
    """A 503 with the app's own Vietnamese page (JSON on the API) when the database cannot be
    reached: a refused or dropped connection (OperationalError, InterfaceError)."""

    def database_down(err):
        app.logger.error("database unavailable: %s", err)
        with suppress(Exception):
            db.session.rollback()
        # The page must not ask the database again: render it for nobody in particular.
        g._login_user = login_manager.anonymous_user()
        headers = {"Retry-After": "30", "Cache-Control": "no-store"}
        if _wants_json():
            return ({"error": {"code": "unavailable", "message": UNAVAILABLE, "fields": {}}},
                    503, headers)
        return render_template("errors/503.html", message=UNAVAILABLE), 503, headers

    app.register_error_handler(OperationalError, database_down)
    app.register_error_handler(InterfaceError, database_down)


def health() -> tuple[dict, int]:
    """What /healthz answers: the database (SELECT 1) and the upload folder (exists, is a
    folder, a file can be written in it); 503 when either is down."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except (OperationalError, InterfaceError):
        with suppress(Exception):
            db.session.rollback()
        checks["database"] = "unavailable"
    folder = Path(current_app.config.get("UPLOAD_DIR") or "")
    if not str(folder) or str(folder) == ".":
        checks["upload_dir"] = "not configured"
    elif not folder.is_dir():
        checks["upload_dir"] = "missing"
    else:
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
                pass
            checks["upload_dir"] = "ok" if os.access(folder, os.W_OK) else "not writable"
        except OSError:
            checks["upload_dir"] = "not writable"
    ok = all(value == "ok" for value in checks.values())
    return {"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503
