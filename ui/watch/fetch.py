"""HTTP GETs for ``newsrag watch``: conditional, size- and time-limited, polite to each host.

A request states the `Validators` (ETag, Last-Modified) of the copy already held, so an
unchanged resource costs a 304; every answer is read up to `MAX_PAGE_BYTES` and within
`DEADLINE_S`; requests to one host are at least `HOST_INTERVAL_S` apart (`HostPacer`).
Anything that gives no usable body is a `FetchError` naming the URL and the reason.
Not handled: robots.txt, cookies, logins, pages drawn by scripts, proxies other than the
``HTTPS_PROXY``/``HTTP_PROXY`` variables httpx reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from index.errors import FetchError
from index.load import MAX_PAGE_BYTES

from ..markup import LINK_SCHEMES  # the only schemes followed, as the only ones linked

USER_AGENT = "newsrag-watch/1 (a private news archive following its feeds)"
TIMEOUT_S = 30.0  # connecting, or waiting for the next bytes
DEADLINE_S = 120.0  # one whole response, however slowly it drips
HOST_INTERVAL_S = 1.0  # between two requests to the same host
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Validators:
    """What a server said identifies its copy: sent back so that an unchanged one is a 304."""

    etag: str = ""
    last_modified: str = ""

    def headers(self) -> dict[str, str]:
        sent = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in sent.items() if value}


@dataclass(frozen=True)
class Fetched:
    """One answer: 200 with its body, or 304 (``body`` empty: the held copy is current)."""

    url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    validators: Validators = Validators()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be watched, or None when it is an http(s) address with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in LINK_SCHEMES:
        return f"only http and https addresses are fetched, not {parts.scheme + ':' if parts.scheme else 'a bare name'}"
    if not parts.hostname:
        return "no host in the address"
    return None


@dataclass
class HostPacer:
    """Keeps requests to one host (by name, whatever the port) ``interval_s`` apart; ``clock`` and
    ``sleep`` are `time.monotonic` and `time.sleep` unless a test passes its own."""

    interval_s: float = HOST_INTERVAL_S
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: dict[str, float] = field(default_factory=dict)

    def wait(self, url: str) -> None:
        """Sleep until a request to ``url``'s host may go, and count it as gone."""
        host = (urlsplit(url).hostname or "").lower()
        if host in self._last:
            pause = self._last[host] + self.interval_s - self.clock()
            if pause > 0:
                self.sleep(pause)
        self._last[host] = self.clock()


@dataclass
class HttpFetcher:
    """Conditional GETs through one httpx client; ``max_bytes`` and ``deadline_s`` bound each answer."""

    pacer: HostPacer = field(default_factory=HostPacer)
    max_bytes: int = MAX_PAGE_BYTES
    timeout_s: float = TIMEOUT_S
    deadline_s: float = DEADLINE_S
    clock: Callable[[], float] = time.monotonic
    client: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.client = self.client or httpx.Client(
            headers={"User-Agent": USER_AGENT}, timeout=self.timeout_s, follow_redirects=True, max_redirects=MAX_REDIRECTS)

    def get(self, url: str, held: Validators = Validators()) -> Fetched:
        """GET ``url``, sending ``held``'s validators; `FetchError` for anything but a 200 or 304 within the limits."""
        if reason := check_url(url):
            raise FetchError(f"{url}: {reason}")
        self.pacer.wait(url)
        try:
            with self.client.stream("GET", url, headers=held.headers()) as response:
                return self._read(url, response)
        except httpx.TimeoutException:
            raise FetchError(f"{url}: no answer within {self.timeout_s:g} s; the server is slow or down") from None
        except httpx.TooManyRedirects:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects; check the address") from None
        except httpx.HTTPError as e:
            raise FetchError(f"{url}: cannot fetch ({type(e).__name__}: {' '.join(str(e).split()) or 'no detail'}); "
                             "check the address and the network") from None

    def _read(self, url: str, response: httpx.Response) -> Fetched:
        final = str(response.url)
        validators = Validators(response.headers.get("ETag", ""), response.headers.get("Last-Modified", ""))
        if response.status_code == 304:
            return Fetched(final, 304, validators=validators)
        if response.status_code != 200:
            raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{url}: {int(declared):,} bytes, over the limit of {self.max_bytes:,} for one page or feed")
        body, started = bytearray(), self.clock()
        for piece in response.iter_bytes():
            body += piece
            if len(body) > self.max_bytes:
                raise FetchError(f"{url}: over the limit of {self.max_bytes:,} bytes for one page or feed")
            if self.clock() - started > self.deadline_s:
                raise FetchError(f"{url}: not complete within {self.deadline_s:g} s; the server is too slow")
        return Fetched(final, 200, bytes(body), response.headers.get("Content-Type", ""), response.charset_encoding, validators)

    def close(self) -> None:
        self.client.close()
