"""Login, logout and applicant self-registration."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from grants.db import atomic
from grants.domain.errors import DomainError
from grants.extensions import limiter
from grants.forms.auth import LoginForm, RegisterForm
from grants.services import accounts
from grants.web.forms_util import apply_domain_error

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with atomic():
            user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            flash(f"Xin chào {user.full_name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        form.form_errors.append("Thư điện tử hoặc mật khẩu không đúng.")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with atomic():
                user = accounts.register_applicant(
                    email=form.email.data, password=form.password.data,
                    full_name=form.full_name.data, phone=form.phone.data or None,
                    tax_code=form.tax_code.data, org_name=form.org_name.data,
                    org_type=form.org_type.data, address=form.address.data or None,
                    commune=form.commune.data or None)
        except DomainError as err:
            apply_domain_error(form, err)
            return render_template("auth/register.html", form=form), 422
        login_user(user)
        flash("Đăng ký thành công. Tổ chức của bạn đã có tài khoản trên hệ thống.", "success")
        return redirect(url_for("main.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status
