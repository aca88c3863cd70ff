"""What results announce, for the packages above goals (``webhooks``), sent in the
transaction of the change; the sender is the application."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``event``: its results were published (not sent again while they stay published).
results_published = _signals.signal("results-published")
