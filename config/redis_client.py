"""The Redis client class the cache uses (django-redis `REDIS_CLIENT_CLASS`): every command reports to
config.dependencies.REDIS, and while Redis is known to be down the command fails at once instead of
waiting out a socket timeout (django-redis then answers a cache miss, as IGNORE_EXCEPTIONS says)."""

from __future__ import annotations

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .dependencies import REDIS


class GuardedRedis(redis.Redis):
    def execute_command(self, *args, **options):
        if not REDIS.available():
            raise RedisConnectionError("Redis is unavailable (waiting before trying again)")
        try:
            result = super().execute_command(*args, **options)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            REDIS.failed(exc)
            raise
        REDIS.ok()
        return result
