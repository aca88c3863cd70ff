"""What checking in announces, for the packages above checkin (``webhooks``), sent in the
transaction of the check-in; the sender is the application."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``activity``, ``invitation``, ``check_in``: a guest was let in (not sent again for a
#: guest who was in already).
guest_checked_in = _signals.signal("guest-checked-in")
