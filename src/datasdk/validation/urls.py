"""URLs the SDK will store for fetching: no way to reach a non-public address (SSRF)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import unicodedata
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence

from datasdk.errors import UnsafeURLError, ValidationError
from datasdk.schema.types import IPAddress

# Host name -> the addresses it resolves to, as strings.
Resolver = Callable[[str], Awaitable[Sequence[str]]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Names that resolve inside the network (or to the machine itself) by convention.
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def _refuse(message: str, field: str) -> UnsafeURLError:
    return UnsafeURLError(f"{field}: {message}", field=field)


def _ipv4_number(part: str) -> int | None:
    """One part of an inet_aton address: decimal, octal (leading 0) or hex (0x)."""
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not (digits.isascii() and digits.isalnum()):
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None


# Deletes every character an inet_aton part may hold, and the dots between them.
_NOT_IN_NUMBERS = str.maketrans("", "", "0123456789abcdefABCDEFxX.")


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address inet_aton (and so getaddrinfo) reads from `host`, if any.

    1 to 4 parts; every part but the last is one byte, the last fills the rest:
    `127.1` is 127.0.0.1, `2130706433` and `0x7f000001` too.
    """
    if host.translate(_NOT_IN_NUMBERS):
        # A character no decimal, octal or hex part has (most names): no address.
        return None
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or "" in parts:
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    *leading, last = [n for n in numbers if n is not None]
    if any(n > 0xFF for n in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    value = last
    for position, n in enumerate(leading):
        value |= n << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address the system resolver reads from `host` without DNS, or None for a name."""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return _inet_aton(host)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: mapped, compatible, NAT64, 6to4, Teredo."""
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if int(address) >> 32 == 0 or address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.append(address.teredo[1])
    return found


def is_public_address(address: IPAddress) -> bool:
    """Global unicast, and so is every IPv4 address it embeds."""
    if isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped is not None or address in _NAT64
    ):
        # Translated to the IPv4 address it carries: that address decides.
        return is_public_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local:
            return False
        if not all(is_public_address(v4) for v4 in _embedded_ipv4(address)):
            return False
    return address.is_global


def _check_characters(url: str, field: str) -> None:
    if url.isascii() and url.isprintable() and " " not in url and "\\" not in url:
        # The usual URL: printable ASCII holds no control, format or space character
        # but the space itself.
        return
    for char in url:
        # Controls, spaces of any kind, format characters and backslashes are read
        # differently by different URL parsers: refuse rather than guess.
        if char == "\\" or char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs"):
            raise _refuse(
                "spaces, control characters and backslashes are not allowed in a URL", field
            )


def _split_authority(netloc: str, field: str) -> tuple[str, int | None]:
    if "@" in netloc:
        raise _refuse("credentials (user@ or user:password@) are not allowed in a URL", field)
    if netloc.startswith("["):
        host, bracket, rest = netloc.partition("]")
        host += bracket
        if not bracket:
            raise _refuse("unclosed [ in the host", field)
    else:
        host, _, rest = netloc.partition(":")
        rest = f":{rest}" if _ else ""
    if rest and not rest.startswith(":"):
        raise _refuse("unexpected characters after the host", field)
    port_text = rest[1:]
    if rest and not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536):
        raise _refuse("the port must be a number from 1 to 65535", field)
    return host, int(port_text) if rest else None


def _normalize_host(host: str, field: str) -> str:
    if host.startswith("["):
        inner = host[1:-1]
        if "%" in inner:
            raise _refuse("IPv6 zone identifiers are not allowed", field)
        address = parse_ip_literal(inner)
        if address is None:
            raise _refuse("not an IPv6 address between [ and ]", field)
        if not is_public_address(address):
            raise _refuse(f"{address} is not a public address", field)
        return f"[{address.compressed}]"
    if "%" in host:
        raise _refuse("percent-encoding is not allowed in the host", field)
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    try:
        # IDNA maps look-alikes too: fullwidth digits become ASCII digits.
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _refuse("the host is not a valid internationalized domain name", field) from None
    if not host:
        raise _refuse("the URL has no host", field)
    address = parse_ip_literal(host)
    if address is not None:
        if not is_public_address(address):
            raise _refuse(f"{address} is not a public address", field)
        return str(address)
    labels = host.split(".")
    if not set(host) <= _HOST_CHARS or any(not 0 < len(label) <= 63 for label in labels):
        raise _refuse("the host is not a valid domain name", field)
    if len(labels) < 2 or host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        raise _refuse(f"{host} names a local or internal machine", field)
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        # Neither a name (no top-level domain is numeric) nor an address inet_aton reads.
        raise _refuse("the host looks like a malformed IP address", field)
    return host


def _normalize(
    url: object, field: str, max_length: int, schemes: tuple[str, ...]
) -> urllib.parse.SplitResult:
    if not isinstance(url, str):
        raise ValidationError(f"{field}: must be a string", field=field)
    if len(url) > max_length:
        raise ValidationError(f"{field}: longer than {max_length} characters", field=field)
    _check_characters(url, field)
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise _refuse("not a URL (unbalanced [ ] in the host?)", field) from None
    scheme = parts.scheme.lower()
    if scheme not in schemes or not url[len(scheme) + 1 :].startswith("//"):
        raise _refuse(f"only {' and '.join(schemes)} URLs are allowed", field)
    host, port = _split_authority(parts.netloc, field)
    netloc = _normalize_host(host, field)
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urllib.parse.SplitResult(scheme, netloc, parts.path or "/", parts.query, "")


def normalize_scan_url(url: str, *, field: str = "url", max_length: int = 2048) -> str:
    """An http(s) URL safe to fetch, normalised; the fragment (never sent) is dropped."""
    return _normalize(url, field, max_length, ("http", "https")).geturl()


def normalize_domain_url(url: str, *, field: str = "url", max_length: int = 255) -> str:
    """An https origin (`https://host[:port]`) safe to monitor."""
    parts = _normalize(url, field, max_length, ("https",))
    if parts.path != "/" or parts.query or urllib.parse.urlsplit(url).fragment:
        raise ValidationError(
            f"{field}: a domain is an origin (https://host); drop the path, query and fragment",
            field=field,
        )
    return f"https://{parts.netloc}"


async def _system_resolver(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_resolves_public(
    url: str, *, resolver: Resolver | None = None, field: str = "url"
) -> None:
    """Refuse a URL whose host resolves to any non-public address (or to none)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if parse_ip_literal(host) is not None:
        return  # an address, already checked when the URL was normalised
    try:
        addresses = list(await (resolver or _system_resolver)(host))
    except OSError:
        addresses = []
    if not addresses:
        raise _refuse(f"{host} did not resolve", field)
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.partition("%")[0])
        except ValueError:
            raise _refuse(f"{host} resolved to something that is not an address", field) from None
        if not is_public_address(address):
            raise _refuse(f"{host} resolves to {address}, which is not public", field)
