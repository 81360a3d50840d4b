"""datasdk.validation: URL (SSRF) checks in every spelling the resolver reads, headers, content."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from datasdk.errors import UnsafeURLError, ValidationError
from datasdk.validation import (
    REDACTED,
    check_json_size,
    check_resolves_public,
    check_sha256_hex,
    is_content_key,
    is_public_address,
    normalize_domain_url,
    normalize_scan_url,
    parse_ip_literal,
    redact_json,
    redact_url,
    refuse_content_keys,
    sanitize_headers,
)
from datasdk.validation.json_shape import MAX_JSON_DEPTH

NOT_PUBLIC = [
    # loopback, in every spelling inet_aton accepts
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0177.0000.0000.0001/",
    "http://127.1/",
    "http://127.0.1/",
    "http://0x7f.1/",
    "http://0x7F.0.0.1/",
    "http://127.0.0.1.:80/",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # fullwidth: IDNA maps to ASCII
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:a00:1::1]/",
    # private, link-local, CGNAT, reserved, multicast, unspecified, broadcast
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://167772161/",  # 10.0.0.1
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0xa9fea9fe/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fec0::1]/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://[ff02::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://198.18.0.1/",
    "http://192.0.2.1/",
    "http://203.0.113.9/",
    "http://[2001:db8::1]/",
    # names that stay inside
    "http://localhost/",
    "http://LOCALHOST:8080/",
    "http://api.localhost/",
    "http://localhost.localdomain/",
    "http://printer.local/",
    "http://metadata.google.internal/",
    "http://intranet/",
    "http://example.123/",
]


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_non_public_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        normalize_scan_url(url)
    assert caught.value.field == "url"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http:/example.com/",
        "http:example.com",
        "//example.com/",
        "http://user@example.com/",
        "http://user:pass@example.com/",
        "http://example.com@evil.com/",
        "http://example.com\\@evil.com/",
        "http://exa mple.com/",
        "http://example.com/a b",
        "http://example.com/\r\nX-Injected: 1",
        "http://example.com/\t",
        "http://example.com/\x00",
        "http://example.com/\u200b",
        "http://[fe80::1%25eth0]/",
        "http://%31%32%37.0.0.1/",
        "http://[::1/",
        "http://example.com:0/",
        "http://example.com:65536/",
        "http://example.com:8o/",
        "http:///path",
        "http://exa_mple..com/",
    ],
)
def test_malformed_or_smuggling_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        normalize_scan_url(url)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://example.com", "https://example.com/"),
        ("HTTPS://Example.COM:443/a?b=1", "https://example.com/a?b=1"),
        ("http://example.com:80/x#frag", "http://example.com/x"),
        ("http://example.com:8080/", "http://example.com:8080/"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("http://93.184.216.34/", "http://93.184.216.34/"),
        ("http://1572395042/", "http://93.184.216.34/"),
        ("http://[2606:4700:4700::1111]/dns", "http://[2606:4700:4700::1111]/dns"),
        ("https://example.com./", "https://example.com/"),
    ],
)
def test_public_urls_are_normalized(url: str, normalized: str) -> None:
    assert normalize_scan_url(url) == normalized


def test_over_long_urls_are_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_scan_url("https://example.com/" + "a" * 2048)
    assert not isinstance(caught.value, UnsafeURLError)


def test_the_field_name_is_the_callers() -> None:
    with pytest.raises(UnsafeURLError) as caught:
        normalize_scan_url("http://10.0.0.1/", field="target")
    assert caught.value.field == "target"


IPV4_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f000001",
    "0X7F000001",
    "0177.0.0.1",
    "0x7f.1",
    "1.0x10.3",
    "00",
    "0",
    "4294967295",
    "0xffffffff",
    "1.2.3",
    "010.010.010.010",
    # not addresses
    "1.2.3.4.5",
    "256.1.1.1",
    "1.256.1.1",
    "1.2.65536",
    "0x100000000",
    "4294967296",
    "08.1.1.1",
    "09",
    "0x",
    "0xg1",
    "1..1",
    "1.2.3.",
    ".1.2.3",
    "example.com",
    "-1",
    "+1",
]


@pytest.mark.parametrize("host", IPV4_SPELLINGS)
def test_the_parser_reads_ipv4_as_inet_aton_does(host: str) -> None:
    try:
        expected: ipaddress.IPv4Address | None = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        expected = None
    assert parse_ip_literal(host) == expected


def test_ipv6_literals_are_parsed() -> None:
    assert parse_ip_literal("[::1]") == ipaddress.IPv6Address("::1")
    assert parse_ip_literal("::ffff:10.0.0.1") == ipaddress.IPv6Address("::ffff:a00:1")
    assert parse_ip_literal("example.com") is None


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::5db8:d822", True),  # NAT64 of a public address
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo: not global
        ("100.64.0.1", False),
        ("224.0.0.251", False),
        ("ff0e::1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("url", "field_error"),
    [
        ("http://example.com", False),
        ("https://example.com/path", True),
        ("https://example.com/?q=1", True),
        ("https://example.com/#top", True),
        ("https://10.0.0.1", False),
    ],
)
def test_domains_are_https_origins(url: str, field_error: bool) -> None:
    error = ValidationError if field_error else UnsafeURLError
    with pytest.raises(error) as caught:
        normalize_domain_url(url)
    assert caught.value.field == "url"


def test_domain_origins_are_normalized() -> None:
    assert normalize_domain_url("HTTPS://Example.COM:443/") == "https://example.com"
    assert normalize_domain_url("https://example.com:8443") == "https://example.com:8443"


def _resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str) -> list[str]:
        if host not in table:
            raise socket.gaierror("no such name")
        return table[host]

    return resolve


async def test_resolver_accepts_names_resolving_outside() -> None:
    resolve = _resolver({"example.com": ["93.184.216.34", "2606:2800:220:1::248"]})
    await check_resolves_public("https://example.com/", resolver=resolve)


@pytest.mark.parametrize(
    "addresses",
    [
        ["93.184.216.34", "10.0.0.7"],
        ["127.0.0.1"],
        ["fe80::1%eth0"],
        ["::ffff:169.254.169.254"],
        [],
        ["not-an-address"],
    ],
)
async def test_resolver_refuses_any_inside_address(addresses: list[str]) -> None:
    resolve = _resolver({"rebind.example.com": addresses})
    with pytest.raises(UnsafeURLError) as caught:
        await check_resolves_public("https://rebind.example.com/", resolver=resolve)
    assert caught.value.field == "url"


async def test_resolver_refuses_names_that_do_not_resolve() -> None:
    with pytest.raises(UnsafeURLError):
        await check_resolves_public("https://nowhere.example/", resolver=_resolver({}))


async def test_ip_literals_need_no_resolution() -> None:
    await check_resolves_public("http://93.184.216.34/", resolver=_resolver({}))


def test_headers_keep_the_allow_list_only() -> None:
    headers = sanitize_headers(
        [
            ("Content-Type", "text/html"),
            ("Set-Cookie", "sid=secret-session"),
            ("Authorization", "Bearer secret"),
            ("X-Api-Key", "k"),
            ("X-Custom", "v"),
            ("Vary", "Accept"),
            ("vary", "Origin"),
            ("Server", "nginx\r\nX-Injected: 1"),
            ("Strict-Transport-Security", "max-age=" + "9" * 2000),
        ]
    )
    assert headers == {
        "content-type": "text/html",
        "server": "nginxX-Injected: 1",
        "strict-transport-security": ("max-age=" + "9" * 2000)[:1024],
        "vary": "Accept, Origin",
    }


def test_credentials_are_dropped_even_when_allowed() -> None:
    allowed = frozenset({"set-cookie", "authorization", "cookie", "x-api-key", "x-session-id"})
    raw = {"Set-Cookie": "a", "Authorization": "b", "Cookie": "c", "X-Api-Key": "d"}
    assert sanitize_headers({**raw, "X-Session-Id": "e"}, allowed=allowed) == {}


def test_bad_headers_never_echo_values() -> None:
    with pytest.raises(ValidationError) as caught:
        sanitize_headers({"Authorization": b"Bearer super-secret"})  # type: ignore[dict-item]
    assert "super-secret" not in str(caught.value)
    assert caught.value.field == "http_headers"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("body", True),
        ("page_html", True),
        ("rawHtml", True),
        ("screenshot_png", True),
        ("dom_snapshot", True),
        ("text", True),
        ("content", True),
        ("domain", False),
        ("context", False),
        ("content_hash", False),
        ("content_type", False),
        ("verdict", False),
    ],
)
def test_content_keys(name: str, content: bool) -> None:
    assert is_content_key(name) is content


def test_content_keys_are_found_at_any_depth() -> None:
    refuse_content_keys({"verdict": "ok", "domain": "x"}, field="summary")
    with pytest.raises(ValidationError) as caught:
        refuse_content_keys({"evidence": [{"page_html": "<p>"}]}, field="summary")
    assert caught.value.field == "summary.evidence.page_html"


def test_deep_nesting_is_refused() -> None:
    value: dict[str, object] = {}
    for _ in range(MAX_JSON_DEPTH + 2):
        value = {"a": value}
    with pytest.raises(ValidationError):
        refuse_content_keys(value, field="summary")


def test_json_size_and_shape() -> None:
    check_json_size({"a": "é" * 10}, field="f", max_bytes=40)
    with pytest.raises(ValidationError):
        check_json_size({"a": "é" * 30}, field="f", max_bytes=40)
    with pytest.raises(ValidationError):
        check_json_size({"a": float("nan")}, field="f", max_bytes=1000)
    with pytest.raises(ValidationError):
        check_json_size({"a": object()}, field="f", max_bytes=1000)


def test_sha256_hex() -> None:
    assert check_sha256_hex("0" * 64) == "0" * 64
    for bad in ("A" * 64, "0" * 63, "0" * 65, "g" * 64, 7):
        with pytest.raises(ValidationError):
            check_sha256_hex(bad)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://u:p@example.com/a?x=1", "https://example.com/a?x=1"),
        (
            "https://example.com/cb?code=1&access_token=abc&API-KEY=k&page=2",
            "https://example.com/cb?code=1&access_token=REDACTED&API-KEY=REDACTED&page=2",
        ),
        ("https://example.com/?sessionid", "https://example.com/?sessionid=REDACTED"),
        ("https://example.com/plain", "https://example.com/plain"),
    ],
)
def test_urls_lose_their_credentials(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_json_values_under_secret_keys_are_redacted() -> None:
    value = {"Authorization": "Bearer t", "nested": [{"refresh_token": "r", "n": 1}], "ok": "v"}
    assert redact_json(value) == {
        "Authorization": REDACTED,
        "nested": [{"refresh_token": REDACTED, "n": 1}],
        "ok": "v",
    }
