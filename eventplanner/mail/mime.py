"""The pieces of an outgoing MIME message, written as the ``email.mime`` classes write them,
without the work that repeats from message to message.

- Header lines are folded by ``compat32`` (the policy of the ``email.mime`` classes), and a
  folded line is remembered: most of a message's 23 header lines (each part's Content-Type
  and MIME-Version, From, Reply-To, a batch's subject) are the same in the next message,
  and folding one costs about 40 µs.
- A subject is encoded once per text, and a text part built without a first encoding.
- A multipart's boundary is drawn when the part is made, in the generator's own form,
  instead of by the generator, which compiles a regular expression per boundary to check
  that the parts do not contain it. They cannot: every leaf part here is quoted-printable
  (a "=" in the text is written "=3D") or base64 (no "-" and at most two "="), and a
  boundary line is "--" and fifteen "=".
"""

from __future__ import annotations

import quopri
import random
import sys
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from functools import lru_cache


class RememberedFolds(Compat32):
    """``compat32``, with each folded header line remembered (the same name, value and
    folding settings give the same bytes)."""

    def fold_binary(self, name, value):
        if not isinstance(value, str):
            return super().fold_binary(name, value)
        return _folded(name, value, self.linesep, self.max_line_length, self.cte_type)


POLICY = RememberedFolds()


@lru_cache(maxsize=2048)
def _folded(name: str, value: str, linesep: str, max_line_length: int | None,
            cte_type: str) -> bytes:
    policy = Compat32(linesep=linesep, max_line_length=max_line_length, cte_type=cte_type)
    return policy.fold_binary(name, value)


def new_boundary() -> str:
    """A boundary as ``email.generator`` draws one: fifteen "=", 19 random digits, "=="."""
    return "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="  # nosec B311


def multipart(subtype: str) -> MIMEMultipart:
    """A multipart with its boundary drawn now (see the module's note)."""
    return MIMEMultipart(subtype, boundary=new_boundary(), policy=POLICY)


def text_part(text: str, subtype: str) -> MIMENonMultipart:
    """UTF-8 text, quoted-printable: the headers ``MIMEText`` writes, without its encoding
    the text a first time in base64 only to be given the quoted-printable payload."""
    part = MIMENonMultipart("text", subtype, policy=POLICY, charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(quopri.encodestring(text.encode("utf-8")).decode("ascii"))
    return part


@lru_cache(maxsize=256)
def encoded_header(value: str) -> str:
    """``value`` in UTF-8 encoded words where it needs them, remembered: a batch's subject
    is the same for every guest of one language, and encoding it costs a quarter of a
    millisecond."""
    return Header(value, "utf-8").encode()


def file_part(content: str, maintype: str, subtype: str, filename: str) -> MIMEBase:
    """An attachment: the UTF-8 content in base64."""
    part = MIMEBase(maintype, subtype, policy=POLICY)
    part.set_payload(content.encode("utf-8"))
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part
