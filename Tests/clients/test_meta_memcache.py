"""meta-memcache (PyPI), a client that speaks only the meta protocol, against swiftcached:
get / set / delete / CAS, binary keys (the client base64-encodes long or non-ASCII keys), and the
stale-while-revalidate and lease flows that rely on I / X / W / Z / N / R.

Each test uses its own server (-m 64 -t 2) and its own client.
"""
import pytest

meta_memcache = pytest.importorskip("meta_memcache")
from meta_memcache import (CacheClient, Key, LeasePolicy, RecachePolicy, ServerAddress, SetMode,  # noqa: E402
                           StalePolicy, connection_pool_factory_builder)


@pytest.fixture
def client(swiftcached):
    return CacheClient.cache_client_from_servers(
        servers=[ServerAddress(host="127.0.0.1", port=swiftcached.port)],
        connection_pool_factory_fn=connection_pool_factory_builder(recv_timeout=5),
    )


def test_set_get_delete(client):
    assert client.get("mm:missing") is None
    assert client.set("mm:k", {"a": 1, "b": [1, 2]}, ttl=60)
    assert client.get("mm:k") == {"a": 1, "b": [1, 2]}
    assert client.set("mm:s", "text", ttl=60) and client.get("mm:s") == "text"
    assert client.set("mm:i", 42, ttl=60) and client.get("mm:i") == 42
    assert client.set("mm:b", b"\x00\xffbytes", ttl=60) and client.get("mm:b") == b"\x00\xffbytes"
    assert client.delete("mm:k")
    assert client.get("mm:k") is None
    assert not client.delete("mm:k")
    assert client.invalidate("mm:k")


def test_multi_get_and_touch(client):
    for i in range(10):
        assert client.set("mm:multi%d" % i, i, ttl=60)
    got = client.multi_get(["mm:multi%d" % i for i in range(12)])
    assert [got[Key("mm:multi%d" % i)] for i in range(12)] == list(range(10)) + [None, None]
    assert client.touch("mm:multi1", ttl=100)
    assert not client.touch("mm:nosuch", ttl=100)


def test_set_modes_and_cas(client):
    assert client.set("mm:add", "first", ttl=60, set_mode=SetMode.ADD)
    assert not client.set("mm:add", "second", ttl=60, set_mode=SetMode.ADD)
    assert not client.set("mm:rep", "x", ttl=60, set_mode=SetMode.REPLACE)
    value, cas = client.get_cas("mm:add")
    assert value == "first" and cas
    assert client.set("mm:add", "third", ttl=60, cas_token=cas)
    assert not client.set("mm:add", "fourth", ttl=60, cas_token=cas), "the old CAS must be refused"
    assert client.get("mm:add") == "third"
    new_cas = client.set_cas("mm:add", "fifth", ttl=60)
    assert new_cas and new_cas != cas
    assert client.get_cas("mm:add") == ("fifth", new_cas)


def test_counters(client):
    assert client.delta("mm:ctr", 5) is False            # missing: not created without initial
    assert client.delta_initialize("mm:ctr", 5, initial_value=10, initial_ttl=60)
    assert client.delta_and_get("mm:ctr", 5) == 15
    assert client.delta_and_get("mm:ctr", -20) == 0       # decr floors at 0
    assert client.delta_initialize_and_get("mm:ctr2", 1, initial_value=7, initial_ttl=60) == 7


def test_binary_and_long_keys(client):
    long_key = "mm:" + "long" * 100                       # > 250 bytes: the client hashes it
    assert client.set(long_key, "L", ttl=60) and client.get(long_key) == "L"
    unicode_key = "mm:ключ-🔑"                            # not ASCII: sent base64 with the b flag
    assert client.set(unicode_key, "U", ttl=60) and client.get(unicode_key) == "U"
    assert client.delete(unicode_key) and client.get(unicode_key) is None


def test_stale_while_revalidate(client):
    stale = StalePolicy(mark_stale_on_deletion_ttl=30, mark_stale_on_cas_mismatch=True)
    assert client.set("mm:swr", "v1", ttl=60)
    # A stale-marking delete keeps the value; the first reader wins the recache (W) and sees a
    # miss, later readers (Z) are served the stale value until the winner writes.
    assert client.delete("mm:swr", stale_policy=stale)
    winner, cas = client.get_cas("mm:swr")
    assert winner is None and cas
    assert client.get("mm:swr") == "v1"
    assert client.get("mm:swr") == "v1"
    assert client.set("mm:swr", "v2", ttl=60, cas_token=cas, stale_policy=stale)
    assert client.get("mm:swr") == "v2"


def test_lease_on_miss(client):
    lease = LeasePolicy(ttl=30, miss_retries=3, miss_retry_wait=0.05, miss_max_retry_wait=0.1)
    value, cas = client.get_or_lease_cas("mm:lease", lease)
    assert value is None and cas, "the first client wins the lease (N creates a placeholder, W)"
    waits = []
    assert client.get_or_lease("mm:lease", lease, lease_wait_fn=waits.append) is None
    assert len(waits) == 2, "a losing client retries while the placeholder is empty (Z)"
    assert client.set("mm:lease", "filled", ttl=60, cas_token=cas)
    assert client.get_or_lease("mm:lease", lease) == "filled"


def test_recache_policy(client):
    assert client.set("mm:rc", "old", ttl=20)
    policy = RecachePolicy(ttl=30)
    assert client.get("mm:rc", recache_policy=policy) is None, "TTL 20 < 30: this client wins (R → W)"
    assert client.get("mm:rc", recache_policy=policy) == "old", "the token is taken (Z): serve the value"
