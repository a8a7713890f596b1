"""Login (password, then a second factor where there is one), logout, applicant
self-registration, the account page (password, two-factor, "sign out everywhere"), forgotten
passwords, and the session limits every request is checked against.

A session records when it logged in (``auth_at``) and when it was last used (``seen_at``); a
request past the idle timeout (SESSION_IDLE_MINUTES_STAFF / _APPLICANT) or the absolute
lifetime (SESSION_MAX_HOURS) is logged out before its view runs. Revocation is the user's
``session_version`` (grants/services/sessions.py).
"""

import time
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from grants.db import atomic
from grants.domain.errors import DomainError
from grants.domain.privacy import NOTICE_VERSION
from grants.domain.roles import Role
from grants.domain.sessions import session_expiry
from grants.extensions import db, limiter
from grants.forms.auth import LoginForm, RegisterForm
from grants.forms.credentials import (
    CodeForm,
    ConfirmForm,
    ForgotPasswordForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    ResetPasswordForm,
)
from grants.models import User
from grants.services import accounts, identity, passwords, sessions
from grants.services import two_factor as second_factor
from grants.web.actions import call_service, flash_back, form_view, page_of
from grants.web.confirmation import confirmation_link, password_link

bp = Blueprint("auth", __name__, url_prefix="/auth")

LOGIN_FAILED = ("Thư điện tử hoặc mật khẩu không đúng. Sau nhiều lần sai liên tiếp, tài khoản "
                "tạm khóa ít phút; khi đó hãy chờ rồi thử lại, hoặc dùng «Quên mật khẩu».")
REGISTERED = ("Đăng ký thành công. Hai việc trước khi nộp hồ sơ: mở liên kết xác nhận trong thư "
              "vừa gửi tới địa chỉ của bạn, và tải lên Giấy chứng nhận đăng ký doanh nghiệp để "
              "Bộ phận một cửa xác minh tổ chức. Trong lúc chờ, bạn vẫn soạn được hồ sơ nháp.")
REGISTER_CHECK_MAIL = [("Đã ghi nhận yêu cầu đăng ký. Chúng tôi đã gửi thư tới địa chỉ bạn nhập "
                        "với các bước tiếp theo; hãy kiểm tra hộp thư (cả mục thư rác).",
                        "info")]
#: How long the step between the password and the second factor may take.
PENDING_SECONDS = 5 * 60
#: Endpoints a logged-in user who must still enrol in two-factor may reach.
ENROL_OPEN = {"auth.two_factor_setup", "auth.logout", "static"}


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path of this site, else the home page. Browsers read a
    backslash as a slash (``/\\evil.example`` is ``//evil.example``) and drop tabs and new
    lines, so a target with any of them, or with any control character, is refused."""
    if (target and target.startswith("/") and target.isprintable()
            and not any(c in target for c in "\\ ")
            and not urlsplit(target).netloc and not target.startswith("//")):
        return target
    return url_for("main.home")


def _failed(response) -> bool:
    """Only failed attempts count against the per-address limit (a 401, 422 or 429)."""
    return response.status_code >= 400


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# ---------------------------------------------------------------- session limits


def _two_factor_required(user) -> bool:
    return second_factor.required_for(user, enforced=current_app.config["TWO_FACTOR_REQUIRED"])


def _idle_seconds(user) -> int:
    minutes = current_app.config["SESSION_IDLE_MINUTES_STAFF"] if user.is_staff \
        else current_app.config["SESSION_IDLE_MINUTES_APPLICANT"]
    return minutes * 60


def signed_in_user() -> User | None:
    """The ORM ``User`` of the signed-in person (``current_user`` may be an ``Account``), or
    None for a visitor: what a view hands to a service that changes the account."""
    if not current_user or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    return user.user if isinstance(user, sessions.Account) else user


@bp.before_app_request
def _enforce_session_limits():
    """End a session past its idle or absolute limit; send someone who must enrol in
    two-factor to the enrolment page before any other page."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    if not current_user.is_authenticated:  # revoked (version rotated) or disabled
        session.pop("_user_id", None)
        return None
    now = time.time()
    reason = session_expiry(auth_at=session.get("auth_at"), seen_at=session.get("seen_at"),
                            now=now, idle_seconds=_idle_seconds(current_user),
                            max_seconds=current_app.config["SESSION_MAX_HOURS"] * 3600)
    if reason is not None:
        logout_user()
        session.pop("auth_at", None)
        session.pop("seen_at", None)
        flash("Phiên làm việc đã hết hạn" + (" do lâu không thao tác" if reason == "idle"
                                              else "") + "; vui lòng đăng nhập lại.", "warning")
        return None
    if now - session.get("seen_at", 0) > 30:  # spare a new cookie on every click
        session["seen_at"] = now
    if request.blueprint != "api" and request.endpoint not in ENROL_OPEN \
            and not current_user.two_factor_enabled \
            and _two_factor_required(current_user):
        return redirect(url_for("auth.two_factor_setup"))
    return None


def _log_in(user: User) -> None:
    session.pop("pending_login", None)
    login_user(user)
    session["auth_at"] = session["seen_at"] = time.time()


# ---------------------------------------------------------------- login, second factor


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with atomic():
            user = sessions.check_credentials(form.email.data, form.password.data)
            second = user is not None and (user.two_factor_enabled
                                           or _two_factor_required(user))
            if user is not None and not second:
                sessions.logged_in(user)
        if user is None:
            form.form_errors.append(LOGIN_FAILED)
            return render_template("auth/login.html", form=form), 401
        target = _safe_next(request.args.get("next"))
        if second:
            session["pending_login"] = {"id": user.get_id(), "at": time.time(),
                                        "next": target}
            return redirect(url_for("auth.two_factor" if user.two_factor_enabled
                                    else "auth.two_factor_setup"))
        _log_in(user)
        flash(f"Xin chào {user.full_name}.", "success")
        return redirect(target)
    return render_template("auth/login.html", form=form)


def _pending_user() -> User | None:
    """The account whose password was just checked and which still needs its second factor."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return sessions.user_for_session_id(pending.get("id", ""))


def _finish_login(user: User, second_factor: str) -> None:
    """Complete a pending login (in the caller's transaction) and log the browser in."""
    target = session.get("pending_login", {}).get("next") or url_for("main.home")
    sessions.logged_in(user, second_factor=second_factor)
    g.after_login = _safe_next(target)


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def two_factor():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None or not user.two_factor_enabled:
        flash("Vui lòng đăng nhập lại.", "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/two_factor.html", form=form), \
            422 if form.is_submitted() else 200
    with atomic():  # a wrong code is counted and logged: committed like a success
        how = second_factor.verify(user, form.code.data)
        if how is not None:
            _finish_login(user, how)
    if how is None:
        form.code.errors = [second_factor.BAD_CODE]
        return render_template("auth/two_factor.html", form=form), 401
    _log_in(user)
    if how == "recovery":
        flash(f"Bạn đã đăng nhập bằng một mã khôi phục (còn "
              f"{second_factor.remaining_codes(user)} mã). Mỗi mã chỉ dùng một lần; hãy "
              "tạo bộ mã mới ở trang Tài khoản khi sắp hết.", "warning")
    flash(f"Xin chào {user.full_name}.", "success")
    return redirect(g.after_login)


def _qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _show_codes(codes: list[str], then: str):
    """The recovery codes, in this response only (never in a cookie), not cached."""
    g.no_store = True
    return make_response(render_template("auth/recovery_codes.html", codes=codes, then=then))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def two_factor_setup():
    """Enrolment: right after the password for a role that requires it (before any page), or
    from the account page for anyone else."""
    pending = not current_user.is_authenticated
    user = _pending_user() if pending else signed_in_user()
    if user is None:
        flash("Vui lòng đăng nhập lại.", "warning")
        return redirect(url_for("auth.login"))
    if user.two_factor_enabled:
        return redirect(url_for("auth.two_factor" if pending else "auth.account"))
    g.no_store = True
    with atomic():
        secret = second_factor.start_enrolment(user)
    form = CodeForm()
    page = page_of("auth/two_factor_setup.html", form=form, secret=secret,
                   qr=_qr_data_uri(second_factor.provisioning_uri(user, secret)),
                   required=_two_factor_required(user), pending=pending)

    def enable():
        codes = second_factor.enable(user, code=form.code.data)
        if pending:
            _finish_login(user, "totp")
        return codes

    def then(codes):
        if pending:
            _log_in(user)
            return _show_codes(codes, g.after_login)
        return _show_codes(codes, url_for("auth.account"))

    return form_view(form, enable, page=page, then=then,
                     success="Đã bật xác thực hai lớp. Lưu các mã khôi phục dưới đây.")


# ---------------------------------------------------------------- logout, account


@bp.post("/logout")
@login_required
def logout():
    with atomic():
        sessions.end_all(current_user, reason="logout")
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html", user=current_user,
                           codes_left=second_factor.remaining_codes(current_user),
                           required=_two_factor_required(current_user),
                           confirm_form=ConfirmForm(),
                           codes_form=PasswordConfirmForm(prefix="codes"),
                           disable_form=PasswordConfirmForm(prefix="disable"))


@bp.post("/sessions/end")
@login_required
def end_sessions():
    """"Sign out everywhere": every session of the account ends, this one included."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with atomic():
        sessions.end_all(current_user, reason="everywhere")
    logout_user()
    session.clear()
    flash("Đã đăng xuất tài khoản khỏi mọi thiết bị. Vui lòng đăng nhập lại.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    user = signed_in_user()

    def stay_logged_in(_):
        _log_in(user)  # the new session version: this browser stays, every other one ends
        return url_for("auth.account")

    return form_view(form, lambda: passwords.change_password(
        user, current=form.current.data, new=form.password.data),
        page=page_of("auth/password_change.html", form=form),
        success="Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc.",
        then=stay_logged_in)


@bp.post("/two-factor/disable")
@login_required
def two_factor_disable():
    form = PasswordConfirmForm(prefix="disable")
    back = url_for("auth.account")
    if not form.validate_on_submit():
        flash("Nhập mật khẩu hiện tại để tắt xác thực hai lớp.", "danger")
        return redirect(back)
    return call_service(
        lambda: second_factor.disable(current_user, password=form.password.data,
                                      enforced=current_app.config["TWO_FACTOR_REQUIRED"]),
        success="Đã tắt xác thực hai lớp.", then=back, on_error=flash_back(back))


@bp.post("/two-factor/recovery-codes")
@login_required
def recovery_codes():
    form = PasswordConfirmForm(prefix="codes")
    back = url_for("auth.account")
    if not form.validate_on_submit():
        flash("Nhập mật khẩu hiện tại để tạo mã khôi phục mới.", "danger")
        return redirect(back)
    return call_service(
        lambda: second_factor.regenerate_codes(current_user, password=form.password.data),
        success="Đã tạo 10 mã khôi phục mới; các mã cũ không dùng được nữa.",
        then=lambda codes: _show_codes(codes, back), on_error=flash_back(back))


# ---------------------------------------------------------------- forgotten passwords


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    return form_view(
        form, lambda: passwords.request_reset(form.email.data, link_for=password_link),
        page=page_of("auth/forgot.html", form=form),
        success=[("Nếu địa chỉ này là của một tài khoản đang hoạt động, một thư có liên kết "
                  f"đặt lại mật khẩu vừa được gửi tới đó (dùng được một lần, trong {minutes} "
                  "phút). Hãy kiểm tra hộp thư, cả mục thư rác.", "info")],
        then=url_for("auth.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def reset_password(token: str):
    g.no_store = True
    try:
        user = passwords.user_for_reset(token)
    except DomainError as err:
        flash(err.message, "danger")
        return redirect(url_for("auth.forgot_password"))
    if current_user.is_authenticated:
        logout_user()
    form = ResetPasswordForm()
    return form_view(form, lambda: passwords.reset_password(token, form.password.data),
                     page=page_of("auth/reset.html", form=form, user=user),
                     success="Đã đặt mật khẩu mới. Hãy đăng nhập bằng mật khẩu mới.",
                     then=url_for("auth.login"))


@bp.post("/users/<int:user_id>/reset-link")
@login_required
def issue_reset_link(user_id: int):
    """An admin's reset link for an account without e-mail access (shown once)."""
    if not current_user.has_role(Role.ADMIN):
        abort(403)
    user = db.get_or_404(User, user_id)
    back = url_for("admin.edit_user", user_id=user.id)
    if not ConfirmForm().validate_on_submit():
        abort(400)

    def show_once(link: str):
        g.no_store = True
        return make_response(render_template(
            "auth/reset_link.html", user=user, link=link,
            hours=current_app.config["ADMIN_RESET_HOURS"]))

    return call_service(
        lambda: passwords.issue_reset_link(user, actor=current_user, link_for=password_link),
        success=(), then=show_once, on_error=flash_back(back))


# ---------------------------------------------------------------- registration


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()

    def log_in(user):
        if user is None:  # the address has an account: its owner was told by e-mail
            return url_for("auth.login")
        _log_in(user)
        return url_for("identity.status")

    def register_and_send_link():
        # One transaction: the account, the organisation's claim, the consent and the e-mail
        # with the confirmation link (issue 13 points 7, 8, 12).
        user = accounts.register_applicant(
            email=form.email.data, password=form.password.data, full_name=form.full_name.data,
            phone=form.phone.data or None, tax_code=form.tax_code.data,
            org_name=form.org_name.data, org_type=form.org_type.data,
            address=form.address.data or None, commune=form.commune.data or None,
            consent=bool(form.consent.data), notice_version=NOTICE_VERSION)
        if user is not None:
            identity.send_confirmation(user, confirmation_link(user))
        return user

    return form_view(
        form, register_and_send_link,
        page=page_of("auth/register.html", form=form),
        success=lambda user: REGISTERED if user is not None else REGISTER_CHECK_MAIL,
        then=log_in)
