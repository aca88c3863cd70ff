"""What changing the client book announces, for the packages above contacts
(``webhooks``), sent in the transaction of the change; the sender is the application."""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

_signals = Namespace()

#: ``contacts``: new contacts (the form, a CSV import, the API).
contacts_created = _signals.signal("contacts-created")
#: ``contacts``, ``fields`` (the names of what changed; empty: not known, an import):
#: contacts whose details changed.
contacts_updated = _signals.signal("contacts-updated")


def announce_contacts(created=(), updated=(), fields=()) -> None:
    """Send ``contacts_created`` and ``contacts_updated`` for these contacts (none: not
    sent)."""
    app = current_app._get_current_object()
    if created:
        contacts_created.send(app, contacts=list(created))
    if updated:
        contacts_updated.send(app, contacts=list(updated), fields=sorted(fields))
