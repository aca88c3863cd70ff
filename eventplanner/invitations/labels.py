"""Words for a guest's answers, an invitation's stage and its history, in the current
language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventplanner.invitations.models import AnswerStatus, InvitationStage

ANSWER_LABELS = {
    AnswerStatus.YES: _l("Yes"),
    AnswerStatus.NO: _l("No"),
    AnswerStatus.MAYBE: _l("Maybe"),
    AnswerStatus.WAITLISTED: _l("On the waitlist"),
}
STAGE_LABELS = {
    InvitationStage.NOT_SENT: _l("Not sent"),
    InvitationStage.SENT: _l("Sent"),
    InvitationStage.OPENED: _l("Opened"),
    InvitationStage.ANSWERED: _l("Answered"),
    InvitationStage.REVOKED: _l("Link revoked"),
}


def answer_label(status: AnswerStatus | str | None) -> str:
    if not status:
        return str(_l("No answer"))
    return str(ANSWER_LABELS[AnswerStatus(status)])


def stage_label(stage: InvitationStage) -> str:
    return str(STAGE_LABELS[stage])


CHANGED_BY_LABELS = {
    "guest": _l("Guest"),
    "calendar": _l("Guest, in their calendar program"),
    "organiser": _l("Organiser"),
    "waitlist": _l("Waitlist: a place came free"),
    "system": _l("System"),
    "erasure": _l("Erasure: left the waitlist"),
}
FIELD_LABELS = {
    "plus_ones": _l("Plus-ones"),
    "dietary_needs": _l("Dietary needs"),
    "message": _l("Message"),
}


def change_by_label(changed_by: str) -> str:
    return str(CHANGED_BY_LABELS.get(changed_by, changed_by))


def change_field_label(change) -> str:
    """ "Answer: Dinner", "Dietary needs", ..."""
    if change.field == "answer":
        return str(_l("Answer: %(part)s", part=change.activity_name))
    if change.field in ("question", "question_text"):
        return str(_l("Question: %(question)s", question=change.activity_name))
    if change.field == "part_removed":
        return str(_l("Part removed: %(part)s", part=change.activity_name))
    return str(FIELD_LABELS.get(change.field, change.field))
