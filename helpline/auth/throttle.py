"""Throttling of failed sign-ins per client address (SECURITY.md §4: "throttling and lockout").

The lockout (helpline.auth.service) keeps one account from being guessed; this keeps one address
from trying many accounts, unknown ones included (those are never locked out), and keeps a flood
of attempts away from the password hasher. Only failures count, so an office behind one address
signs in as usual. A refused attempt is answered before any database or hashing work, and is
logged, not audited: a flood must not become a flood of writes.

The window is the ``limits`` library's moving window in each process's memory: N processes
behind a load balancer allow N times as many. That is enough to make guessing slow; the lockout,
in the database, is what every process shares. The client address is uvicorn's, which takes
X-Forwarded-For only from the proxies it trusts (``FORWARDED_ALLOW_IPS``)."""

from __future__ import annotations

import ipaddress
import logging
import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

FAILURES_PER_MINUTE = 20

log = logging.getLogger("helpline.auth.throttle")


class SignInThrottle:
    def __init__(self, failures_per_minute: int = FAILURES_PER_MINUTE) -> None:
        self._limit = RateLimitItemPerMinute(failures_per_minute)
        self._window = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, address: str) -> int | None:
        """Seconds to wait if this address may not try now; None if it may."""
        key = client_key(address)
        if self._window.test(self._limit, "sign-in", key):
            return None
        stats = self._window.get_window_stats(self._limit, "sign-in", key)
        log.warning("sign-in throttled for an address after repeated failures")
        return max(1, math.ceil(stats.reset_time - time.time()))

    def failed(self, address: str) -> None:
        self._window.hit(self._limit, "sign-in", client_key(address))


def client_key(address: str) -> str:
    """What one client is: an IPv4 address, or an IPv6 /64 (one customer's network: anyone
    given one has all its 2^64 addresses to rotate through)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # an IPv4 client on a dual-stack socket
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
