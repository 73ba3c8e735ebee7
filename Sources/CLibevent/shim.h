#ifndef SWIFTCACHED_CLIBEVENT_SHIM_H
#define SWIFTCACHED_CLIBEVENT_SHIM_H
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif
#endif
