/*
 * The matrix's recorder for the interposers in interpose.c (see
 * CWriteObserver.h): the first write on one watched descriptor, what the
 * kernel was asked and what it answered.
 */
#define _GNU_SOURCE
#include "CWriteObserver.h"
#include "interpose.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
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

int tlsprobe_observe_wants(int fd)
{
    return fd >= 0 && fd == atomic_load(&watched_fd);
}

void tlsprobe_observe_write(const tlsprobe_write_call *call)
{
    int expected = 0;
    if (call->fd < 0 || call->fd != atomic_load(&watched_fd))
        return;
    if (!atomic_compare_exchange_strong(&state, &expected, 1))
        return;
    strncpy(record.call, call->call, sizeof record.call - 1);
    record.flags = call->flags;
    record.has_address = call->address != NULL;
    record.family = call->address != NULL && call->address_length >= sizeof(sa_family_t) ? call->address->sa_family : 0;
    record.address_length = call->address != NULL ? (unsigned int)call->address_length : 0;
    record.result = call->result;
    record.error = call->result < 0 ? call->error : 0;
    record.seen = 1;
    atomic_store(&state, 2);
}

/* The watch ends with the watched descriptor: its number is soon another
 * socket's (the loopback server's, in the same process). */
int tlsprobe_observe_close(int fd)
{
    int expected = fd;
    if (fd >= 0)
        atomic_compare_exchange_strong(&watched_fd, &expected, -1);
    return 1;
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
