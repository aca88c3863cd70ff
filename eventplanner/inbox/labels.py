"""What each kind of incoming mail and each reason is called, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventplanner.inbox.models import IncomingKind, IncomingMail, IncomingOutcome
from eventplanner.inbox.services import ANSWERS
from eventplanner.invitations.labels import answer_label

KIND_LABELS = {
    IncomingKind.ANSWER: _l("Answer from a calendar program"),
    IncomingKind.COUNTER: _l("Proposal of another time"),
    IncomingKind.BOUNCE: _l("Delivery report"),
    IncomingKind.AUTO_REPLY: _l("Automatic reply"),
    IncomingKind.MESSAGE: _l("Email from the guest"),
    IncomingKind.UNREADABLE: _l("Unreadable email"),
}
OUTCOME_LABELS = {
    IncomingOutcome.APPLIED: _l("Applied"),
    IncomingOutcome.NOT_APPLIED: _l("Not applied"),
    IncomingOutcome.TO_CONFIRM: _l("Waiting for you to confirm"),
    IncomingOutcome.SHOWN: _l("For your information"),
}
REASON_LABELS = {
    "unknown_address": _l("Sent to an address that belongs to no invitation (made up, or "
                          "an old link's address)."),
    "too_large": _l("Too large to read."),
    "too_many_parts": _l("Too many attachments to read."),
    "malformed": _l("Not a readable email or calendar answer."),
    "no_event": _l("The calendar file holds no event."),
    "several_uids": _l("The calendar file answers several events at once."),
    "not_an_answer": _l("The calendar file is not an answer (it is no REPLY)."),
    "no_attendee": _l("The answer names no guest."),
    "not_the_guest": _l("The answer names several people, none of them the invited guest."),
    "unknown_partstat": _l("The answer is neither yes, no nor maybe."),
    "unknown_part": _l("It answers a part that is not in this event any more."),
    "duplicate": _l("The same answer was already applied."),
    "out_of_order": _l("A later answer from the calendar program was already applied."),
    "answered_since": _l("The guest changed their answer after this one was written."),
    "other_address": _l("Sent from another address than the invited one: apply it if it is "
                        "the guest's."),
    "event_cancelled": _l("The event is cancelled."),
    "not_open": _l("The event is not open for answers yet."),
    "deadline_passed": _l("It came after the deadline for answers."),
    "link_not_valid": _l("The guest's link was revoked or their data erased."),
    "full": _l("There is not room for the guest's party."),
    "refused": _l("The answer could not be applied."),
    "waitlisted": _l("Applied: the part is full, so the guest is on the waitlist and was told."),
    "unchanged": _l("Applied: it was the guest's answer already."),
    "hard_bounce": _l("The guest's address does not take mail: it is marked on the guest "
                      "list."),
    "soft_bounce": _l("Delivery failed for now; the mail server may try again."),
    "delayed": _l("Delivery is delayed; the mail server is still trying."),
    "other_recipient": _l("A mail server reports that mail to another address failed (a "
                          "forwarding address of the guest, say); the guest's address is not "
                          "marked."),
    "bounce_without_report": _l("A mail server reports a problem, without saying which."),
}


def kind_label(mail: IncomingMail) -> str:
    return str(KIND_LABELS[mail.kind])


def outcome_label(mail: IncomingMail) -> str:
    return str(OUTCOME_LABELS[mail.outcome])


def reason_label(mail: IncomingMail) -> str:
    return str(REASON_LABELS.get(mail.reason, "")) if mail.reason else ""


def partstat_label(mail: IncomingMail) -> str:
    """The answer a calendar program gave, as the guest page names it ("Yes")."""
    status = ANSWERS.get(mail.partstat)
    return answer_label(status) if status else mail.partstat
