"""The JSON bodies of webhook deliveries: ``{"type", "timestamp", "data"}``, ``data`` thin
(ids, the contact's CRM id, the key facts), so receivers fetch the rest through the API.
Plain dicts, written once as the exact body that is signed and sent on every attempt."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from eventplanner.contacts.models import Contact
from eventplanner.events.models import Activity, Event
from eventplanner.feedback.models import Feedback
from eventplanner.invitations.models import CheckIn, Invitation


def moment(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``: ``2026-12-01T05:31:22.123456Z``."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def body(event_type: str, data: dict, now: datetime) -> str:
    return json.dumps({"type": event_type, "timestamp": moment(now), "data": data},
                      ensure_ascii=False, separators=(",", ":"))


def _guest(invitation: Invitation) -> dict:
    contact = invitation.contact
    return {"event_id": invitation.event_id, "invitation_id": invitation.id,
            "contact_id": invitation.contact_id,
            "external_id": contact.external_id if contact is not None else None}


def invitation_created(invitation: Invitation) -> dict:
    return {**_guest(invitation), "plus_ones_allowed": invitation.plus_ones_allowed,
            "sent_at": moment(invitation.sent_at)}


def invitation_answered(invitation: Invitation, changed_by: str) -> dict:
    return {**_guest(invitation), "answered_by": changed_by,
            "answered_at": moment(invitation.answered_at),
            "answers": [{"part_id": response.activity_id, "status": response.status.value,
                         "places": response.places}
                        for response in sorted(invitation.responses,
                                               key=lambda r: r.activity_id)],
            "plus_ones": len(invitation.plus_one_names or [])}


def waitlist_promoted(activity: Activity, invitation: Invitation) -> dict:
    return {**_guest(invitation), "part_id": activity.id, "status": "yes"}


def guest_checked_in(activity: Activity, invitation: Invitation, check_in: CheckIn) -> dict:
    return {**_guest(invitation), "part_id": activity.id, "party_size": check_in.party_size,
            "checked_in_at": moment(check_in.checked_in_at)}


def feedback_received(feedback: Feedback) -> dict:
    return {**_guest(feedback.invitation), "score": feedback.score,
            "ratings": [{"part_id": rating.activity_id, "rating": rating.rating}
                        for rating in sorted(feedback.ratings, key=lambda r: r.activity_id)],
            "submitted_at": moment(feedback.submitted_at)}


def results_published(event: Event) -> dict:
    return {"event_id": event.id, "published_at": moment(event.results_published_at),
            "names_shown": event.results_show_names}


def contact_saved(contact: Contact, fields: list[str] | None = None) -> dict:
    data = {"contact_id": contact.id, "external_id": contact.external_id,
            "company_id": contact.company_id}
    return data if fields is None else {**data, "fields": fields}


def contact_erased(contact: Contact, invitation_ids: list[int], whole_contact: bool) -> dict:
    return {"contact_id": contact.id, "external_id": contact.external_id,
            "whole_contact": whole_contact, "invitation_ids": sorted(invitation_ids)}


def event_changed(event: Event, change: str, activity: Activity | None,
                  fields: list[str]) -> dict:
    return {"event_id": event.id, "change": change,
            "part_id": activity.id if activity is not None else None,
            "fields": fields, "status": event.status.value}


def test_event(subscription_id: int) -> dict:
    return {"subscription_id": subscription_id,
            "message": "A test event from eventplanner: this webhook works."}
