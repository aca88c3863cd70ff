"""The webhook pages of a workspace (``/team/webhooks``): subscriptions, their secret, their
delivery log with "send again" and a test event. For owners and admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventplanner.access import Action
from eventplanner.error_pages import status_for
from eventplanner.errors import DomainError, NotFound
from eventplanner.extensions import db, utcnow
from eventplanner.permissions import organisers_only, requires
from eventplanner.urls import row_id
from eventplanner.webhooks import services
from eventplanner.webhooks.event_types import (
    DELIVERY_STATUS_LABELS,
    EVENT_TYPES,
    event_type_label,
)
from eventplanner.webhooks.forms import SubscriptionForm
from eventplanner.webhooks.models import DeliveryStatus, WebhookSubscription

bp = organisers_only(Blueprint("webhooks", __name__, url_prefix="/team/webhooks"))


@bp.context_processor
def labels() -> dict:
    return {"event_type_label": event_type_label,
            "delivery_status_labels": {DeliveryStatus(name): label for name, label
                                       in DELIVERY_STATUS_LABELS.items()},
            "disabled_reason_label": services.disabled_reason_label}


def _workspace_id() -> int:
    return current_user.membership.workspace_id


def _subscription(subscription_id: int) -> WebhookSubscription:
    return services.get_subscription(_workspace_id(), subscription_id)


@bp.route("/")
@requires(Action.MANAGE_INTEGRATIONS)
def index():
    return render_template("webhooks/index.html",
                           subscriptions=services.subscriptions_of(_workspace_id()))


def _form_page(form: SubscriptionForm, subscription: WebhookSubscription | None,
               status: int = 200):
    return render_template("webhooks/form.html", form=form, subscription=subscription,
                           event_types=EVENT_TYPES), status


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def new():
    form = SubscriptionForm()
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if form.errors else 200)
    try:
        subscription = services.create_subscription(
            _workspace_id(), current_user, form.url.data, form.description.data or "",
            form.event_types.data)
    except DomainError as error:
        db.session.rollback()
        form.url.errors.append(str(error.message))
        return _form_page(form, None, status_for(error))
    db.session.commit()
    flash(_("The webhook is saved. Copy its secret into the receiving system: it checks "
            "each delivery's signature with it."), "success")
    return redirect(url_for("webhooks.subscription", subscription_id=subscription.id),
                    code=303)


@bp.route("/<int:subscription_id>/edit", methods=["GET", "POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def edit(subscription_id: int):
    subscription = _subscription(subscription_id)
    form = SubscriptionForm(obj=subscription)
    if request.method == "GET":
        form.event_types.data = sorted(subscription.event_type_set)
    if not form.validate_on_submit():
        return _form_page(form, subscription, 422 if form.errors else 200)
    try:
        services.change_subscription(subscription, current_user, form.url.data,
                                     form.description.data or "", form.event_types.data)
    except DomainError as error:
        db.session.rollback()
        form.url.errors.append(str(error.message))
        return _form_page(form, _subscription(subscription_id), status_for(error))
    db.session.commit()
    flash(_("The webhook is saved."), "success")
    return redirect(url_for("webhooks.subscription", subscription_id=subscription_id),
                    code=303)


@bp.route("/<int:subscription_id>")
@requires(Action.MANAGE_INTEGRATIONS)
def subscription(subscription_id: int):
    """The subscription, its secret, and its delivery log (newest first, paged)."""
    found = _subscription(subscription_id)
    deliveries = services.deliveries_of(found, before_id=row_id(request.args.get("before")))
    older = deliveries[-1].id if len(deliveries) == services.LOG_PAGE_SIZE else None
    return render_template("webhooks/subscription.html", subscription=found,
                           deliveries=deliveries, older=older)


def _act(subscription_id: int, change, done: str):
    """Run one service on the subscription, commit, back to its page; a refusal is
    flashed there (the CSRF token is checked for every POST by Flask-WTF)."""
    found = _subscription(subscription_id)
    try:
        change(found)
    except NotFound:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("webhooks.subscription", subscription_id=subscription_id),
                        code=303)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("webhooks.subscription", subscription_id=subscription_id),
                    code=303)


@bp.route("/<int:subscription_id>/disable", methods=["POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def disable(subscription_id: int):
    return _act(subscription_id, lambda found: services.disable_subscription(
        found, current_user, services.TURNED_OFF, utcnow()),
        _("The webhook is off: nothing is sent to it until it is turned on again."))


@bp.route("/<int:subscription_id>/enable", methods=["POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def enable(subscription_id: int):
    return _act(subscription_id,
                lambda found: services.enable_subscription(found, current_user),
                _("The webhook is on again. Send failed deliveries again from the log if "
                  "the receiver needs them."))


@bp.route("/<int:subscription_id>/rotate-secret", methods=["POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def rotate_secret(subscription_id: int):
    return _act(subscription_id,
                lambda found: services.rotate_secret(found, current_user),
                _("The webhook has a new secret: copy it into the receiving system. "
                  "Deliveries from now on are signed with it."))


@bp.route("/<int:subscription_id>/test", methods=["POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def send_test(subscription_id: int):
    return _act(subscription_id,
                lambda found: services.send_test_event(found, current_user),
                _("A test event is on its way; its delivery is in the log below."))


@bp.route("/<int:subscription_id>/deliveries/<int:delivery_id>/send-again",
          methods=["POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def send_again(subscription_id: int, delivery_id: int):
    def queue(found: WebhookSubscription) -> None:
        services.send_again(services.get_delivery(found, delivery_id), current_user,
                            utcnow())

    return _act(subscription_id, queue,
                _("The delivery is queued again, with the same webhook-id."))


@bp.route("/<int:subscription_id>/delete", methods=["POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def delete(subscription_id: int):
    found = _subscription(subscription_id)
    services.delete_subscription(found, current_user)
    db.session.commit()
    flash(_("The webhook is deleted with its delivery log."), "success")
    return redirect(url_for("webhooks.index"), code=303)
