/*
 * What the interposers (interpose.c) hand to the one recorder linked with them:
 * watch.c in the tlsprobe binary (the matrix's one-descriptor watch), or
 * preload/recorder.c in libtlsprobe-observer.so (`tlsprobe run`). Private to
 * this folder: Swift sees only CWriteObserver.h.
 */
#ifndef TLSPROBE_INTERPOSE_H
#define TLSPROBE_INTERPOSE_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* One call the C library was asked to make, and what it answered. */
typedef struct {
    const char *call;                /* "sendto", "send", "sendmsg", "write", "writev" */
    int fd;
    int flags;                       /* the flags argument (0 for write and writev) */
    const struct sockaddr *address;  /* the destination passed, or NULL */
    socklen_t address_length;        /* its length (0 when none) */
    const struct iovec *data;        /* the bytes the call was asked to write */
    int data_count;
    long result;                     /* bytes written, or -1 */
    int error;                       /* errno after the call (meaningful when result is -1) */
} tlsprobe_write_call;

/* Asked by every write interposer after the C library's function returned: 1 when
 * the recorder wants this descriptor's write (then tlsprobe_observe_write follows).
 * The whole cost of a write the recorder does not want: an atomic load or two,
 * no record built. Defined by the recorder. */
int tlsprobe_observe_wants(int fd);

/* Called by a write interposer after the C library's function returned, when wanted;
 * errno is restored by the caller afterwards. Defined by the recorder. */
void tlsprobe_observe_write(const tlsprobe_write_call *call);

/* Called by close() before the C library's close. 1: close it; 0: do not, and
 * report success (the recorder keeps its own descriptor). Defined by the recorder. */
int tlsprobe_observe_close(int fd);

/* The C library's own write, never the interposer: what a recorder writes its
 * records with. */
ssize_t tlsprobe_next_write(int fd, const void *buffer, size_t size);

#endif
