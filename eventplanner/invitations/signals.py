"""What changing answers announces, for the packages above invitations to act on.

``invitations`` sends ``places_changed`` inside the transaction of the change (under the
event's answer lock) whenever the places a guest holds at an event's parts may have changed:
their answer (yes, no, maybe, fewer plus-ones), a place from the waitlist, their link
revoked, their data erased. ``seating`` receives it and takes them off the table plans their
answers no longer hold (connected in ``create_app``). The sender is the application.

``invitation_answered``, ``invitations_created`` and ``waitlist_promoted`` say what happened
to whom, in the same transaction; ``webhooks`` tells other systems.
"""

from __future__ import annotations

from collections.abc import Iterable

from blinker import Namespace
from flask import current_app

_signals = Namespace()

#: ``invitation_ids``: the guests whose places may have changed; ``reason``: "answer",
#: "waitlist", "revoked" or "erased".
places_changed = _signals.signal("places-changed")


def announce_places_changed(invitation_ids: Iterable[int], reason: str) -> None:
    """Send ``places_changed`` for these invitations (none: nothing is sent)."""
    ids = sorted(set(invitation_ids))
    if ids:
        places_changed.send(current_app._get_current_object(), invitation_ids=ids,
                            reason=reason)

#: ``invitation``, ``changed_by`` ("guest", "organiser", "calendar"): a guest's answers or
#: details changed (sent after the change is flushed, before any waitlist promotion).
invitation_answered = _signals.signal("invitation-answered")
#: ``event``, ``invitations``: contacts were invited to the event (nothing sent yet, maybe).
invitations_created = _signals.signal("invitations-created")
#: ``activity``, ``invitations``: these guests moved from the part's waitlist to a place.
waitlist_promoted = _signals.signal("waitlist-promoted")


def announce(signal, **facts) -> None:
    """Send ``signal`` with ``facts`` from the application (for the receivers above)."""
    signal.send(current_app._get_current_object(), **facts)
