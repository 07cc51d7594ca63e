"""Who is asking, and how many wrong guesses they may make: one place for every page and endpoint that
takes a secret from the public (ballot voting codes, receipt codes, household codes).

Client address. Behind N reverse proxies that each append to X-Forwarded-For (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`), the client is the N-th address from
the right; anything further left was written by the client and is never trusted. TRUSTED_PROXY_HOPS
(default 0) says how many proxies there are; 0 means REMOTE_ADDR. DRF's NUM_PROXIES and the access log
read the same setting, so every counter in the product sees the same address.

Guessing limits (`GuessLimit`). Wrong guesses are counted in cache counters per scope (e.g. one ballot),
per client address, and per address and code prefix:
- a resident mistyping their own code makes wrong guesses that share a prefix: `per_prefix` of them
  pause that address for that prefix only, so others behind the same address (a community office, a
  mobile carrier's NAT) keep going;
- a guesser varies the prefix: `per_address` (higher) wrong guesses pause the whole address;
- many addresses guessing at one scope (`per_scope` wrong guesses in a window) never lock the scope:
  they tighten every address's allowance to `strict_prefix` / `strict_address` tries until the window
  passes -- the scope slows down for guessers, and an address that has made no mistake is never refused;
- each further pause of the same address doubles (`pause` up to `max_pause`), remembered for a day.
A right guess never counts. Staff can lift the pauses of one address in one scope (`lift`), and list
the addresses paused in a scope (`paused`). With Redis the counters are shared by all web nodes;
without it (a laptop), and while it is down, they are per process.

Use: `verdict = LIMIT.check(address, scopes, key)` before testing a guess (refuse when
`verdict.paused`), and `verdict = LIMIT.fail(address, scopes, key)` after a wrong one (tell the person
`verdict.remaining` tries are left, or that a pause of `verdict.minutes` minutes began). `key` is the
normalised guess (its first `prefix_length` characters are the prefix).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

STRIKE_MEMORY_SECONDS = 24 * 3600


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str | None:
    """The client's IP address as the configured proxies saw it (see the module docstring), or None."""
    meta = getattr(request, "META", None) or {}
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            candidate = forwarded[-min(hops, len(forwarded))]
            if _valid_ip(candidate):
                return candidate
    remote = meta.get("REMOTE_ADDR") or ""
    return remote if _valid_ip(remote) else None


def client_address(request) -> str:
    """client_ip, or "unknown" (one shared counter for requests without an address)."""
    return client_ip(request) or "unknown"


def count_in_window(key: str, seconds: int) -> int:
    """Count one more under `key` for `seconds` from the first; returns the count so far. add + incr is
    atomic in Redis, so concurrent requests cannot slip past a limit the way get + set could.

    While Redis is down (the cache ignores the error and answers None) this process counts in its
    own memory instead (`_store`): a limit still holds, per process, and a public page answers as it
    would with Redis rather than with a server error (settings.CACHES: Redis down must not take
    pages down)."""
    return _on_store(lambda store: _count(store, key, seconds)) or 0


def _count(store, key: str, seconds: int) -> int | None:
    if store.add(key, 1, seconds):
        return 1
    try:
        count = store.incr(key)
    except ValueError:  # expired between add and incr
        return 1 if store.add(key, 1, seconds) else None
    return count if isinstance(count, int) else None


# Counts and pauses while Redis is known to be down (config.dependencies.REDIS): this process's own
# memory, as on a laptop without Redis. Once Redis answers again, its shared counts are used again.
_LOCAL = LocMemCache("guess-limits-while-redis-is-down", {"OPTIONS": {"MAX_ENTRIES": 50_000}})


def _store():
    """The shared cache, or this process's memory while Redis is known down (after the cool-off the
    cache is tried again: a success there is Redis back, a failure counts here once more)."""
    from config.dependencies import REDIS

    return cache if REDIS.available() else _LOCAL


def _on_store(op):
    """Run `op(store)` on the current store; when that very call found Redis down, run it again on
    this process's memory (where the counts and pauses of the outage are)."""
    store = _store()
    value = op(store)
    if store is not _LOCAL and _store() is _LOCAL:
        value = op(_LOCAL)
    return value


def _cache_get(key: str):
    return _on_store(lambda store: store.get(key))


def _cache_get_many(keys: list[str]) -> dict:
    return _on_store(lambda store: store.get_many(keys))


def _cache_set(key: str, value, timeout: float) -> None:
    _on_store(lambda store: store.set(key, value, timeout))


def _cache_delete(key: str) -> None:
    _on_store(lambda store: store.delete(key))


def _cache_delete_many(keys: list[str]) -> None:
    _on_store(lambda store: store.delete_many(keys))


def forget_local_counts() -> None:
    """Clear what this process counted while Redis was down (tests)."""
    _LOCAL.clear()


@dataclass(frozen=True)
class Verdict:
    paused: bool
    retry_after: int = 0  # seconds until the pause ends
    remaining: int = 0  # wrong guesses left before a pause (after `fail`)

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


@dataclass(frozen=True)
class Pause:
    address: str
    until: float  # epoch seconds
    prefixes: tuple[str, ...]  # code prefixes paused for this address
    whole_address: bool  # every guess from the address is paused

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - time.time()) / 60))


class GuessLimit:
    def __init__(
        self,
        name: str,
        *,
        per_prefix: int = 5,
        per_address: int = 20,
        per_scope: int = 200,
        strict_prefix: int = 2,
        strict_address: int = 5,
        window: int = 600,
        pause: int = 300,
        max_pause: int = 3600,
        prefix_length: int = 4,
    ) -> None:
        self.name = name
        self.per_prefix = per_prefix
        self.per_address = per_address
        self.per_scope = per_scope
        self.strict_prefix = min(strict_prefix, per_prefix)
        self.strict_address = min(strict_address, per_address)
        self.window = window
        self.pause = pause
        self.max_pause = max_pause
        self.prefix_length = prefix_length

    # --- keys ---
    def _k(self, scope: object, *parts: str) -> str:
        return ":".join(("guess", self.name, str(scope), *parts))

    def _prefix(self, key: str) -> str:
        return (key or "")[: self.prefix_length]

    # --- reading ---
    def check(self, address: str, scopes: Iterable[object], key: str = "") -> Verdict:
        """Is this address (for this guess's prefix) paused in any of the scopes?"""
        prefix = self._prefix(key)
        keys = []
        for scope in scopes:
            keys.append(self._k(scope, "pause", address))
            if prefix:
                keys.append(self._k(scope, "pause", address, prefix))
        if not keys:
            return Verdict(paused=False, remaining=self.per_address)
        untils = [u for u in _cache_get_many(keys).values() if u]
        now = time.time()
        until = max(untils, default=0)
        if until > now:
            return Verdict(paused=True, retry_after=math.ceil(until - now))
        return Verdict(paused=False, remaining=self.per_address)

    def paused(self, scope: object) -> list[Pause]:
        """The addresses paused in a scope now (for the staff page that lifts them)."""
        index = _cache_get(self._k(scope, "index")) or {}
        now = time.time()
        pauses = [
            Pause(address, entry["until"], tuple(entry["prefixes"]), entry["whole"])
            for address, entry in index.items()
            if entry["until"] > now
        ]
        return sorted(pauses, key=lambda p: p.until, reverse=True)

    # --- writing ---
    def _incr(self, key: str) -> int:
        return count_in_window(key, self.window)

    def fail(self, address: str, scopes: Iterable[object], key: str = "") -> Verdict:
        """Count one wrong guess in every scope; start a pause where a limit is reached."""
        prefix = self._prefix(key)
        remaining = self.per_address
        retry_after = 0
        for scope in scopes:
            strict = self._incr(self._k(scope, "all")) > self.per_scope
            per_address = self.strict_address if strict else self.per_address
            per_prefix = self.strict_prefix if strict else self.per_prefix
            left = per_address - self._incr(self._k(scope, "n", address))
            if left <= 0:
                _cache_delete(self._k(scope, "n", address))
                retry_after = max(retry_after, self._start_pause(scope, address, ""))
            if prefix:
                prefix_left = per_prefix - self._incr(self._k(scope, "n", address, prefix))
                if prefix_left <= 0:
                    _cache_delete(self._k(scope, "n", address, prefix))
                    retry_after = max(retry_after, self._start_pause(scope, address, prefix))
                left = min(left, prefix_left)
            remaining = min(remaining, max(left, 0))
        if retry_after:
            return Verdict(paused=True, retry_after=retry_after, remaining=0)
        return Verdict(paused=False, remaining=remaining)

    def _start_pause(self, scope: object, address: str, prefix: str) -> int:
        strikes_key = self._k(scope, "strikes", address)
        strikes = _cache_get(strikes_key) or 0
        _cache_set(strikes_key, strikes + 1, STRIKE_MEMORY_SECONDS)
        seconds = min(self.pause * 2**strikes, self.max_pause)
        until = time.time() + seconds
        pause_key = self._k(scope, "pause", address, prefix) if prefix else self._k(scope, "pause", address)
        _cache_set(pause_key, until, seconds)
        # the index staff read; a lost update under a race only hides a pause from the list (it still
        # expires on time), never lifts one
        index_key = self._k(scope, "index")
        index = {a: e for a, e in (_cache_get(index_key) or {}).items() if e["until"] > time.time()}
        entry = index.get(address, {"until": 0, "prefixes": [], "whole": False})
        if prefix:
            entry["prefixes"] = sorted({*entry["prefixes"], prefix})
        else:
            entry["whole"] = True
        entry["until"] = max(entry["until"], until)
        index[address] = entry
        _cache_set(index_key, index, self.max_pause)
        return seconds

    def lift(self, address: str, scope: object) -> bool:
        """Lift every pause of an address in a scope and forget its wrong guesses there."""
        index_key = self._k(scope, "index")
        index = _cache_get(index_key) or {}
        entry = index.pop(address, None)
        keys = [self._k(scope, part, address) for part in ("pause", "n", "strikes")]
        for prefix in (entry or {}).get("prefixes", ()):
            keys += [self._k(scope, "pause", address, prefix), self._k(scope, "n", address, prefix)]
        _cache_delete_many(keys)
        _cache_set(index_key, index, self.max_pause)
        return entry is not None
