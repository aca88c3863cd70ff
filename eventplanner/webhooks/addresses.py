"""Where webhooks may be sent: the guard against server-side request forgery (SSRF).

A webhook URL is chosen by a workspace admin, and the app posts to it from inside the
hosting network: without a guard, an admin could make the server reach its own loopback
services, the private network or a cloud's metadata service. So a URL must be ``http`` or
``https`` with a host name, and every address its host resolves to must be public: not
loopback, private, link-local, site-local, multicast, reserved, unspecified or carrier-grade
NAT, nor an IPv6 form carrying such an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64), nor
a cloud metadata address. The request then goes to the addresses that were checked
(``posting`` connects to them in turn, not to the name again), so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot slip through; each redirect is
checked the same way. ``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` lifts the address rule
(development, tests) and ``WEBHOOKS_ALLOWED_NETWORKS`` lets through named internal networks
only (a CRM on the company's own network); neither ever lets through a metadata address,
in whatever IPv6 form it comes.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask_babel import lazy_gettext as _l

from eventplanner.errors import InvalidInput

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Cloud metadata services (AWS, GCP, Azure, OpenStack, AWS's IPv6 one, Alibaba's): refused
#: whatever the settings allow, in any IPv6 form that carries them.
METADATA_ADDRESSES = frozenset(map(ipaddress.ip_address, (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")))
CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
#: The NAT64 prefix (RFC 6052): an IPv4 address in its last 32 bits, reached through a
#: gateway; judged by that IPv4 address.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: The deprecated IPv4-compatible form (``::169.254.169.254``).
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
SCHEMES = ("http", "https")
#: Characters left as they are in a path or query; everything else (non-ASCII text above
#: all) is percent-encoded as UTF-8. ``%`` is kept: what is encoded already stays so.
URL_SAFE = "/:@!$&'()*+,;=-._~%?[]"
#: Threads that look host names up for the deliveries, so a lookup can be given up on
#: after the attempt's time (the lookup itself ends with the resolver's own timeout).
_LOOKUPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


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
    """A URL taken apart, with the checked addresses to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    #: The path and query to request (ASCII: percent-encoded).
    path: str
    #: The checked addresses of the host, tried in this order.
    addresses: tuple[str, ...]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (IPv4-mapped, 6to4, Teredo, NAT64,
    IPv4-compatible)."""
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in NAT64 or address in IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [v4 for v4 in found if v4 is not None]


def normalised(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (``::ffff:10.0.0.1``) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_metadata(address: IPAddress) -> bool:
    """Whether ``address`` is a cloud metadata service, or an IPv6 form carrying one."""
    if address in METADATA_ADDRESSES:
        return True
    return isinstance(address, ipaddress.IPv6Address) and any(
        v4 in METADATA_ADDRESSES for v4 in _embedded_ipv4(address))


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is an ordinary public address on the internet."""
    address = normalised(address)
    if is_metadata(address):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if any(not is_public(v4) for v4 in embedded):
            return False
        if address in NAT64:
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
    path = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=URL_SAFE)
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def resolve(host: str, port: int, timeout: float | None = None) -> list[IPAddress]:
    """Every address ``host`` resolves to (a literal address: itself); ``UnknownHost``
    if none; ``TimeoutError`` if the answer takes more than ``timeout`` seconds."""
    try:
        if timeout is None:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        else:
            found = _LOOKUPS.submit(socket.getaddrinfo, host, port,
                                    type=socket.SOCK_STREAM).result(timeout=timeout)
    except TimeoutError:
        raise
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
        """Never a metadata address; otherwise public ones, any with ``allow_private``,
        and those in ``networks`` (an IPv4-mapped address counts as its IPv4 one)."""
        address = normalised(address)
        if is_metadata(address):
            return False
        if self.allow_private or is_public(address):
            return True
        return any(address.version == network.version and address in network
                   for network in self.networks)


def checked_target(url: str, rule: AddressRule, timeout: float | None = None) -> Target:
    """``url`` with the addresses to connect to, after the checks above: ``RefusedAddress``
    if ANY address of the host is not allowed by ``rule``; ``TimeoutError`` if the host
    name is not found within ``timeout`` seconds."""
    scheme, host, port, path = split_url(url)
    addresses = resolve(host, port, timeout)
    if not all(rule.allows(address) for address in addresses):
        raise RefusedAddress()
    return Target(url.strip(), scheme, host, port, path,
                  tuple(str(address) for address in addresses))
