"""What editing an event announces, for the packages above events to act on.

``events.services`` sends these while it edits (inside the same transaction, under the
event's answer lock); ``invitations.event_changes`` receives them and tells the guests, and
refuses a capacity below the confirmed places. Events cannot import invitations (it is the
lower package), so the edit announces and the receivers, connected in ``create_app`` for
that app, act. The sender is the application; a receiver's exception stops the edit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``activity``, ``details``: a part is about to take these details (a receiver may refuse).
part_changing = _signals.signal("part-changing")
#: ``activity``, ``before`` (the calendar facts it had), ``now``: a part moved in time or
#: place; its SEQUENCE is already one higher.
part_moved = _signals.signal("part-moved")
#: ``activity``, ``now``: a part was saved. Receivers return the guests it gave a place to.
part_changed = _signals.signal("part-changed")
#: ``activity``, ``now``: a part is about to be removed; its SEQUENCE is already one higher.
part_removing = _signals.signal("part-removing")
#: ``event``, ``now``: the event was cancelled, or published again after a cancellation;
#: every part's SEQUENCE is already one higher.
event_cancelled = _signals.signal("event-cancelled")
event_reinstated = _signals.signal("event-reinstated")
#: ``event``, ``change`` ("changed", "cancelled", "reinstated", "part_added",
#: "part_changed", "part_removed"), ``activity`` (the part, or None), ``fields`` (the
#: names of what changed): any edit of the event or its parts, for other systems
#: (``webhooks``); sent after the edit is flushed (a removed part: before it goes).
event_changed = _signals.signal("event-changed")
#: ``event_ids``, ``organiser_ids``: these members stopped hosting these events (taken off
#: the hosts, or out of the team); sent by ``invitations.hosts`` and ``team``.
hosts_removed = _signals.signal("hosts-removed")
