#ifndef SWIFTCACHED_CLIBEVENT_SHIM_H
#define SWIFTCACHED_CLIBEVENT_SHIM_H
/* System headers first, on purpose: libevent's event-config.h defines _GNU_SOURCE, and if it is seen
   before <features.h> this module's fd_set differs from the one in Swift's Glibc module and a clean
   build fails ("__fds_bits ... is not present in definition of fd_set"). So GNU-only functions are
   not visible from Swift; the one the listener needs is declared below. */
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
/* accept4 (Linux 2.6.28, glibc 2.10), declared by <sys/socket.h> only under _GNU_SOURCE: one system
   call for a non-blocking, close-on-exec socket where accept + fcntl take four. Its flags
   (SOCK_NONBLOCK, SOCK_CLOEXEC) are always defined. */
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addr_len, int flags);
#endif
#endif
