"""slab_automove_ratio / slab_automove_window: memcached's checks and messages, and the settings
lines they produce (the automove rule itself: Tests/CacheEngineTests/SlabRebalancingTests.swift)."""
import pytest

from conftest import MEMCACHED_BINARY, TARGET_IS_MEMCACHED
from startup import assert_refused_like_memcached
from test_chunked_items import Client

AUTOMOVE_CASES = [
    ["-o", "slab_automove_ratio=0"],
    ["-o", "slab_automove_ratio=1.5"],
    ["-o", "slab_automove_ratio=abc"],
    ["-o", "slab_automove_ratio"],
    ["-o", "slab_automove_window=2"],
    ["-o", "slab_automove_window=x"],
    ["-o", "slab_automove_window"],
    # accepted by both
    ["-o", "slab_automove_ratio=0.5"],
    ["-o", "slab_automove_ratio=1"],
    ["-o", "slab_automove_window=3"],
    ["-o", "slab_automove=2,slab_automove_ratio=0.25,slab_automove_window=10"],
]


@pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="compares two different servers")
@pytest.mark.parametrize("args", AUTOMOVE_CASES, ids=lambda a: " ".join(a))
def test_automove_options_like_memcached(args):
    assert_refused_like_memcached(args)


@pytest.mark.skipif(TARGET_IS_MEMCACHED, reason="compares two different servers")
@pytest.mark.parametrize("args", [[], ["-o", "slab_automove_ratio=0.333,slab_automove_window=7"]],
                         ids=lambda a: " ".join(a) or "defaults")
def test_automove_settings_lines_like_memcached(server_factory, args):
    names = [b"slab_automove", b"slab_automove_ratio", b"slab_automove_window"]
    ref = Client(server_factory(args, binary=MEMCACHED_BINARY)).stats(b"settings")
    sut = Client(server_factory(args)).stats(b"settings")
    assert [sut[name] for name in names] == [ref[name] for name in names]
