"""Where webhooks may be sent: the guard against server-side request forgery (SSRF).

A webhook URL is chosen by a workspace admin, and the app posts to it from inside the
hosting network: without a guard, an admin could make the server reach its own loopback
services, the private network or a cloud's metadata service. So a URL must be ``http`` or
``https`` with a host name, and every address its host resolves to must be public: not
loopback, private, link-local, site-local, multicast, reserved, unspecified or carrier-grade
NAT, nor an IPv6 form carrying such an IPv4 address (IPv4-mapped, 6to4, Teredo), nor a
cloud metadata address. The request then goes to the address that was checked (``posting``
connects to it, not to the name again), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot slip through; each redirect is checked the same
way. ``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` lifts the address rule (development, tests);
``WEBHOOKS_ALLOWED_NETWORKS`` lets through named internal networks only (a CRM on the
company's own network), never the metadata addresses.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from eventplanner.errors import InvalidInput

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Cloud metadata services (AWS, GCP, Azure, OpenStack; AWS's IPv6 one). Link-local, so
#: refused anyway; named so that no future rule lets them through.
METADATA_ADDRESSES = frozenset(map(ipaddress.ip_address, (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254")))
CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
SCHEMES = ("http", "https")


class RefusedUrl(InvalidInput):
    """Not a URL webhooks may be sent to (the message says why, in the reader's language)."""

    default_message = _l("Enter an http:// or https:// address.")


class RefusedAddress(RefusedUrl):
    default_message = _l("This address leads to a private or internal network, where "
                         "webhooks are not sent. Use a public address.")


class UnknownHost(RefusedUrl):
    default_message = _l("This host name could not be found. Check the address.")


@dataclass(frozen=True)
class Target:
    """A URL taken apart, with the checked address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    #: The path and query to request.
    path: str
    address: str


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is an ordinary public address on the internet."""
    if address in METADATA_ADDRESSES:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour,
                    *(address.teredo or ())]
        if any(v4 is not None and not is_public(v4) for v4 in embedded):
            return False
        if address.ipv4_mapped is not None:
            return True  # decided by the IPv4 address it carries
        if address.is_site_local:
            return False
    if address.version == 4 and address in CARRIER_GRADE_NAT:
        return False
    return address.is_global and not (
        address.is_loopback or address.is_private or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified)


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; ``RefusedUrl`` if it is
    not one (another scheme, no host, a bad port, a user name or password in it)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise RefusedUrl() from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname or parts.username is not None \
            or parts.password is not None or any(c.isspace() for c in url.strip()):
        raise RefusedUrl()
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (a literal address: itself); ``UnknownHost``
    if none."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnknownHost() from None
    addresses = []
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnknownHost()
    return addresses


@dataclass(frozen=True)
class AddressRule:
    """Which addresses webhooks may go to: public ones, and ``networks`` besides (or any,
    with ``allow_private``)."""

    allow_private: bool = False
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def from_config(cls, config) -> AddressRule:
        """From the settings; a network written wrong is left out (and logged): the rule
        is then stricter, never looser."""
        networks = []
        for text in str(config.get("WEBHOOKS_ALLOWED_NETWORKS") or "").split(","):
            if text.strip():
                try:
                    networks.append(ipaddress.ip_network(text.strip(), strict=False))
                except ValueError:
                    log.error("WEBHOOKS_ALLOWED_NETWORKS: %r is not a network", text.strip())
        return cls(bool(config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"]), tuple(networks))

    def allows(self, address: IPAddress) -> bool:
        if self.allow_private or is_public(address):
            return True
        return address not in METADATA_ADDRESSES and any(
            address.version == network.version and address in network
            for network in self.networks)


def checked_target(url: str, rule: AddressRule) -> Target:
    """``url`` with the address to connect to, after the checks above: ``RefusedAddress``
    if ANY address of the host is not allowed by ``rule``."""
    scheme, host, port, path = split_url(url)
    addresses = resolve(host, port)
    if not all(rule.allows(address) for address in addresses):
        raise RefusedAddress()
    return Target(url.strip(), scheme, host, port, path, str(addresses[0]))
