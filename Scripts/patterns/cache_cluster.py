"""The cache tier: swiftcached-config and data nodes that register with it, on free loopback ports,
through the client tests' cluster harness (Tests/clients/cluster_harness.py), so this starts the
cluster exactly as the discovery tests do (fast probing: a killed node is dropped within about a
second)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "clients"))

from cluster_harness import Cluster  # noqa: E402


def start_cache_cluster(directory, nodes=3):
    """A started cluster with `nodes` registered nodes (node1, node2, …); call .stop() on it."""
    cluster = Cluster(directory)
    try:
        cluster.start_endpoint()
        names = ["node%d" % k for k in range(1, nodes + 1)]
        for name in names:
            cluster.start_node(name)
        cluster.wait_for_nodes(names)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def endpoint_address(cluster):
    return ("127.0.0.1", cluster.endpoint.port)
