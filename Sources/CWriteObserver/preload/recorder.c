/*
 * The recorder of libtlsprobe-observer.so, the object `tlsprobe run` preloads
 * into the user's program (built with ../interpose.c by scripts/build-observer;
 * never by SwiftPM, which would link the Swift runtime into it).
 *
 * It is inert unless the environment variable TLSPROBE_OBSERVER_FD names an open
 * pipe or socket above 2: then, for every TCP socket (AF_INET, AF_INET6) of the
 * process, it writes one `write` record for the first write whose data starts a
 * TLS handshake record (0x16 0x03 0x00..0x04), and one `hello` record per process
 * naming the libssl and libcrypto it really mapped and OpenSSL_version(). Records
 * are lines of TAB-separated `key=value` fields (the protocol is in
 * docs/run.md and Sources/ProgramRun/Observer/ObserverLog.swift, which reads them):
 *
 *   hello  pid=N  exe=PATH  libssl=PATH[:PATH...]  libcrypto=PATH[:PATH...]  version=TEXT
 *   write  pid=N  fd=N  call=sendto  flags=0x20000000  domain=2  family=0  addrlen=0
 *          result=-1  errno=22  bytes=517  plain=0  peer=127.0.0.1:8443
 *   lost   pid=N  count=N     records that could not be written before this one
 *   note   pid=N  text=TEXT   something the observer did on the program's behalf
 *
 * Each line is written with one write() of at most 4096 bytes (PIPE_BUF: a pipe
 * never interleaves it with another process's), through the C library's own write,
 * never this object's interposer, and never to the program's stdout or stderr.
 *
 * What it costs a program that makes no TLS connection: one getsockopt per
 * descriptor on its first write (ENOTSOCK for a file or pipe), then one atomic
 * load per write. Nothing here allocates.
 */
#define _GNU_SOURCE
#include "../interpose.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Descriptors at or above this are never looked at (one slot each below). */
#define SLOT_COUNT 65536
/* The longest record, newline included: PIPE_BUF, so a write of it is atomic. */
#define LINE_BYTES 4096

/*
 * One slot per descriptor: bits 0-1 its state, bit 2 set for an AF_INET6 socket,
 * bits 3 and up the writes seen before its first TLS one (saturating).
 * close() and socket() reset a slot to UNKNOWN: the number is another file's next.
 */
enum { UNKNOWN = 0, IGNORED = 1, WATCHING = 2 };
#define STATE(slot) ((slot) & 3u)
#define IPV6_BIT 4u
#define PLAIN_ONE 8u
#define PLAIN(slot) ((slot) >> 3)
#define PLAIN_MAX (UINT32_MAX >> 3)

static _Atomic uint32_t slots[SLOT_COUNT];

/* Where records go; -1 while inert. */
static _Atomic int observer_fd = -1;
/* What it was when the process started: a record is never written to another file
 * that later got its number (the program closed it behind close(), e.g. close_range). */
static dev_t observer_device;
static ino_t observer_inode;
/* The pid the last hello was written for: a forked child says hello again. */
static _Atomic int hello_pid;
/* Whether that hello named a libssl; if not, the first TLS write says hello once more (a dlopen). */
static _Atomic int hello_had_libssl;
static _Atomic int hello_repeated;
/* Records that could not be written, reported in a `lost` line before the next one. */
static _Atomic unsigned long lost_records;

/* ---------------------------------------------------------------- lines */

typedef struct {
    char text[LINE_BYTES];
    size_t used;
} line;

/* Appends `size` bytes, as many as fit before the newline's place. */
static void put_bytes(line *out, const char *bytes, size_t size)
{
    size_t room = sizeof out->text - 1 - out->used;
    if (size > room)
        size = room;
    memcpy(out->text + out->used, bytes, size);
    out->used += size;
}

static void put_text(line *out, const char *text)
{
    put_bytes(out, text, strlen(text));
}

/* A value from outside (a path, a version string): TAB, newline and every other
 * control byte become '?', so a value never breaks the line apart. At most `limit` bytes. */
static void put_value(line *out, const char *value, size_t limit)
{
    for (size_t index = 0; value[index] != '\0' && index < limit; index++) {
        unsigned char byte = (unsigned char)value[index];
        char safe = byte < 0x20 || byte == 0x7f ? '?' : (char)byte;
        put_bytes(out, &safe, 1);
    }
}

static void put_key(line *out, const char *key)
{
    put_text(out, "\t");
    put_text(out, key);
    put_text(out, "=");
}

static void put_digits(line *out, long long value)
{
    char digits[24];
    size_t at = sizeof digits;
    unsigned long long magnitude = value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
    do {
        digits[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0)
        digits[--at] = '-';
    put_bytes(out, digits + at, sizeof digits - at);
}

static void put_signed(line *out, const char *key, long long value)
{
    put_key(out, key);
    put_digits(out, value);
}

static void put_hex(line *out, const char *key, unsigned int value)
{
    char digits[8];
    size_t at = sizeof digits;
    do {
        digits[--at] = "0123456789abcdef"[value & 0xf];
        value >>= 4;
    } while (value != 0);
    put_key(out, key);
    put_text(out, "0x");
    put_bytes(out, digits + at, sizeof digits - at);
}

/* Whether `fd` is still the descriptor the process was given. */
static int still_ours(int fd)
{
    struct stat status;
    return fstat(fd, &status) == 0 && status.st_dev == observer_device && status.st_ino == observer_inode;
}

/* Writes the line with one write(). 0 when it could not be written.
 *
 * A pipe whose reader is gone (tlsprobe stopped reading: the deadline passed) answers
 * EPIPE and raises SIGPIPE, which would kill a program that does not ignore it: the
 * observer must never change how the program ends. So SIGPIPE is blocked on this
 * thread around the write, and one it raised is taken back with sigtimedwait before the
 * mask is restored (unless one was pending already: that one is the program's). */
static int emit_raw(int fd, line *out)
{
    out->text[out->used++] = '\n';
    sigset_t pipe_signal, previous, pending;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    int already_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
    int written_whole = 0;
    for (;;) {
        ssize_t written = tlsprobe_next_write(fd, out->text, out->used);
        if (written < 0 && errno == EINTR)
            continue;
        written_whole = written == (ssize_t)out->used;
        if (written < 0 && errno == EPIPE && !already_pending) {
            const struct timespec now = { 0, 0 };
            while (sigtimedwait(&pipe_signal, NULL, &now) < 0 && errno == EINTR) {
            }
        }
        break;
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return written_whole;
}

/* Writes one record, after a `lost` line for any that went missing before it. A
 * record that cannot be written is counted, never retried, and never fatal. */
static void emit(line *out)
{
    int fd = atomic_load(&observer_fd);
    int error = errno;
    if (fd < 0)
        return;
    if (!still_ours(fd)) {
        /* Another file has its number now: stop rather than write into it. */
        atomic_store(&observer_fd, -1);
        errno = error;
        return;
    }
    unsigned long lost = atomic_exchange(&lost_records, 0);
    if (lost != 0) {
        line note = { .used = 0 };
        put_text(&note, "lost");
        put_signed(&note, "pid", getpid());
        put_signed(&note, "count", (long long)lost);
        /* Not written either: the count waits for the next record. */
        if (!emit_raw(fd, &note))
            atomic_fetch_add(&lost_records, lost);
    }
    if (!emit_raw(fd, out))
        atomic_fetch_add(&lost_records, 1);
    errno = error;
}

/* ---------------------------------------------------------------- hello */

typedef struct {
    char libssl[768];
    char libcrypto[768];
    size_t libssl_used, libcrypto_used;
    char first_libcrypto[PATH_MAX];
    const void *program_header; /* where the loader mapped the main program's program headers */
    int seen_main;
} mapped_objects;

/* Appends `path` to a colon-separated list, whole or not at all. */
static void append_path(char *list, size_t capacity, size_t *used, const char *path)
{
    size_t length = strlen(path);
    size_t separator = *used != 0 ? 1 : 0;
    if (*used + separator + length + 1 > capacity)
        return;
    if (separator)
        list[(*used)++] = ':';
    memcpy(list + *used, path, length);
    *used += length;
    list[*used] = '\0';
}

static int collect(struct dl_phdr_info *info, size_t size, void *context)
{
    (void)size;
    mapped_objects *objects = context;
    const char *name = info->dlpi_name != NULL ? info->dlpi_name : "";
    if (!objects->seen_main) {
        objects->seen_main = 1;
        objects->program_header = info->dlpi_phdr;
        return 0;
    }
    const char *slash = strrchr(name, '/');
    const char *base = slash != NULL ? slash + 1 : name;
    if (strncmp(base, "libssl.so", 9) == 0) {
        append_path(objects->libssl, sizeof objects->libssl, &objects->libssl_used, name);
    } else if (strncmp(base, "libcrypto.so", 12) == 0) {
        if (objects->first_libcrypto[0] == '\0')
            strncpy(objects->first_libcrypto, name, sizeof objects->first_libcrypto - 1);
        append_path(objects->libcrypto, sizeof objects->libcrypto, &objects->libcrypto_used, name);
    }
    return 0;
}

/* OpenSSL_version(OPENSSL_VERSION) of the libcrypto the process mapped: asked of that
 * very object (a dlopen with RTLD_LOCAL hides it from the global scope), else of the
 * global scope. A static string in OpenSSL 1.1.0 and later: nothing is initialised. */
static const char *openssl_version(const char *libcrypto)
{
    typedef const char *(*version_function)(int);
    version_function function = NULL;
    if (libcrypto[0] != '\0') {
        void *handle = dlopen(libcrypto, RTLD_LAZY | RTLD_NOLOAD);
        if (handle != NULL) {
            function = (version_function)dlsym(handle, "OpenSSL_version");
            /* The object stays mapped: the program holds it; this only drops our reference. */
            dlclose(handle);
        }
    }
    if (function == NULL)
        function = (version_function)dlsym(RTLD_DEFAULT, "OpenSSL_version");
    return function != NULL ? function(0) : NULL;
}

/* The file /proc/self/maps shows mapped at `address`, into `path` (left alone when
 * none is found). Read in bounded chunks; a line longer than the buffer is skipped. */
static void mapped_file(uintptr_t address, char *path, size_t capacity)
{
    static char buffer[8192];
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || address == 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t held = 0;
    for (;;) {
        ssize_t count = read(fd, buffer + held, sizeof buffer - 1 - held);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            break;
        held += (size_t)count;
        buffer[held] = '\0';
        char *start = buffer;
        char *newline;
        while ((newline = strchr(start, '\n')) != NULL) {
            *newline = '\0';
            /* start-end perms offset device inode path */
            char *end = NULL;
            unsigned long low = strtoul(start, &end, 16);
            unsigned long high = end != NULL && *end == '-' ? strtoul(end + 1, NULL, 16) : 0;
            char *file = strchr(start, '/');
            if (address >= low && address < high && file != NULL) {
                size_t size = strlen(file);
                if (size < capacity) {
                    memcpy(path, file, size + 1);
                }
                close(fd);
                return;
            }
            start = newline + 1;
        }
        held = (size_t)(buffer + held - start);
        memmove(buffer, start, held);
        if (held == sizeof buffer - 1)
            held = 0;
    }
    close(fd);
}

static void hello(int pid)
{
    static mapped_objects objects;  /* large; hello runs once per process and again at most twice */
    memset(&objects, 0, sizeof objects);
    dl_iterate_phdr(collect, &objects);

    /* /proc/self/exe is the loader itself when a runtime's loader started the program
     * (`ld-linux-x86-64.so.2 --library-path … PROGRAM`): the program is then the file
     * mapped where the loader put the main program's headers. */
    char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[length > 0 ? length : 0] = '\0';
    const char *base = strrchr(exe, '/');
    if (base != NULL && strncmp(base + 1, "ld-", 3) == 0)
        mapped_file((uintptr_t)objects.program_header, exe, sizeof exe);

    line out = { .used = 0 };
    put_text(&out, "hello");
    put_signed(&out, "pid", pid);
    put_key(&out, "exe");
    put_value(&out, exe, 2048);
    put_key(&out, "libssl");
    put_value(&out, objects.libssl, sizeof objects.libssl);
    put_key(&out, "libcrypto");
    put_value(&out, objects.libcrypto, sizeof objects.libcrypto);
    const char *version = objects.libcrypto_used != 0 ? openssl_version(objects.first_libcrypto) : NULL;
    if (version != NULL) {
        put_key(&out, "version");
        put_value(&out, version, 256);
    }
    atomic_store(&hello_had_libssl, objects.libssl_used != 0);
    atomic_store(&hello_pid, pid);
    emit(&out);
}

/* Says hello for `pid` unless this process already did; at the first TLS write
 * (`tls`), once more when the last hello named no libssl. */
static void say_hello(int pid, int tls)
{
    if (atomic_load(&hello_pid) != pid) {
        atomic_store(&hello_repeated, 0);
        hello(pid);
        return;
    }
    if (tls && !atomic_load(&hello_had_libssl) && !atomic_exchange(&hello_repeated, 1))
        hello(pid);
}

/* ---------------------------------------------------------------- sockets */

/* The slot a descriptor gets on its first write: WATCHING for a TCP socket of
 * AF_INET or AF_INET6, IGNORED for anything else, UNKNOWN when it is not open. */
static uint32_t classify(int fd)
{
    int value = 0;
    socklen_t size = sizeof value;
    /* SO_DOMAIN first: a file or pipe (ENOTSOCK) and a Unix socket cost one call. */
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &size) != 0)
        return errno == EBADF ? UNKNOWN : IGNORED;
    if (value != AF_INET && value != AF_INET6)
        return IGNORED;
    uint32_t family = value == AF_INET6 ? IPV6_BIT : 0;
    size = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &size) != 0 || value != SOCK_STREAM)
        return IGNORED;
    size = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &value, &size) != 0 || value != IPPROTO_TCP)
        return IGNORED;
    return WATCHING | family;
}

/* Whether the data starts a TLS handshake record: content type 22, version 3.0 to 3.4. */
static int starts_tls_handshake(const tlsprobe_write_call *call)
{
    unsigned char head[3];
    size_t have = 0;
    for (int index = 0; index < call->data_count && have < sizeof head; index++) {
        const unsigned char *bytes = call->data[index].iov_base;
        size_t length = call->data[index].iov_len;
        for (size_t at = 0; at < length && have < sizeof head; at++)
            head[have++] = bytes[at];
    }
    return have == sizeof head && head[0] == 0x16 && head[1] == 0x03 && head[2] <= 0x04;
}

static size_t requested_bytes(const tlsprobe_write_call *call)
{
    size_t total = 0;
    for (int index = 0; index < call->data_count; index++) {
        size_t length = call->data[index].iov_len;
        total = total + length < total ? SIZE_MAX : total + length;
    }
    return total;
}

static void put_peer(line *out, int fd)
{
    struct sockaddr_storage peer;
    socklen_t size = sizeof peer;
    char text[INET6_ADDRSTRLEN];
    if (getpeername(fd, (struct sockaddr *)&peer, &size) != 0)
        return;
    if (peer.ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&peer;
        if (inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text) == NULL)
            return;
        put_key(out, "peer");
        put_text(out, text);
        put_text(out, ":");
        put_digits(out, ntohs(v4->sin_port));
    } else if (peer.ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&peer;
        if (inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text) == NULL)
            return;
        put_key(out, "peer");
        put_text(out, "[");
        put_text(out, text);
        put_text(out, "]:");
        put_digits(out, ntohs(v6->sin6_port));
    }
}

static void record(const tlsprobe_write_call *call, uint32_t slot)
{
    int pid = getpid();
    say_hello(pid, 1);
    line out = { .used = 0 };
    put_text(&out, "write");
    put_signed(&out, "pid", pid);
    put_signed(&out, "fd", call->fd);
    put_key(&out, "call");
    put_text(&out, call->call);
    put_hex(&out, "flags", (unsigned int)call->flags);
    put_signed(&out, "domain", slot & IPV6_BIT ? AF_INET6 : AF_INET);
    if (call->address != NULL) {
        int family = call->address_length >= sizeof(sa_family_t) ? call->address->sa_family : 0;
        put_signed(&out, "family", family);
        put_signed(&out, "addrlen", (long long)call->address_length);
    }
    put_signed(&out, "result", call->result);
    if (call->result < 0)
        put_signed(&out, "errno", call->error);
    put_signed(&out, "bytes", (long long)requested_bytes(call));
    put_signed(&out, "plain", PLAIN(slot));
    put_peer(&out, call->fd);
    emit(&out);
}

/* The fast path for every write of the program: descriptors found not to be TCP
 * sockets, and sockets whose TLS write was recorded, cost these loads only. */
int tlsprobe_observe_wants(int fd)
{
    int out = atomic_load_explicit(&observer_fd, memory_order_relaxed);
    if (out < 0 || fd < 0 || fd >= SLOT_COUNT || fd == out)
        return 0;
    return STATE(atomic_load_explicit(&slots[fd], memory_order_relaxed)) != IGNORED;
}

void tlsprobe_observe_write(const tlsprobe_write_call *call)
{
    int out = atomic_load_explicit(&observer_fd, memory_order_relaxed);
    int fd = call->fd;
    if (out < 0 || fd < 0 || fd >= SLOT_COUNT || fd == out)
        return;
    uint32_t slot = atomic_load_explicit(&slots[fd], memory_order_relaxed);
    if (STATE(slot) == IGNORED)
        return;
    if (STATE(slot) == UNKNOWN) {
        uint32_t found = classify(fd);
        if (found == UNKNOWN)
            return;
        /* Another thread may have classified it first: then go on with what it found. */
        if (atomic_compare_exchange_strong(&slots[fd], &slot, found))
            slot = found;
    }
    if (STATE(slot) != WATCHING)
        return;
    if (requested_bytes(call) == 0)
        return;
    int tls = starts_tls_handshake(call);
    for (;;) {
        if (STATE(slot) != WATCHING)
            return;
        uint32_t next = tls ? IGNORED : (PLAIN(slot) < PLAIN_MAX ? slot + PLAIN_ONE : slot);
        if (atomic_compare_exchange_weak(&slots[fd], &slot, next))
            break;
    }
    if (tls)
        record(call, slot);
}

/*
 * The observer's own descriptor is kept open whatever the program does: a daemon
 * that closes every descriptor it did not open (a loop of close() up to its limit)
 * would otherwise end the records, and the number would go to the next file it
 * opens, which records must never reach. So close() of it does nothing and reports
 * success, and the record stream says so once.
 */
int tlsprobe_observe_close(int fd)
{
    int out = atomic_load(&observer_fd);
    if (fd >= 0 && fd == out) {
        static _Atomic int told;
        if (!atomic_exchange(&told, 1)) {
            line note = { .used = 0 };
            put_text(&note, "note");
            put_signed(&note, "pid", getpid());
            put_key(&note, "text");
            put_text(&note, "the program closed the observer's descriptor; it was kept open");
            emit(&note);
        }
        return 0;
    }
    if (fd >= 0 && fd < SLOT_COUNT)
        atomic_store(&slots[fd], UNKNOWN);
    return 1;
}

/* A new socket's number may be a file's that was closed without close() (fclose,
 * close_range): it starts unknown. Only socket() is interposed here, not in
 * interpose.c: the matrix's watch needs no such reset. */
__attribute__((visibility("default"))) int socket(int domain, int type, int protocol)
{
    static void *_Atomic next_socket;
    int (*function)(int, int, int) = atomic_load(&next_socket);
    if (function == NULL) {
        function = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
        atomic_store(&next_socket, (void *)function);
    }
    int fd = function(domain, type, protocol);
    if (fd >= 0 && fd < SLOT_COUNT)
        atomic_store(&slots[fd], UNKNOWN);
    return fd;
}

/* ---------------------------------------------------------------- start */

/* The descriptor TLSPROBE_OBSERVER_FD names, when it is an open pipe or socket
 * above stderr; -1 otherwise (the observer stays inert). */
static int given_descriptor(void)
{
    const char *text = getenv("TLSPROBE_OBSERVER_FD");
    if (text == NULL || *text == '\0')
        return -1;
    long value = 0;
    for (const char *digit = text; *digit != '\0'; digit++) {
        if (*digit < '0' || *digit > '9' || value > INT_MAX / 10)
            return -1;
        value = value * 10 + (*digit - '0');
    }
    struct stat status;
    if (value <= STDERR_FILENO || value > INT_MAX || fstat((int)value, &status) != 0)
        return -1;
    if (!S_ISFIFO(status.st_mode) && !S_ISSOCK(status.st_mode))
        return -1;
    observer_device = status.st_dev;
    observer_inode = status.st_ino;
    return (int)value;
}

__attribute__((constructor)) static void start(void)
{
    int error = errno;
    int fd = given_descriptor();
    if (fd >= 0) {
        atomic_store(&observer_fd, fd);
        say_hello(getpid(), 0);
    }
    errno = error;
}
