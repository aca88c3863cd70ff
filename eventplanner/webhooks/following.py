"""Webhooks follow what the packages below announce: each signal, received in the
transaction of its cause, writes a delivery for every subscription of the workspace that
wants it (``services.queue_event``), so a delivery exists exactly when its cause does."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect, select

from eventplanner.checkin import signals as checkin_signals
from eventplanner.contacts import signals as contact_signals
from eventplanner.contacts.models import Contact
from eventplanner.events import signals as event_signals
from eventplanner.events.models import Activity, Event
from eventplanner.extensions import db
from eventplanner.feedback import signals as feedback_signals
from eventplanner.feedback.models import Feedback
from eventplanner.goals import signals as goal_signals
from eventplanner.invitations import signals as invitation_signals
from eventplanner.invitations.models import CheckIn, Invitation
from eventplanner.privacy import signals as privacy_signals
from eventplanner.webhooks import payloads
from eventplanner.webhooks.services import queue_event


def connect_webhooks(app: Flask) -> None:
    """Let ``app``'s webhook subscriptions hear of what happens in their workspace."""
    invitation_signals.invitations_created.connect(invitations_created, sender=app)
    invitation_signals.invitation_answered.connect(invitation_answered, sender=app)
    invitation_signals.waitlist_promoted.connect(waitlist_promoted, sender=app)
    checkin_signals.guest_checked_in.connect(guest_checked_in, sender=app)
    feedback_signals.feedback_received.connect(feedback_received, sender=app)
    goal_signals.results_published.connect(results_published, sender=app)
    privacy_signals.contact_erased.connect(contact_erased, sender=app)
    privacy_signals.contacts_purged.connect(contacts_purged, sender=app)
    event_signals.event_changed.connect(event_changed, sender=app)
    contact_signals.contacts_created.connect(contacts_created, sender=app)
    contact_signals.contacts_updated.connect(contacts_updated, sender=app)


def _with_contacts(invitations: list[Invitation]) -> list[Invitation]:
    """``invitations``, their contacts loaded in one query for a thousand (each payload
    names its contact's CRM id)."""
    missing = sorted({invitation.contact_id for invitation in invitations
                      if invitation.contact_id is not None
                      and "contact" in inspect(invitation).unloaded})
    for start in range(0, len(missing), 1000):
        db.session.scalars(select(Contact).where(
            Contact.id.in_(missing[start:start + 1000]))).all()
    return invitations


def invitations_created(_app, *, event: Event, invitations: list[Invitation]) -> None:
    queue_event(event.workspace_id, "invitation.created",
                lambda: [payloads.invitation_created(i) for i in _with_contacts(invitations)])


def invitation_answered(_app, *, invitation: Invitation, changed_by: str) -> None:
    queue_event(invitation.event.workspace_id, "invitation.answered",
                lambda: [payloads.invitation_answered(invitation, changed_by)])


def waitlist_promoted(_app, *, activity: Activity, invitations: list[Invitation]) -> None:
    queue_event(activity.event.workspace_id, "waitlist.promoted",
                lambda: [payloads.waitlist_promoted(activity, i)
                         for i in _with_contacts(invitations)])


def guest_checked_in(_app, *, activity: Activity, invitation: Invitation,
                     check_in: CheckIn) -> None:
    queue_event(activity.event.workspace_id, "guest.checked_in",
                lambda: [payloads.guest_checked_in(activity, invitation, check_in)])


def feedback_received(_app, *, feedback: Feedback) -> None:
    queue_event(feedback.invitation.event.workspace_id, "feedback.received",
                lambda: [payloads.feedback_received(feedback)])


def results_published(_app, *, event: Event) -> None:
    queue_event(event.workspace_id, "results.published",
                lambda: [payloads.results_published(event)])


def contact_erased(_app, *, contact: Contact, invitation_ids: list[int],
                   whole_contact: bool) -> None:
    queue_event(contact.workspace_id, "contact.erased",
                lambda: [payloads.contact_erased(contact, invitation_ids, whole_contact)])


def contacts_purged(_app, *, contacts: list[Contact],
                    invitation_ids: dict[int, list[int]]) -> None:
    """The retention purge: ``contact.erased`` (not the whole contact) for each."""
    by_workspace: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_workspace.setdefault(contact.workspace_id, []).append(contact)
    for workspace_id, theirs in by_workspace.items():
        queue_event(workspace_id, "contact.erased",
                    lambda theirs=theirs: [
                        payloads.contact_erased(contact, invitation_ids[contact.id], False)
                        for contact in theirs])


def contacts_created(_app, *, contacts: list[Contact]) -> None:
    queue_event(contacts[0].workspace_id, "contact.created",
                lambda: [payloads.contact_saved(contact) for contact in contacts])


def contacts_updated(_app, *, contacts: list[Contact], fields: list[str]) -> None:
    queue_event(contacts[0].workspace_id, "contact.updated",
                lambda: [payloads.contact_saved(contact, fields) for contact in contacts])


def event_changed(_app, *, event: Event, change: str, activity: Activity | None,
                  fields: list[str]) -> None:
    queue_event(event.workspace_id, "event.changed",
                lambda: [payloads.event_changed(event, change, activity, fields)])
