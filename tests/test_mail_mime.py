"""An outgoing message goes on the wire byte for byte as the plain ``email.mime`` classes
and generator wrote it, with its boundaries drawn early and its header lines folded once
(``mail.mime``)."""

from __future__ import annotations

import copy
import io
import quopri
import random
from email import encoders
from email.generator import BytesGenerator
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from eventplanner.mail.delivery import SmtpSettings, build_email
from eventplanner.mail.models import Attachment, Message

SETTINGS = SmtpSettings(host="127.0.0.1", port=25, mail_from="Événements <noreply@example.com>")


def written_by_the_email_package(message: Message) -> MIMEBase:
    """The message as ``build_email`` built it with the stock classes and policy."""
    body = MIMEMultipart("alternative")
    body.attach(_text(message.body_text, "plain"))
    if message.body_html:
        body.attach(_text(message.body_html, "html"))
    files = []
    for attachment in message.attachments:
        if attachment.content_type.startswith("text/calendar"):
            calendar = _text(attachment.content, "calendar")
            calendar.set_param("method", "REQUEST")
            body.attach(calendar)
            files.append(_file(attachment.content, "application", "ics", attachment.filename))
        else:
            maintype, subtype = attachment.content_type.split("/")
            files.append(_file(attachment.content, maintype, subtype, attachment.filename))
    email = body
    if files:
        email = MIMEMultipart("mixed")
        email.attach(body)
        for part in files:
            email.attach(part)
    email["From"] = SETTINGS.mail_from
    email["To"] = formataddr((message.recipient_name, message.recipient), charset="utf-8")
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = Header(message.subject, "utf-8").encode()
    return email


def _text(text: str, subtype: str) -> MIMEText:
    part = MIMEText("", subtype, "utf-8")
    part.replace_header("Content-Transfer-Encoding", "quoted-printable")
    part.set_payload(quopri.encodestring(text.encode("utf-8")).decode("ascii"))
    return part


def _file(content: str, maintype: str, subtype: str, filename: str) -> MIMEBase:
    part = MIMEBase(maintype, subtype)
    part.set_payload(content.encode("utf-8"))
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def on_the_wire(email: MIMEBase) -> bytes:
    """As ``smtplib.SMTP.send_message`` writes it, with a fixed date and Message-ID."""
    for name, value in (("Date", "Mon, 30 Nov 2026 15:00:00 -0000"),
                        ("Message-ID", "<m1@example.com>")):
        del email[name]
        email[name] = value
    with io.BytesIO() as written:
        BytesGenerator(written).flatten(copy.copy(email), linesep="\r\n")
        return written.getvalue()


words = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=120)
one_line = words.filter(lambda text: "\r" not in text and "\n" not in text)
calendar_file = st.builds(lambda content: Attachment(
    filename="invite.ics", content_type="text/calendar; method=REQUEST", content=content),
    words)
other_file = st.builds(lambda name, content: Attachment(
    filename=name, content_type="text/csv", content=content),
    st.from_regex(r"[a-z]{1,20}\.csv", fullmatch=True), words)
messages = st.builds(
    lambda name, subject, reply_to, text, html, files: Message(
        id=1, recipient="kari@client.example", recipient_name=name, subject=subject,
        reply_to=reply_to, body_text=text, body_html=html, attachments=files),
    one_line, one_line, st.sampled_from(["", "host@example.com", "Ingrid <h@example.com>"]),
    words, words, st.lists(calendar_file | other_file, max_size=2))


@settings(max_examples=200, deadline=None)
@given(messages, st.integers(0, 2**32))
def test_a_message_is_written_as_the_email_package_wrote_it(message, seed):
    app = Flask(__name__)
    app.config["BASE_URL"] = "https://events.example.com"
    with app.app_context():
        random.seed(seed)
        ours = on_the_wire(build_email(message, SETTINGS))
    theirs = written_by_the_email_package(message)
    random.seed(seed)  # the generator draws the boundaries as it writes
    assert ours == on_the_wire(theirs)
