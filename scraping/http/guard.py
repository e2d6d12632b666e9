"""The address guard: no request to private, loopback, link-local or other non-public addresses.

Refused: private, loopback, link-local, multicast, reserved and unspecified addresses, and any other
address that is not global (IPv4, IPv6, and IPv4 inside IPv6: mapped, 6to4 and NAT64). Literal IPs
in URLs are checked before anything is sent, in every form a resolver accepts (decimal, hex, octal,
short). Names are resolved here (`resolve_host`), every answer is checked, and a name with one refused
answer is refused whole, so a rebinding attacker mixing public and private answers gets nothing;
`scraping.http.transport` then connects to an address that passed, never to a second DNS answer.

Only `ScrapeSettings.allow_private_urls` (the LEADENGINE_ALLOW_PRIVATE_URLS setting) turns the guard
off; tests let exactly their own server's address through with `allowed_addresses`, and replace
`resolve_host` to simulate DNS answers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass

import httpcore
import httpx

from scraping.errors import BlockedURLError
from scraping.http.redact import safe_url

_INET_ATON_FORM = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$", re.I)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def blocked_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an address may not be contacted, or "" when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return blocked_reason(embedded)
    for attribute in (
        "is_loopback",
        "is_private",
        "is_link_local",
        "is_multicast",
        "is_reserved",
        "is_unspecified",
    ):
        if getattr(address, attribute):
            return f"{attribute.removeprefix('is_').replace('_', '-')} address"
    if not address.is_global:
        return "non-public address"
    return ""


def literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a URL host denotes when it is an IP literal, in any form a resolver accepts.

    `127.0.0.1`, `[::1]`, `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` all give 127.0.0.1.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _INET_ATON_FORM.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order. Tests replace this function."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class AddressGuard:
    """Decides which addresses may be contacted.

    `allowed_addresses` lets exactly these addresses through although they are private: tests use it
    to reach their own server on 127.0.0.1 while every other private address stays refused.
    """

    allow_private: bool = False
    allowed_addresses: frozenset[str] = frozenset()

    def check_address(self, host: str, address: str) -> None:
        """Raise BlockedURLError when `address` (one answer for `host`) may not be contacted."""
        if self.allow_private:
            return
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if str(ip) in self.allowed_addresses:
            return
        reason = blocked_reason(ip)
        if reason:
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise BlockedURLError(f"refused {shown}: {reason}")

    def check_url(self, url: str) -> httpx.URL:
        """Refuse what can be refused without DNS: bad schemes, missing hosts, private IP literals."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise BlockedURLError(f"invalid URL {safe_url(url)}: {exc}") from exc
        if parsed.scheme not in ("http", "https"):
            raise BlockedURLError(f"refused {safe_url(url)}: only http and https URLs are fetched")
        if not parsed.host:
            raise BlockedURLError(f"refused {safe_url(url)}: no host")
        ip = literal_ip(parsed.host)
        if ip is not None:
            self.check_address(parsed.host, str(ip))
        return parsed

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for `host`, all of them checked; refused if any is private.

        Refusing a name as soon as one of its answers is private (not just skipping that answer)
        leaves nothing for a rebinding attacker who mixes public and private answers.
        """
        ip = literal_ip(host)
        addresses = [str(ip)] if ip is not None else await resolve_host(host, port)
        for address in addresses:
            self.check_address(host, address)
        return addresses
