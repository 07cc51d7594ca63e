"""What the web processes know about their dependencies (PostgreSQL, Redis) between requests.

Each dependency is up or down. The first failure logs one line and opens a short circuit: for
`cooloff` seconds callers are told at once that it is down (no socket, no wait), then one call tries
again. The first success after a failure logs one line more. So an outage costs one timeout per
process per cool-off, never one per request, and the log holds a line per change of state, not a
traceback per request.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("renovation.dependencies")


def describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Dependency:
    def __init__(self, name: str, cooloff: float = 5.0):
        self.name = name
        self.cooloff = cooloff
        self.down_since: float | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return self.down_since is not None

    def available(self) -> bool:
        """False while the circuit is open: skip the call and take the fallback."""
        return self.down_since is None or time.monotonic() >= self._retry_at

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._retry_at = now + self.cooloff
            if self.down_since is not None:
                return
            self.down_since = now
        log.error("%s unavailable (%s)", self.name, describe(exc))

    def ok(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            log.warning("%s available again after %.0f s", self.name, time.monotonic() - since)

    def reset(self) -> None:
        """Forget the state (tests)."""
        with self._lock:
            self.down_since, self._retry_at = None, 0.0


DATABASE = Dependency("database")
REDIS = Dependency("redis")
