#ifndef SWIFTCACHED_CLIBEVENT_SHIM_H
#define SWIFTCACHED_CLIBEVENT_SHIM_H
/* System headers first, on purpose: libevent's event-config.h defines _GNU_SOURCE, and if it is seen
   before <features.h> this module's fd_set differs from the one in Swift's Glibc module and a clean
   build fails ("__fds_bits ... is not present in definition of fd_set"). So GNU-only functions such
   as accept4 are not visible from Swift: use accept + fcntl instead. */
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif
#endif
