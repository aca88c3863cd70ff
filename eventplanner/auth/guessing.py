"""Slowing down password guessing without letting strangers lock an organiser out.

As OWASP's authentication cheat sheet describes, failures are counted per account and
address together, with waits that grow as they pile up (several windows: a minute, a
quarter of an hour, hours). A stranger's failures therefore hold up the stranger only. Two
wider counts catch what the pairs cannot:

- per address, over all accounts: one address trying many accounts (password spraying);
- per account, over all addresses: many addresses guessing one account. This generous
  ceiling holds up only addresses the account has not logged in from lately: an address
  where the right password was given is trusted for ``LOGIN_TRUSTED_DAYS``, so under attack
  the organiser is still let in from where they usually log in.

The counts live where the rate limits do (Redis when ``REDIS_URL`` is set), so every worker
shares them.
"""

from __future__ import annotations

from flask import current_app

from eventplanner.security import rate_limits

PER_PAIR = "RATELIMIT_LOGIN_PER_PAIR"
PER_ADDRESS = "RATELIMIT_LOGIN_PER_ADDRESS"
PER_ACCOUNT = "RATELIMIT_LOGIN_PER_ACCOUNT"
TRUSTED = "trusted-login-address"


def seconds_before_next_try(account: str, address: str) -> int:
    """How long ``address`` must wait before trying ``account`` again (0: it may now),
    whatever the password it brings."""
    waits = [rate_limits.seconds_to_wait(PER_PAIR, account, address)]
    if not rate_limits.remembers(TRUSTED, account, address):
        waits += [rate_limits.seconds_to_wait(PER_ADDRESS, address),
                  rate_limits.seconds_to_wait(PER_ACCOUNT, account)]
    return max(waits)


def count_failed_login(account: str, address: str) -> None:
    for setting, key in ((PER_PAIR, (account, address)), (PER_ADDRESS, (address,)),
                         (PER_ACCOUNT, (account,))):
        rate_limits.count(setting, *key)


def count_successful_login(account: str, address: str) -> None:
    """The right password: this address starts afresh for this account, and is trusted."""
    rate_limits.forget(PER_PAIR, account, address)
    rate_limits.remember(TRUSTED, account, address,
                         days=current_app.config["LOGIN_TRUSTED_DAYS"])
