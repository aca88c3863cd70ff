"""Register, log in, log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from eventplanner.auth.forms import LoginForm, ProfileForm, RegistrationForm
from eventplanner.auth.models import Organiser
from eventplanner.auth.services import (
    EmailTaken,
    authenticate,
    count_logins,
    end_all_logins,
    end_login,
    register_organiser,
    start_login,
    update_profile,
)
from eventplanner.extensions import db
from eventplanner.security import client_address, rate_limits

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path on this site, never another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("events.dashboard")


def _log_in(organiser: Organiser, remember: bool = False) -> None:
    """A new login for this browser, saved with the rest of the request's changes."""
    start_login(organiser)
    db.session.commit()
    login_user(organiser, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("events.dashboard"))
    form = RegistrationForm()
    if request.method == "POST":
        rate_limits.use("RATELIMIT_REGISTER", client_address())
    if form.validate_on_submit():
        try:
            organiser = register_organiser(form.name.data, form.email.data, form.password.data,
                                           language=str(get_locale() or "en"))
        except EmailTaken as error:
            form.email.errors.append(str(error.message))
        else:
            _log_in(organiser)
            flash(_("Welcome, %(name)s. Create your first event.", name=organiser.name),
                  "success")
            return redirect(url_for("events.dashboard"))
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "POST":
        # Only failed attempts count, per address and per account: the right password is
        # refused too while either is over its limit, so guessing gains nothing.
        account = (request.form.get("email") or "").strip().lower()[:254]
        rate_limits.check("RATELIMIT_LOGIN_PER_ADDRESS", client_address())
        rate_limits.check("RATELIMIT_LOGIN_PER_ACCOUNT", account)
    if form.validate_on_submit():
        organiser = authenticate(form.email.data, form.password.data)
        if organiser is not None:
            _log_in(organiser, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        rate_limits.count("RATELIMIT_LOGIN_PER_ADDRESS", client_address())
        rate_limits.count("RATELIMIT_LOGIN_PER_ACCOUNT", account)
        form.form_errors.append(_("Wrong email or password."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out this browser: its login ends on the server, so a copy of its cookies opens
    nothing either. Other browsers stay logged in."""
    end_login(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Log out every browser and device where this account is logged in."""
    end_all_logins(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        update_profile(current_user, form.name.data, form.language.data)
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, logins=count_logins(current_user)), \
        422 if form.errors else 200
