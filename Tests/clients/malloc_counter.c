/* A malloc counter to LD_PRELOAD into a server under test (Tests/clients/test_allocations.py).
 *
 * Counts calls to malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign in one atomic
 * counter and forwards each to the real allocator. On SIGUSR2 it writes the count, in decimal, to the
 * file named by MALLOC_COUNTER_FILE (replacing its contents). Only async-signal-safe calls are used in
 * the handler. Built by the test with `cc -shared -fPIC -O2 -o … malloc_counter.c -ldl`. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_ulong allocations;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

/* dlsym itself may calloc before real_calloc is known: serve that from a small static arena. */
static char bootstrap[4096];
static size_t bootstrap_used;

static void *bootstrap_alloc(size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (bootstrap_used + size > sizeof bootstrap) return NULL;
    void *block = bootstrap + bootstrap_used;
    bootstrap_used += size;
    return block;
}

static void report(int signal_number) {
    (void)signal_number;
    const char *path = getenv("MALLOC_COUNTER_FILE");
    if (!path) return;
    char digits[32];
    int length = 0;
    unsigned long value = atomic_load(&allocations);
    do { digits[sizeof digits - 1 - length++] = (char)('0' + value % 10); value /= 10; } while (value);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    ssize_t written = write(fd, digits + sizeof digits - length, (size_t)length);
    (void)written;
    close(fd);
}

__attribute__((constructor)) static void install(void) {
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
    signal(SIGUSR2, report);
}

void *malloc(size_t size) {
    atomic_fetch_add(&allocations, 1);
    return real_malloc ? real_malloc(size) : bootstrap_alloc(size);
}

void *calloc(size_t count, size_t size) {
    atomic_fetch_add(&allocations, 1);
    if (!real_calloc) return bootstrap_alloc(count * size); /* static memory is already zero */
    return real_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    atomic_fetch_add(&allocations, 1);
    return real_realloc(pointer, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    atomic_fetch_add(&allocations, 1);
    return real_posix_memalign(result, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    atomic_fetch_add(&allocations, 1);
    return real_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    atomic_fetch_add(&allocations, 1);
    return real_memalign(alignment, size);
}

void free(void *pointer) {
    static void (*real_free)(void *);
    if ((char *)pointer >= bootstrap && (char *)pointer < bootstrap + sizeof bootstrap) return;
    if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
    real_free(pointer);
}
