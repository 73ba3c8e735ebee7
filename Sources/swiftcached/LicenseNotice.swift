import RequestHandling

/// What `-i` prints (memcached prints its own and libevent's licenses).
let licenseNotice = """
    swiftcached \(swiftcachedRelease): MIT license (the LICENSE file of the source distribution).
    It links libevent, which is distributed under the 3-clause BSD license.
    """
