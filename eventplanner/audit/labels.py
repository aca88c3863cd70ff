"""The audit trail's actions as people read them.

Each place that writes a line (``audit.services.record``) names its action here, so the
trail page can say it in the reader's language; an action missing here is shown by its
name, as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

ACTION_LABELS: Mapping[str, object] = {
    "event.created": _l("Created the event"),
    "event.changed": _l("Changed the event"),
    "event.shared": _l("Shared the event with someone outside the team"),
    "event.unshared": _l("Stopped sharing the event"),
    "event.hosts_changed": _l("Changed who hosts the event"),
    "event.guest_hosts_changed": _l("Chose a host for guests"),
    "event.hosts_shared": _l("Shared the guests without a host among the hosts"),
    "event.briefing_schedule_changed": _l("Changed when hosts get their briefing"),
    "contact.changed": _l("Changed a contact"),
    "contact.account_manager_changed": _l("Changed a contact's account manager"),
    "company.account_manager_changed": _l("Changed a company's account manager"),
    "contacts.imported": _l("Imported contacts"),
    "contacts.upserted": _l("Saved contacts in bulk through the API"),
    "company.changed": _l("Changed a company"),
    "companies.upserted": _l("Saved companies in bulk through the API"),
    "contact.exported": _l("Downloaded the data held about a contact"),
    "contact.erased": _l("Erased a contact's personal data"),
    "part.added": _l("Added a part"),
    "part.changed": _l("Changed a part"),
    "part.removed": _l("Removed a part"),
    "question.added": _l("Added a question for the guests"),
    "question.changed": _l("Changed a question for the guests"),
    "question.moved": _l("Moved a question for the guests"),
    "question.removed": _l("Removed a question for the guests"),
    "seating.tables_added": _l("Added tables to a part's table plan"),
    "seating.table_changed": _l("Changed a table of a part's table plan"),
    "seating.table_deleted": _l("Deleted a table of a part's table plan"),
    "seating.suggested": _l("Had a table plan suggested"),
    "seating.cleared": _l("Unseated everyone not pinned in a table plan"),
    "seating.left": _l("A guest left the table plan"),
    "seating.departures_noted": _l("Noted who left the table plan"),
    "results.entered": _l("Entered results"),
    "answer.on_behalf": _l("Answered for a guest"),
    "answer.confirmed_from_calendar": _l("Applied a guest's calendar answer from another address"),
    "results.published": _l("Published the results"),
    "results.withdrawn": _l("Withdrew the results"),
    "guests.exported": _l("Downloaded the guest list"),
    "feedback.exported": _l("Downloaded the feedback"),
    "gifts.exported": _l("Downloaded the year's gifts"),
    "door_list.exported": _l("Downloaded a part's door list"),
    "place_cards.printed": _l("Downloaded a part's place cards"),
    "member.invited": _l("Invited someone to join"),
    "member.invitation_revoked": _l("Withdrew an invitation to join"),
    "member.joined": _l("Joined the workspace"),
    "member.role_changed": _l("Changed a member's role"),
    "member.removed": _l("Removed a member"),
    "member.left": _l("Left the workspace"),
    "member.ownership_transferred": _l("Handed ownership to a member"),
    "workspace.two_factor_changed": _l("Changed whether members must use two-factor sign-in"),
    "workspace.renamed": _l("Renamed the workspace"),
    "workspace.gift_limit_changed": _l("Changed the yearly gift limit"),
    "workspace.started": _l("Started the workspace"),
    "api_token.created": _l("Made an API token"),
    "api_token.revoked": _l("Revoked an API token"),
    "api.called": _l("Called the API"),
    "webhook.created": _l("Added a webhook"),
    "webhook.changed": _l("Changed a webhook"),
    "webhook.secret_rotated": _l("Gave a webhook a new secret"),
    "webhook.disabled": _l("Turned a webhook off"),
    "webhook.enabled": _l("Turned a webhook on again"),
    "webhook.deleted": _l("Deleted a webhook"),
    "webhook.test_sent": _l("Sent a test event to a webhook"),
    "webhook.sent_again": _l("Sent a webhook delivery again"),
}


def action_label(action: str) -> str:
    """The action in the reader's language, or its name if it has no text here."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


#: The names of the details a line keeps, as people read them; a name missing here (an
#: event's field, say) is shown as it was written.
DETAIL_LABELS: Mapping[str, object] = {
    "account_manager": _l("Account manager"),
    "added": _l("Added"),
    "answers removed": _l("Answers removed"),
    "capacity": _l("Capacity"),
    "clients released": _l("Clients without an account manager now"),
    "company_id": _l("Company number"),
    "created": _l("Made"),
    "days before": _l("Days before"),
    "description": _l("Description"),
    "event type": _l("Event"),
    "event types": _l("Events"),
    "guests": _l("Guests"),
    "guests see their table": _l("Guests see their table on the day"),
    "host": _l("Host"),
    "removed": _l("Removed"),
    "email": _l("Email"),
    "expires_at": _l("Expires"),
    "external_id": _l("CRM id"),
    "method": _l("Method"),
    "path": _l("Address"),
    "limit": _l("Yearly gift limit"),
    "name": _l("Name"),
    "names shown": _l("Names shown to guests"),
    "notes": _l("Notes"),
    "part": _l("Part"),
    "plus-ones": _l("Asked of plus-ones too"),
    "previous owner": _l("Previous owner"),
    "question": _l("Question"),
    "replaced": _l("Replaces an earlier invitation"),
    "requires two-factor": _l("Two-factor sign-in required"),
    "role": _l("Role"),
    "required": _l("Required"),
    "reason": _l("Reason"),
    "rows": _l("Rows"),
    "saved": _l("Saved"),
    "scopes": _l("May"),
    "status": _l("Answer"),
    "title": _l("Title"),
    "token": _l("API token"),
    "token_id": _l("Token number"),
    "unchanged": _l("Unchanged"),
    "updated": _l("Updated"),
    "url": _l("URL"),
    "webhook": _l("Webhook"),
    "with": _l("With"),
    "year": _l("Year"),
}


def detail_label(name: str) -> str:
    """A detail's name in the reader's language (as written if it has no label)."""
    label = DETAIL_LABELS.get(name)
    return str(label) if label is not None else name
