"""The table plans follow the answers: a guest who no longer comes to a part leaves its plan
in the same transaction (noted for the organiser), a guest who says yes or gets a place from
the waitlist is among the unseated at once (``services.people_to_seat`` reads the answers),
and a removed part's plan goes with it. Connected for an app by ``connect_seating`` (in
``create_app``): ``invitations`` and ``events`` announce, seating acts.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from eventplanner.events import signals as event_signals
from eventplanner.events.models import Activity
from eventplanner.invitations import signals as invitation_signals
from eventplanner.seating.services import release_host_seats, release_seats_of, remove_part_plan


def connect_seating(app: Flask) -> None:
    """Let ``app``'s table plans follow its answers and parts."""
    invitation_signals.places_changed.connect(release_seats, sender=app)
    event_signals.part_removing.connect(remove_plan_of_part, sender=app)
    event_signals.hosts_removed.connect(unseat_former_hosts, sender=app)


def release_seats(_app, *, invitation_ids: list[int], reason: str) -> None:
    release_seats_of(invitation_ids)


def unseat_former_hosts(_app, *, event_ids: list[int], organiser_ids: list[int]) -> None:
    release_host_seats(event_ids, organiser_ids)


def remove_plan_of_part(_app, *, activity: Activity, now: datetime) -> None:
    remove_part_plan(activity)
