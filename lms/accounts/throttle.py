"""Login and reset-mail throttling (OWASP ASVS 5.0 V6.3.1, V6.3.8, V2.4.1; PIPA safety-measures
standard Art. 5(6): access is limited after a number of failed authentications).

Failed logins are counted three ways, so that neither guessing one account's password
from many addresses nor trying many accounts from one address (credential stuffing)
gets far:

* per account (the normalised e-mail, whether or not an account has it: so the lock
  says nothing about which addresses exist), across every address;
* per address, across every account;
* per (address, account) pair, the tightest.

A successful login clears the per-account and per-pair counters, never the
per-address one (one known password must not reset a stuffing run). Reset mails
are counted per e-mail across addresses and per address across e-mails.
Counters live in Redis when configured (see :mod:`lms.core.ratelimit`).
"""
from __future__ import annotations

from lms.core.ratelimit import counters, enabled

# limits' notation: events per window.
LOGIN_PER_PAIR = "5/15minutes"
LOGIN_PER_ACCOUNT = "10/15minutes"
LOGIN_PER_ADDRESS = "30/15minutes"
RESET_PER_EMAIL = "3/hour"
RESET_PER_ADDRESS = "10/hour"


def _email(email: str) -> str:
    return (email or "").strip().lower()[:255]


def _login_keys(ip: str, email: str) -> list[tuple[str, tuple[str, ...]]]:
    e = _email(email)
    return [(LOGIN_PER_PAIR, ("login", "pair", ip, e)),
            (LOGIN_PER_ACCOUNT, ("login", "account", e)),
            (LOGIN_PER_ADDRESS, ("login", "address", ip))]


def login_blocked(ip: str, email: str) -> bool:
    """True when any of the three login counters for this address and e-mail is used up."""
    if not enabled():
        return False
    c = counters()
    return any(c.exceeded(limit, *key) for limit, key in _login_keys(ip, email))


def login_failed(ip: str, email: str) -> None:
    """Count one failed login on all three counters."""
    if not enabled():
        return
    c = counters()
    for limit, key in _login_keys(ip, email):
        c.hit(limit, *key)


def login_succeeded(ip: str, email: str) -> None:
    """Forget the account's failures (not the address's)."""
    if not enabled():
        return
    c = counters()
    for limit, key in _login_keys(ip, email)[:2]:
        c.clear(limit, *key)


def notice_mail_allowed(email: str) -> bool:
    """Count an unrequested notice to ``email`` (someone registered with a known address);
    False past RESET_PER_EMAIL, so sign-ups cannot flood a mailbox from many addresses."""
    return not enabled() or counters().hit(RESET_PER_EMAIL, "notice", _email(email))


def reset_mail_allowed(ip: str, email: str) -> bool:
    """Count a reset-mail request; False when this e-mail (from any address) or this
    address (for any e-mail) has asked too often within the hour."""
    if not enabled():
        return True
    c = counters()
    per_email = c.hit(RESET_PER_EMAIL, "reset", "email", _email(email))
    per_address = c.hit(RESET_PER_ADDRESS, "reset", "address", ip)
    return per_email and per_address


SECOND_FACTOR_PER_ACCOUNT = "5/15minutes"


def second_factor_blocked(user_id: int) -> bool:
    """True when this account has failed its second factor too often (ASVS 5.0 V6.3.1)."""
    return enabled() and counters().exceeded(SECOND_FACTOR_PER_ACCOUNT, "2fa", str(user_id))


def second_factor_failed(user_id: int) -> None:
    if enabled():
        counters().hit(SECOND_FACTOR_PER_ACCOUNT, "2fa", str(user_id))
