"""Who may reach newsrag's servers: a server on an address other than loopback must ask for a
password or a token unless told plainly that it need not, and a server on loopback answers
only requests whose Host header names loopback (so that a web page cannot reach it by DNS
rebinding). A TLS layer and rate limits are left to a reverse proxy."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")  # Host header names of this machine, as Starlette parses them
INSECURE_FLAG = "--insecure-public"


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Exposure:
    """A server's address and what protects it."""

    host: str
    protected: bool  # a password or token is required
    insecure_public: bool = False  # the user said an open server on this address is fine

    def check(self, needs: str) -> None:
        """An `InputError` when the server would be open to the network; ``needs`` says what protects it."""
        from index.errors import InputError

        if self.protected or self.insecure_public or is_loopback(self.host):
            return
        raise InputError(f"refusing to serve on {self.host} without {needs}: anyone who can reach it could use the archive; "
                         f"pass {needs}, bind --host 127.0.0.1, or pass {INSECURE_FLAG} if every client on the network is trusted")


def allowed_hosts(bind: str, configured: str | None = None) -> list[str] | None:
    """The Host header names a server accepts: ``configured`` (comma-separated, ``*`` for any) when
    given, loopback's names for a loopback server, otherwise any (None)."""
    if configured:
        from index.errors import InputError

        names = [name.strip().lower() for name in configured.split(",") if name.strip()]
        for name in names:
            if "*" in name[1:] or (name.startswith("*") and name != "*" and not name.startswith("*.")):
                raise InputError(f"--allowed-hosts: {name!r} is not a host name; use names such as news.example, *.example.org or *")
        names = [f"[{name}]" if ":" in name and not name.startswith("[") else name for name in names]
        return None if "*" in names else names
    return list(LOOPBACK_HOSTS) if is_loopback(bind) else None
