"""What erasure announces, for the packages above privacy (``webhooks``), sent in the
transaction of the erasure, before the personal data is gone; the sender is the
application."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``contact``, ``invitation_ids``, ``whole_contact``: the contact's personal data was
#: erased (``whole_contact``), or only that of these invitations of theirs (the retention
#: purge of old events).
contact_erased = _signals.signal("contact-erased")
#: ``contacts``, ``invitation_ids`` (by contact id): the retention purge erased these
#: invitations of these contacts; one signal for the whole purge.
contacts_purged = _signals.signal("contacts-purged")
