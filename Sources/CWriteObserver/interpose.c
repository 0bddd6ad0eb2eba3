/*
 * The interposers for the C library's socket write calls, written once and
 * linked with one recorder: watch.c in the tlsprobe binary (the matrix), or
 * preload/recorder.c in libtlsprobe-observer.so (`tlsprobe run`, built by
 * scripts/build-observer). Each calls the C library's own function (found once
 * with dlsym(RTLD_NEXT)), then, when the recorder wants the descriptor, hands
 * the call, its data and its answer to it. errno is what the C library left,
 * whatever the recorder did (a recorder's `wants` leaves errno alone).
 */
#define _GNU_SOURCE
#include "interpose.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* What another object resolves these names to: exported even when the rest of
 * the object is built with -fvisibility=hidden (the preloaded library). */
#define INTERPOSER __attribute__((visibility("default")))

/* The C library's definition of `name`, looked up once. */
static void *next(const char *name, void *_Atomic *slot)
{
    void *function = atomic_load_explicit(slot, memory_order_acquire);
    if (function == NULL) {
        function = dlsym(RTLD_NEXT, name);
        atomic_store_explicit(slot, function, memory_order_release);
    }
    return function;
}

#define NEXT(name, type) ((type)next(#name, &next_##name))

static void *_Atomic next_sendto, *_Atomic next_send, *_Atomic next_sendmsg, *_Atomic next_write, *_Atomic next_writev,
    *_Atomic next_close;

ssize_t tlsprobe_next_write(int fd, const void *buffer, size_t size)
{
    return NEXT(write, ssize_t (*)(int, const void *, size_t))(fd, buffer, size);
}

/* Out of line, so an interposer's own path for a write the recorder does not want
 * is a call, a load and a return (no frame for a record, no stack protector). errno
 * is read before anything else runs and is what the caller gets back. */
static __attribute__((noinline)) void observe(const char *call, int fd, int flags, const struct sockaddr *address,
                                              socklen_t length, const struct iovec *data, int count, long result)
{
    int error = errno;
    tlsprobe_write_call record = {
        .call = call, .fd = fd, .flags = flags, .address = address, .address_length = address != NULL ? length : 0,
        .data = data, .data_count = count, .result = result, .error = error,
    };
    tlsprobe_observe_write(&record);
    errno = error;
}

/* The same for a call with one buffer. */
static __attribute__((noinline)) void observe_buffer(const char *call, int fd, int flags, const struct sockaddr *address,
                                                     socklen_t length, const void *buffer, size_t size, long result)
{
    struct iovec data = { .iov_base = (void *)buffer, .iov_len = size };
    observe(call, fd, flags, address, length, &data, 1, result);
}

INTERPOSER ssize_t sendto(int fd, const void *buffer, size_t size, int flags, __CONST_SOCKADDR_ARG address,
                          socklen_t length)
{
    ssize_t result = NEXT(sendto, ssize_t (*)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t))(
        fd, buffer, size, flags, address, length);
    if (__builtin_expect(tlsprobe_observe_wants(fd), 0))
        observe_buffer("sendto", fd, flags, address.__sockaddr__, length, buffer, size, (long)result);
    return result;
}

INTERPOSER ssize_t send(int fd, const void *buffer, size_t size, int flags)
{
    ssize_t result = NEXT(send, ssize_t (*)(int, const void *, size_t, int))(fd, buffer, size, flags);
    if (__builtin_expect(tlsprobe_observe_wants(fd), 0))
        observe_buffer("send", fd, flags, NULL, 0, buffer, size, (long)result);
    return result;
}

INTERPOSER ssize_t sendmsg(int fd, const struct msghdr *message, int flags)
{
    ssize_t result = NEXT(sendmsg, ssize_t (*)(int, const struct msghdr *, int))(fd, message, flags);
    if (__builtin_expect(tlsprobe_observe_wants(fd), 0)) {
        if (message != NULL)
            observe("sendmsg", fd, flags, (const struct sockaddr *)message->msg_name, message->msg_namelen,
                    message->msg_iov, (int)message->msg_iovlen, (long)result);
        else
            observe("sendmsg", fd, flags, NULL, 0, NULL, 0, (long)result);
    }
    return result;
}

INTERPOSER ssize_t write(int fd, const void *buffer, size_t size)
{
    ssize_t result = NEXT(write, ssize_t (*)(int, const void *, size_t))(fd, buffer, size);
    if (__builtin_expect(tlsprobe_observe_wants(fd), 0))
        observe_buffer("write", fd, 0, NULL, 0, buffer, size, (long)result);
    return result;
}

INTERPOSER ssize_t writev(int fd, const struct iovec *vector, int count)
{
    ssize_t result = NEXT(writev, ssize_t (*)(int, const struct iovec *, int))(fd, vector, count);
    if (__builtin_expect(tlsprobe_observe_wants(fd), 0))
        observe("writev", fd, 0, NULL, 0, vector, count, (long)result);
    return result;
}

/* A closed descriptor's number is soon another socket's: the recorder forgets
 * what it knew of it first (and may keep a descriptor of its own open). */
INTERPOSER int close(int fd)
{
    int error = errno;
    if (!tlsprobe_observe_close(fd)) {
        errno = error;
        return 0;
    }
    return NEXT(close, int (*)(int))(fd);
}
