"""What makes a password good enough, after NIST SP 800-63B (5.1.1.2): long enough, and not
one that is common, guessable or made of the account's own name or address. No rules about
character classes, no expiry; any character is allowed, spaces included.

The guessing estimate is zxcvbn's (Dropbox's estimator, offline: lists of common passwords,
words and names, keyboard patterns, dates, repeats, sequences), told the account's own
words. It reads the first 72 characters, the most it accepts.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 10
#: zxcvbn's scale: 3 is "safely unguessable: moderate protection from an offline attack
#: on a slow hash" (about 10^8 guesses and more), which the stored PBKDF2 hashes are.
MIN_SCORE = 3
_ESTIMATED_LENGTH = 72
#: Words of this site that a guesser would try with an account's own.
SITE_WORDS = ("eventplanner", "event", "planner")


def password_weakness(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` would not do for the account of ``email`` and ``name`` (a text for
    the person choosing it), or None when it will do."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(min)d characters.", min=MIN_LENGTH)
    own_words = _own_words(email, name)
    estimate = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=own_words)
    from_own_words = sum(len(match["token"]) for match in estimate["sequence"]
                         if match.get("dictionary_name") == "user_inputs")
    if from_own_words * 2 >= len(password[:_ESTIMATED_LENGTH]):
        return _l("Do not build the password from your name, your email address or this "
                  "site's name.")
    if estimate["score"] < MIN_SCORE:
        return _l("This password is too common or too easy to guess. A few words together "
                  "that only you would think of make a strong one.")
    return None


def _own_words(email: str, name: str) -> list[str]:
    local, _, domain = email.strip().lower().partition("@")
    words = [email.strip().lower(), local, domain.split(".")[0], *name.lower().split(),
             *SITE_WORDS]
    return [word for word in words if len(word) > 2]
