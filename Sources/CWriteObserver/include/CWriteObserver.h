/*
 * The libc-boundary write observer of the matrix. interpose.c defines sendto,
 * send, sendmsg, write and writev itself, so in a process linked with this target
 * (a tlsprobe worker: executables export their symbols) every call libssl,
 * libcrypto or a BIO plug-in makes to them comes here first, then goes to the C
 * library's. watch.c, the recorder linked here, keeps only the first write on one
 * watched descriptor: what the kernel was asked (call, flags, destination family
 * and length) and what it answered. close is interposed too, so a watch ends with
 * its descriptor.
 *
 * The same interpose.c, with preload/recorder.c instead of watch.c, is
 * libtlsprobe-observer.so, which `tlsprobe run` preloads into a user's program
 * (scripts/build-observer; records on TLSPROBE_OBSERVER_FD, read by
 * ProgramRun's ObserverLog). That object is plain C and is never linked here.
 *
 * Only Matrix links this target, never ProxyCore: a proxy that depends on
 * the fix must not get its writes interposed.
 */
#ifndef TLSPROBE_CWRITEOBSERVER_H
#define TLSPROBE_CWRITEOBSERVER_H

/* One write as the C library was asked for it. */
typedef struct {
    int seen;                    /* 0 until the watched descriptor's first write */
    char call[8];                /* "sendto", "send", "sendmsg", "write", "writev" */
    int flags;                   /* the flags argument (0 for write and writev) */
    int has_address;             /* a destination address was passed (non-NULL) */
    int family;                  /* its sa_family, when has_address */
    unsigned int address_length; /* the length passed with it (0 when none) */
    long result;                 /* bytes written, or -1 */
    int error;                   /* errno when result is -1, else 0 */
} tlsprobe_libc_write;

/* Records the first write on `fd` from now on, forgetting any earlier record. */
void tlsprobe_libc_watch(int fd);
/* Stops recording; the record stays readable. */
void tlsprobe_libc_unwatch(void);
/* The record so far (seen == 0 when there was no write). */
tlsprobe_libc_write tlsprobe_libc_watched(void);
/* The name of one MSG_* flag bit ("MSG_FASTOPEN"), or NULL for a bit without one. */
const char *tlsprobe_msg_flag_name(int bit);
/* 1 when calls through the dynamic linker reach these definitions (this
 * process exports them), 0 when they would bypass the observer. */
int tlsprobe_libc_observer_active(void);

#endif
