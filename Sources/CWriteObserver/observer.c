/*
 * Interposers for the C library's socket write calls; see CWriteObserver.h.
 * Each calls the C library's own function (found once with dlsym(RTLD_NEXT))
 * and, when the descriptor is the watched one and nothing was recorded yet,
 * records the call. errno is preserved for the caller.
 */
#define _GNU_SOURCE
#include "CWriteObserver.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The descriptor being watched, -1 for none. */
static _Atomic int watched_fd = -1;
/* 0: nothing recorded; 1: being written by the recording thread; 2: complete. */
static _Atomic int state;
static tlsprobe_libc_write record;

void tlsprobe_libc_watch(int fd)
{
    atomic_store(&watched_fd, -1);
    atomic_store(&state, 0);
    memset(&record, 0, sizeof record);
    atomic_store(&watched_fd, fd);
}

void tlsprobe_libc_unwatch(void)
{
    atomic_store(&watched_fd, -1);
}

tlsprobe_libc_write tlsprobe_libc_watched(void)
{
    tlsprobe_libc_write copy;
    memset(&copy, 0, sizeof copy);
    if (atomic_load(&state) == 2)
        copy = record;
    return copy;
}

static void note(const char *call, int fd, int flags, const struct sockaddr *address,
                 socklen_t length, long result, int error)
{
    int expected = 0;
    if (fd < 0 || fd != atomic_load(&watched_fd))
        return;
    if (!atomic_compare_exchange_strong(&state, &expected, 1))
        return;
    strncpy(record.call, call, sizeof record.call - 1);
    record.flags = flags;
    record.has_address = address != NULL;
    record.family = address != NULL && length >= sizeof(sa_family_t) ? address->sa_family : 0;
    record.address_length = address != NULL ? (unsigned int)length : 0;
    record.result = result;
    record.error = result < 0 ? error : 0;
    record.seen = 1;
    atomic_store(&state, 2);
}

/* The C library's definition of `name`, looked up once. */
static void *next(const char *name, void *_Atomic *slot)
{
    void *function = atomic_load(slot);
    if (function == NULL) {
        function = dlsym(RTLD_NEXT, name);
        atomic_store(slot, function);
    }
    return function;
}

#define NEXT(name, type) ((type)next(#name, &next_##name))

static void *_Atomic next_sendto, *_Atomic next_send, *_Atomic next_sendmsg, *_Atomic next_write, *_Atomic next_writev,
    *_Atomic next_close;

ssize_t sendto(int fd, const void *buffer, size_t size, int flags, __CONST_SOCKADDR_ARG address, socklen_t length)
{
    ssize_t result = NEXT(sendto, ssize_t (*)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t))(
        fd, buffer, size, flags, address, length);
    int error = errno;
    note("sendto", fd, flags, address.__sockaddr__, length, (long)result, error);
    errno = error;
    return result;
}

ssize_t send(int fd, const void *buffer, size_t size, int flags)
{
    ssize_t result = NEXT(send, ssize_t (*)(int, const void *, size_t, int))(fd, buffer, size, flags);
    int error = errno;
    note("send", fd, flags, NULL, 0, (long)result, error);
    errno = error;
    return result;
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags)
{
    ssize_t result = NEXT(sendmsg, ssize_t (*)(int, const struct msghdr *, int))(fd, message, flags);
    int error = errno;
    const struct sockaddr *address = message != NULL ? (const struct sockaddr *)message->msg_name : NULL;
    note("sendmsg", fd, flags, address, message != NULL ? message->msg_namelen : 0, (long)result, error);
    errno = error;
    return result;
}

ssize_t write(int fd, const void *buffer, size_t size)
{
    ssize_t result = NEXT(write, ssize_t (*)(int, const void *, size_t))(fd, buffer, size);
    int error = errno;
    note("write", fd, 0, NULL, 0, (long)result, error);
    errno = error;
    return result;
}

ssize_t writev(int fd, const struct iovec *vector, int count)
{
    ssize_t result = NEXT(writev, ssize_t (*)(int, const struct iovec *, int))(fd, vector, count);
    int error = errno;
    note("writev", fd, 0, NULL, 0, (long)result, error);
    errno = error;
    return result;
}

/* A closed descriptor's number is soon another socket's (the loopback server's,
 * in the same process): the watch ends with the watched descriptor. */
int close(int fd)
{
    int expected = fd;
    if (fd >= 0)
        atomic_compare_exchange_strong(&watched_fd, &expected, -1);
    return NEXT(close, int (*)(int))(fd);
}

const char *tlsprobe_msg_flag_name(int bit)
{
    switch (bit) {
    case MSG_OOB: return "MSG_OOB";
    case MSG_DONTROUTE: return "MSG_DONTROUTE";
    case MSG_DONTWAIT: return "MSG_DONTWAIT";
    case MSG_EOR: return "MSG_EOR";
    case MSG_CONFIRM: return "MSG_CONFIRM";
    case MSG_NOSIGNAL: return "MSG_NOSIGNAL";
    case MSG_MORE: return "MSG_MORE";
    case MSG_ZEROCOPY: return "MSG_ZEROCOPY";
    case MSG_FASTOPEN: return "MSG_FASTOPEN";
    default: return NULL;
    }
}

int tlsprobe_libc_observer_active(void)
{
    /* What libssl's calls resolve to: the first definition in the global scope. */
    return dlsym(RTLD_DEFAULT, "sendto") == (void *)&sendto && dlsym(RTLD_DEFAULT, "write") == (void *)&write
        && dlsym(RTLD_DEFAULT, "close") == (void *)&close;
}
