"""Words for an email's state in the outbox, in the current language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventplanner.mail.models import MessageStatus

MESSAGE_STATUS_LABELS = {
    MessageStatus.QUEUED: _l("Queued"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.NOT_SENT: _l("Not sent"),
}


def message_status_label(status: MessageStatus) -> str:
    return str(MESSAGE_STATUS_LABELS[status])
