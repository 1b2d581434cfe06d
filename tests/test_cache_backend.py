"""The Redis cache backend (dangjian.core.cache) reuses one client per connection pool and behaves as Django's.
CI machines and this one run Redis on 127.0.0.1:6379 (database 15 is used here and emptied)."""

import os

from dangjian.core.cache import RedisCache

URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_one_client_serves_every_operation():
    cache = RedisCache(URL, {"KEY_PREFIX": "dangjian-test"})
    cache.clear()
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client and cache._cache.get_client(write=True) is client
    cache.set("k", ("a", 1), 30)
    assert cache.get("k") == ("a", 1)
    assert cache.add("k", "other", 30) is False
    cache.delete_many(["k"])
    assert cache.get("k") is None
    cache.clear()
