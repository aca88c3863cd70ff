"""Register, log in, log out."""

from __future__ import annotations

import math
import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from eventplanner.auth.devices import browser_and_system
from eventplanner.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    NewPasswordForm,
    PasswordCheckForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegistrationForm,
    SecondFactorForm,
    TurnOnTwoFactorForm,
)
from eventplanner.auth.guessing import (
    count_failed_login,
    count_successful_login,
    seconds_before_next_try,
)
from eventplanner.auth.models import Organiser
from eventplanner.auth.services import (
    CONFIRM_EMAIL,
    RESET_PASSWORD,
    WrongPassword,
    account_behind_link,
    authenticate,
    change_password,
    confirm_email,
    end_all_logins,
    end_login,
    end_other_login,
    find_organiser_by_email,
    is_current_login,
    logins_of,
    new_confirmation_link,
    new_password_reset_link,
    normalise_email,
    reset_password,
    sign_up,
    start_login,
    update_profile,
)
from eventplanner.auth.two_factor import (
    WrongCode,
    app_address,
    qr_code_svg,
    recovery_codes_left,
    replace_recovery_codes,
    second_factor_is_right,
    start_setup,
    turn_off,
    turn_on,
    uses_two_factor,
)
from eventplanner.extensions import db, utcnow
from eventplanner.mail.outbox import queue_email
from eventplanner.security import client_address, rate_limits
from eventplanner.urls import absolute_url, local_path

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path on this site, never another host."""
    return local_path(target) or url_for("events.dashboard")


def _log_in(organiser: Organiser, remember: bool = False) -> None:
    """A new login for this browser, saved with the rest of the request's changes."""
    start_login(organiser, request.user_agent.string)
    db.session.commit()
    login_user(organiser, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """The same answer whether or not the address has an account (a link to confirm it,
    or a note to its owner, goes by email), so the page tells nobody which addresses do."""
    if current_user.is_authenticated:
        return redirect(url_for("events.dashboard"))
    form = RegistrationForm()
    if request.method == "POST":
        rate_limits.use("RATELIMIT_REGISTER", client_address())
    if form.validate_on_submit():
        now = utcnow()
        signed_up = sign_up(form.name.data, form.email.data, form.password.data,
                            str(get_locale() or "en"), now)
        if signed_up.is_new:
            _send_confirmation_link(signed_up.organiser, signed_up.token)
        else:
            owner = signed_up.organiser
            queue_email(kind="account_exists", to=owner.email, to_name=owner.name,
                        language=owner.language, template="account_exists",
                        subject=_l("Someone tried to create an account with your address"),
                        name=owner.name, login_link=absolute_url("auth.login"))
        db.session.commit()
        return redirect(url_for("auth.check_your_email"), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


def _send_confirmation_link(organiser: Organiser, token: str) -> None:
    queue_email(kind="confirm_email", to=organiser.email, to_name=organiser.name,
                language=organiser.language, template="confirm_email",
                subject=_l("Confirm your email address"), name=organiser.name,
                link=absolute_url("auth.confirm_address", token=token))


@bp.get("/check-your-email")
def check_your_email():
    return render_template("auth/check_your_email.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_address(token: str):
    """A button, not the link itself, confirms: mail scanners open links too."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        organiser = account_behind_link(token, CONFIRM_EMAIL, utcnow())
        return render_template("auth/confirm_address.html", form=form, organiser=organiser)
    organiser = confirm_email(token, utcnow())
    _log_in(organiser)
    flash(_("Welcome, %(name)s. Create your first event.", name=organiser.name), "success")
    return redirect(url_for("events.dashboard"), code=303)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    account, address = normalise_email(request.form.get("email") or "")[:254], client_address()
    if request.method == "POST":
        # While this address must wait, even the right password is refused: guessing gains
        # nothing (auth.guessing says who waits for whom).
        wait = seconds_before_next_try(account, address)
        if wait:
            return _wait_before_trying_again(form, wait)
    if form.validate_on_submit():
        organiser = authenticate(form.email.data, form.password.data)
        if organiser is not None and organiser.email_verified_at is None:
            _send_confirmation_link(organiser, new_confirmation_link(organiser, utcnow()))
            db.session.commit()
            form.form_errors.append(_("Confirm your email address first: we have sent you a "
                                      "new link."))
        elif organiser is not None and uses_two_factor(organiser):
            session[SECOND_FACTOR] = {"organiser_id": organiser.id,
                                      "remember": bool(form.remember.data),
                                      "until": time.time() + SECOND_FACTOR_SECONDS}
            return redirect(url_for("auth.second_factor", next=request.args.get("next")),
                            code=303)
        elif organiser is not None:
            count_successful_login(account, address)
            _log_in(organiser, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        else:
            count_failed_login(account, address)
            form.form_errors.append(_("Wrong email or password."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


#: The session's note of a password that was right, waiting for the second factor.
SECOND_FACTOR = "second_factor"
SECOND_FACTOR_SECONDS = 300


@bp.route("/two-factor", methods=["GET", "POST"])
def second_factor():
    """The second step of a login with two-factor sign-in: the app's code or a recovery
    code, within five minutes of the password; wrong codes count as failed logins."""
    pending = session.get(SECOND_FACTOR) or {}
    organiser = db.session.get(Organiser, pending.get("organiser_id") or 0) \
        if pending.get("until", 0) > time.time() else None
    if organiser is None or not uses_two_factor(organiser):
        session.pop(SECOND_FACTOR, None)
        flash(_("Log in again: the time for the code ran out."), "info")
        return redirect(url_for("auth.login"), code=303)
    form = SecondFactorForm()
    account, address = organiser.email, client_address()
    if request.method == "POST":
        wait = seconds_before_next_try(account, address)
        if wait:
            return _wait_before_trying_again(form, wait, "auth/second_factor.html")
    if form.validate_on_submit():
        if second_factor_is_right(organiser, form.code.data, utcnow()):
            session.pop(SECOND_FACTOR)
            count_successful_login(account, address)
            _log_in(organiser, remember=pending["remember"])
            return redirect(_safe_next(request.args.get("next")))
        count_failed_login(account, address)
        form.code.errors.append(str(WrongCode.default_message))
    return render_template("auth/second_factor.html", form=form), 422 if form.errors else 200


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
def set_up_two_factor():
    """A QR code and key for the app; on with the app's first right code, and then the
    recovery codes, shown this once."""
    if uses_two_factor(current_user):
        return redirect(url_for("auth.profile"))
    if current_user.totp_secret is None:
        start_setup(current_user)
        db.session.commit()
    form = TurnOnTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = turn_on(current_user, form.code.data.strip(), utcnow())
        except WrongCode as error:
            form.code.errors.append(str(error.message))
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    # segno's SVG of our otpauth:// address: paths only, no text of anyone's in it.
    qr_code = Markup(qr_code_svg(app_address(current_user)))  # nosec B704
    return render_template("auth/two_factor_setup.html", form=form, qr_code=qr_code,
                           key=current_user.totp_secret), 422 if form.errors else 200


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
def replace_recovery_codes_page():
    """Ten new recovery codes, given the password, shown this once."""
    form = PasswordCheckForm()
    if form.validate_on_submit():
        try:
            codes = replace_recovery_codes(current_user, form.password.data)
        except WrongPassword as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    return redirect(url_for("auth.profile"), code=303)


@bp.route("/two-factor/off", methods=["POST"])
@login_required
def turn_off_two_factor():
    form = PasswordCheckForm()
    if form.validate_on_submit():
        try:
            turn_off(current_user, form.password.data)
        except WrongPassword as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("auth.profile"), code=303)


def _wait_before_trying_again(form, seconds: int, template: str = "auth/login.html"):
    """The form again, saying how long to wait (429 with ``Retry-After``)."""
    if seconds <= 90 * 60:
        wait = ngettext("Too many failed attempts. Try again in %(num)d minute.",
                        "Too many failed attempts. Try again in %(num)d minutes.",
                        math.ceil(seconds / 60))
    else:
        wait = ngettext("Too many failed attempts. Try again in %(num)d hour.",
                        "Too many failed attempts. Try again in %(num)d hours.",
                        math.ceil(seconds / 3600))
    form.form_errors.append(wait)
    return render_template(template, form=form), 429, {"Retry-After": str(seconds)}


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """The same answer whether or not the address has an account; a link for an hour goes
    to it when it has one."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        address = normalise_email(form.email.data)
        rate_limits.use("RATELIMIT_PASSWORD_RESET", client_address())
        rate_limits.use("RATELIMIT_PASSWORD_RESET", address)
        organiser = find_organiser_by_email(address)
        if organiser is not None:
            queue_email(kind="reset_password", to=organiser.email, to_name=organiser.name,
                        language=organiser.language, template="reset_password",
                        subject=_l("Choose a new password"), name=organiser.name,
                        link=absolute_url("auth.choose_new_password",
                                          token=new_password_reset_link(organiser, utcnow())))
            db.session.commit()
        flash(_("If the address has an account, we have sent it a link to choose a new "
                "password. The link works for an hour."), "info")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def choose_new_password(token: str):
    organiser = account_behind_link(token, RESET_PASSWORD, utcnow())
    form = NewPasswordForm(organiser=organiser)
    if form.validate_on_submit():
        organiser = reset_password(token, form.password.data, utcnow())
        flash(_("Your password is changed. You are logged out everywhere else."), "success")
        if uses_two_factor(organiser):  # the inbox alone does not open the account
            db.session.commit()
            session[SECOND_FACTOR] = {"organiser_id": organiser.id, "remember": False,
                                      "until": time.time() + SECOND_FACTOR_SECONDS}
            return redirect(url_for("auth.second_factor"), code=303)
        _log_in(organiser)
        return redirect(url_for("events.dashboard"), code=303)
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/password", methods=["POST"])
@login_required
def password():
    """Change the password, given the current one; other logins of the account end."""
    form = ChangePasswordForm(organiser=current_user)
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.password.data)
        except WrongPassword as error:
            form.current.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("Your password is changed. You are logged out everywhere else."),
                  "success")
            return redirect(url_for("auth.profile"), code=303)
    return _profile_page(ProfileForm(obj=current_user), form), 422


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
        update_profile(current_user, form.name.data, form.language.data,
                       form.phone.data or "")
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return _profile_page(form, ChangePasswordForm(organiser=current_user, formdata=None)), \
        422 if form.errors else 200


def _profile_page(form: ProfileForm, password_form: ChangePasswordForm) -> str:
    logins = [(login, browser_and_system(login.user_agent),
               is_current_login(current_user, login)) for login in logins_of(current_user)]
    return render_template("auth/profile.html", form=form, password_form=password_form,
                           logins=logins, password_check_form=PasswordCheckForm(formdata=None),
                           recovery_codes_left=recovery_codes_left(current_user))


@bp.route("/logins/<int:login_id>/end", methods=["POST"])
@login_required
def end_login_elsewhere(login_id: int):
    """Log out one other browser or device of the account."""
    end_other_login(current_user, login_id)
    db.session.commit()
    flash(_("That browser is logged out."), "info")
    return redirect(url_for("auth.profile"), code=303)
