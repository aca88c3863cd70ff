"""The kinds of events a webhook subscription can ask for: one list, with what each means
(for the README and the API reference) and a label for the pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class EventType:
    name: str
    #: One line for developers (English, as the API reference).
    description: str
    #: For the subscription form, in the reader's language.
    label: object


EVENT_TYPES: Mapping[str, EventType] = {kind.name: kind for kind in (
    EventType("invitation.created", "A contact was invited to an event.",
              _l("A contact is invited")),
    EventType("invitation.answered",
              "A guest answered or changed their answer (on their page, by calendar, or an "
              "organiser for them): the answer per part.",
              _l("A guest answers or changes their answer")),
    EventType("waitlist.promoted", "A guest on a part's waitlist got a place.",
              _l("A guest moves from the waitlist to a place")),
    EventType("guest.checked_in", "A guest was checked in at a part.",
              _l("A guest is checked in")),
    EventType("feedback.received", "A guest gave or changed their feedback (score 0-10).",
              _l("A guest gives feedback")),
    EventType("results.published", "An event's results were published to its guests.",
              _l("Results are published")),
    EventType("contact.erased",
              "A contact's personal data was erased (or that of their invitations to old "
              "events, by the retention purge).",
              _l("A contact's personal data is erased")),
    EventType("contact.created", "A contact was added (on a page, by a CSV import or the API).",
              _l("A contact is added")),
    EventType("contact.updated",
              "A contact's details changed (``fields`` names them; empty after an import).",
              _l("A contact's details change")),
    EventType("event.changed",
              "An event or one of its parts changed: details, cancelled, published again, a "
              "part added, changed or removed.",
              _l("An event or its parts change")),
)}

#: Sent by the "Send a test event" button only; not among the choices.
TEST_EVENT = EventType("webhook.test", "A test sent from the webhook's page.",
                       _l("Test event"))


def event_type_label(name: str) -> str:
    kind = EVENT_TYPES.get(name) or (TEST_EVENT if name == TEST_EVENT.name else None)
    return str(kind.label) if kind else name


#: A delivery's state as people read it (the log).
DELIVERY_STATUS_LABELS = {
    "pending": _l("Waiting"),
    "sending": _l("Sending"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
}
