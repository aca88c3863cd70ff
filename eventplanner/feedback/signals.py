"""What feedback announces, for the packages above feedback (``webhooks``), sent in the
transaction of the feedback; the sender is the application."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``feedback`` (with its invitation): a guest gave or changed their feedback.
feedback_received = _signals.signal("feedback-received")
