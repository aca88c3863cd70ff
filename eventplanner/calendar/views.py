"""Calendar downloads and the organiser's private subscription feed."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from eventplanner.calendar import services
from eventplanner.errors import NotFound
from eventplanner.extensions import csrf, db, utcnow
from eventplanner.security import check_link, client_address, rate_limits

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def ics_response(content: bytes, title: str, last_modified: datetime | None = None) -> Response:
    """A .ics download: ``text/calendar; charset=utf-8``, named after the event.

    Its ETag is the content's digest, so a program that asks again with If-None-Match (or
    If-Modified-Since, where ``last_modified`` is known) gets 304 Not Modified and no body
    while nothing changed. ``no-store``: its address is secret, so no cache (a shared
    computer's browser included) keeps a copy; programs that poll keep the ETag themselves.
    """
    response = Response(content, mimetype="text/calendar", headers={
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": services.attachment_disposition(title),
        "Cache-Control": "no-store",
    })
    response.set_etag(services.content_digest(content))
    if last_modified is not None:
        response.last_modified = last_modified
    return response.make_conditional(request)


@bp.route("/feed/<token>.ics")
@csrf.exempt
def feed(token: str):
    """The organiser's feed, for calendar programs: the secret address is the key."""
    check_link()
    try:
        organiser = services.feed_owner(token)
    except NotFound:
        rate_limits.count("RATELIMIT_BAD_TOKENS", client_address())
        raise
    content = services.feed(organiser)
    last_modified = services.feed_last_modified(organiser, content, utcnow())
    try:
        db.session.commit()
    except IntegrityError:  # two first polls noted the feed at once: the other one did
        db.session.rollback()
        last_modified = None
    response = ics_response(content, organiser.name, last_modified)
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/feed/renew", methods=["POST"])
@login_required
def renew_feed():
    had_a_feed = current_user.feed_nonce is not None  # CSRF was checked by CSRFProtect
    services.renew_feed(current_user, utcnow())
    db.session.commit()
    if had_a_feed:
        flash(_("Your calendar feed has a new address; the old one no longer works."),
              "success")
    else:
        flash(_("Your calendar feed is ready: subscribe to it in your calendar program."),
              "success")
    return redirect(url_for("events.dashboard"))


@bp.route("/feed/off", methods=["POST"])
@login_required
def turn_off_feed():
    services.turn_off_feed(current_user)
    db.session.commit()
    flash(_("Your calendar feed is off."), "success")
    return redirect(url_for("events.dashboard"))
