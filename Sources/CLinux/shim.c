/*
 * Definitions for CLinux.h, compiled with _GNU_SOURCE so that glibc exposes
 * dladdr, unshare and strerrorname_np. The _Static_asserts pin the layouts
 * the Swift code and the reproduced designs rely on: if a libc ever laid
 * these out differently, the build fails instead of the probes lying.
 */
#define _GNU_SOURCE
#include "CLinux.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The address lengths the legacy fast-open design computes by family, and that
 * FirstWrite.expectedAddressLength reports: 16 and 28 on Linux. */
_Static_assert(sizeof(struct sockaddr_in) == 16, "sockaddr_in is 16 bytes on Linux");
_Static_assert(sizeof(struct sockaddr_in6) == 28, "sockaddr_in6 is 28 bytes on Linux");
/* The legacy design reads the family from the first two bytes of whatever the
 * data pointer holds; OpenSSL's zeroed struct then reads as family 0. */
_Static_assert(offsetof(struct sockaddr, sa_family) == 0, "sa_family leads struct sockaddr");
_Static_assert(sizeof(sa_family_t) == 2, "sa_family_t is two bytes");
/* Swift reads tcpi_options out of TCP_INFO as one byte. */
_Static_assert(sizeof(((struct tcp_info *)0)->tcpi_options) == 1, "tcpi_options is one byte");

const char *tlsprobe_loaded_path(const void *symbol) {
    Dl_info info;
    if (dladdr(symbol, &info) == 0 || info.dli_fname == NULL) return NULL;
    return info.dli_fname;
}

int tlsprobe_unshare_network_namespace(void) { return unshare(CLONE_NEWNET); }

int tlsprobe_interface_up(int fd, const char *name) {
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &request) != 0) return errno;
    request.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &request) != 0) return errno;
    return 0;
}

int tlsprobe_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int tlsprobe_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int tlsprobe_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0); }

#define TLSPROBE_PARENT_DEATH_SIGNAL SIGUSR2

/* The parent-death signal of a worker: SIGKILL would end the worker alone, and what a
 * plug-in forked (a death signal is not inherited across fork) would run on under init.
 * This handler ends the worker's whole process group, itself included. */
static void tlsprobe_on_parent_death(int signal) {
    (void)signal;
    kill(0, SIGKILL);
    _exit(128 + SIGKILL);
}

int tlsprobe_die_with_parent_as_group(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = tlsprobe_on_parent_death;
    sigfillset(&action.sa_mask);
    if (sigaction(TLSPROBE_PARENT_DEATH_SIGNAL, &action, NULL) != 0) return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, TLSPROBE_PARENT_DEATH_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    return prctl(PR_SET_PDEATHSIG, (unsigned long)TLSPROBE_PARENT_DEATH_SIGNAL, 0, 0, 0);
}

int tlsprobe_terminal_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}

const char *tlsprobe_errno_name(int code) {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 32)
    return strerrorname_np(code);
#else
    (void)code;
    return NULL;
#endif
}

const char *tlsprobe_signal_abbreviation(int signal) {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 32)
    return sigabbrev_np(signal);
#else
    (void)signal;
    return NULL;
#endif
}

int tlsprobe_WIFEXITED(int status) { return WIFEXITED(status); }
int tlsprobe_WEXITSTATUS(int status) { return WEXITSTATUS(status); }
int tlsprobe_WIFSIGNALED(int status) { return WIFSIGNALED(status); }
int tlsprobe_WTERMSIG(int status) { return WTERMSIG(status); }

const int tlsprobe_TCP_FASTOPEN_CONNECT = TCP_FASTOPEN_CONNECT;
const uint8_t tlsprobe_TCPI_OPT_SYN_DATA = TCPI_OPT_SYN_DATA;

#if defined(__x86_64__)
const uint16_t tlsprobe_EM_HOST = EM_X86_64;
#elif defined(__aarch64__)
const uint16_t tlsprobe_EM_HOST = EM_AARCH64;
#else
const uint16_t tlsprobe_EM_HOST = EM_NONE;
#endif

/* ---- Everything tlsprobe starts dies with it ------------------------------------------ */

/* Children recorded by ChildProcess: 0 a free slot, a pid, or -pid for a guard. Lock-free,
 * so that a signal handler can read it while a thread adds or removes. */
#define TLSPROBE_CHILD_SLOTS 1024
static _Atomic int tlsprobe_children[TLSPROBE_CHILD_SLOTS];

int tlsprobe_children_add(int pid, int guarded) {
    int value = guarded ? -pid : pid;
    for (int i = 0; i < TLSPROBE_CHILD_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&tlsprobe_children[i], &expected, value)) return 0;
    }
    return -1;
}

void tlsprobe_children_remove(int pid) {
    for (int i = 0; i < TLSPROBE_CHILD_SLOTS; i++) {
        int expected = pid;
        if (atomic_compare_exchange_strong(&tlsprobe_children[i], &expected, 0)) return;
        expected = -pid;
        if (atomic_compare_exchange_strong(&tlsprobe_children[i], &expected, 0)) return;
    }
}

static void tlsprobe_sleep_ms(long ms) {
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
}

/* Whether `pid` is gone or was reaped now (another thread may have reaped it first). */
static int tlsprobe_reaped(int pid) {
    int status;
    int saved = errno;
    pid_t result = waitpid(pid, &status, WNOHANG);
    int gone = result == pid || (result < 0 && errno == ECHILD);
    errno = saved;
    return gone;
}

void tlsprobe_children_end(int grace_ms) {
    for (int i = 0; i < TLSPROBE_CHILD_SLOTS; i++) {
        int value = atomic_load(&tlsprobe_children[i]);
        if (value > 0) kill(-value, SIGKILL);
        else if (value < 0) kill(-value, SIGTERM);
    }
    /* A guard needs a moment to kill and reap its tree; a killed worker goes at once. */
    for (int waited = 0;; waited += 10) {
        int left = 0;
        for (int i = 0; i < TLSPROBE_CHILD_SLOTS; i++) {
            int value = atomic_load(&tlsprobe_children[i]);
            if (value == 0) continue;
            int pid = value > 0 ? value : -value;
            if (tlsprobe_reaped(pid)) atomic_compare_exchange_strong(&tlsprobe_children[i], &value, 0);
            else left++;
        }
        if (left == 0) return;
        if (waited >= grace_ms) break;
        tlsprobe_sleep_ms(10);
    }
    /* A guard that did not end in time: its program still dies of its own death signal. */
    for (int i = 0; i < TLSPROBE_CHILD_SLOTS; i++) {
        int value = atomic_load(&tlsprobe_children[i]);
        if (value != 0) kill(-(value > 0 ? value : -value), SIGKILL);
    }
}

static char tlsprobe_folder[4096];
static volatile sig_atomic_t tlsprobe_folder_recorded;

int tlsprobe_private_folder_set(const char *path) {
    tlsprobe_folder_recorded = 0;
    if (path == NULL) return 0;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof tlsprobe_folder) return -1;
    memcpy(tlsprobe_folder, path, length + 1);
    tlsprobe_folder_recorded = 1;
    return 0;
}

/* Empties the folder open as `folder` (fd), depth first; 0 or an errno. Only system calls:
 * a signal handler runs this. Removing entries while reading shifts the listing, so it is
 * read again from the start until a pass finds nothing left, or removes nothing more. */
static int tlsprobe_empty_folder(int folder, int depth) {
    if (depth > 256) return ELOOP;
    fchmod(folder, 0700);
    char buffer[4096];
    for (;;) {
        int failure = 0, seen = 0, removed = 0;
        if (lseek(folder, 0, SEEK_SET) < 0) return errno;
        for (;;) {
            long count = syscall(SYS_getdents64, folder, buffer, sizeof buffer);
            if (count < 0) return errno;
            if (count == 0) break;
            for (long offset = 0; offset < count;) {
                struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *entry = (void *)(buffer + offset);
                offset += entry->reclen;
                const char *name = entry->name;
                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
                seen++;
                if (unlinkat(folder, name, 0) == 0) { removed++; continue; }
                int inner = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (inner < 0) { failure = errno; continue; }
                int result = tlsprobe_empty_folder(inner, depth + 1);
                close(inner);
                if (result != 0) failure = result;
                else if (unlinkat(folder, name, AT_REMOVEDIR) != 0) failure = errno;
                else removed++;
            }
        }
        if (seen == 0) return 0;
        if (removed == 0) return failure != 0 ? failure : ENOTEMPTY;
    }
}

int tlsprobe_remove_tree(const char *path) {
    int saved = errno;
    int folder = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (folder < 0) {
        int result = errno == ENOENT ? 0 : (unlink(path) == 0 ? 0 : errno);
        errno = saved;
        return result;
    }
    int result = tlsprobe_empty_folder(folder, 0);
    close(folder);
    if (result == 0 && rmdir(path) != 0) result = errno;
    errno = saved;
    return result;
}

void tlsprobe_private_folder_remove(void) {
    if (tlsprobe_folder_recorded) tlsprobe_remove_tree(tlsprobe_folder);
}

/* Folders being filled outside the private folder (a runtime or a worker made in the cache
 * as `.NAME.partial-PID`, renamed into place when complete): removed like the private folder
 * when the run ends before that. A slot is 0 free, 1 being written, 2 set. */
#define TLSPROBE_PENDING_SLOTS 8
static char tlsprobe_pending[TLSPROBE_PENDING_SLOTS][4096];
static _Atomic int tlsprobe_pending_state[TLSPROBE_PENDING_SLOTS];

int tlsprobe_pending_folder_add(const char *path) {
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof tlsprobe_pending[0]) return -1;
    for (int i = 0; i < TLSPROBE_PENDING_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&tlsprobe_pending_state[i], &expected, 1)) {
            memcpy(tlsprobe_pending[i], path, length + 1);
            atomic_store(&tlsprobe_pending_state[i], 2);
            return i;
        }
    }
    return -1;
}

void tlsprobe_pending_folder_remove(int slot) {
    if (slot >= 0 && slot < TLSPROBE_PENDING_SLOTS) atomic_store(&tlsprobe_pending_state[slot], 0);
}

static void tlsprobe_pending_folders_remove_all(void) {
    for (int i = 0; i < TLSPROBE_PENDING_SLOTS; i++) {
        if (atomic_load(&tlsprobe_pending_state[i]) == 2) tlsprobe_remove_tree(tlsprobe_pending[i]);
    }
}

static atomic_int tlsprobe_terminating;

static void tlsprobe_end_everything(void) {
    /* Children first: nothing may still be writing into what is removed. */
    tlsprobe_children_end(3000);
    tlsprobe_pending_folders_remove_all();
    tlsprobe_private_folder_remove();
}

static void tlsprobe_on_termination_signal(int signal) {
    /* A second signal (or the same on another thread) waits for the first handler's _exit. */
    if (atomic_exchange(&tlsprobe_terminating, 1)) { for (;;) pause(); }
    tlsprobe_end_everything();
    _exit(128 + signal);
}

static void tlsprobe_at_exit(void) {
    if (atomic_exchange(&tlsprobe_terminating, 1)) return;
    tlsprobe_end_everything();
}

int tlsprobe_install_termination_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = tlsprobe_on_termination_signal;
    sigfillset(&action.sa_mask);
    const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (sigaction(signals[i], &action, NULL) != 0) return errno;
    }
    /* A thread of the C library or Dispatch may have blocked them; this one takes them. */
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaddset(&set, signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    if (atexit(tlsprobe_at_exit) != 0) return ENOMEM;
    return 0;
}

/* ---- tlsprobe guard --------------------------------------------------------------------- */

/* SIGKILLs every process whose parent is this one, as /proc lists them. */
static void tlsprobe_kill_own_children(void) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) return;
    pid_t self = getpid();
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) continue;
        char path[64], text[1024];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t count = read(fd, text, sizeof text - 1);
        close(fd);
        if (count <= 0) continue;
        text[count] = '\0';
        /* "pid (comm) state ppid …": comm may hold spaces and parentheses, so the last ')'. */
        char *close_paren = strrchr(text, ')');
        char state;
        long parent;
        if (close_paren == NULL || sscanf(close_paren + 1, " %c %ld", &state, &parent) != 2) continue;
        if (parent == self) kill((pid_t)pid, SIGKILL);
    }
    closedir(proc);
}

/* Kills `group`, then every process left under this subreaper, level by level (an orphan
 * comes here when its parent dies), and reaps them all; returns when none is left. */
static void tlsprobe_guard_kill_tree(pid_t group, pid_t program, int *program_status, int *program_done) {
    if (group > 0) kill(-group, SIGKILL);
    for (;;) {
        tlsprobe_kill_own_children();
        int status;
        pid_t reaped;
        while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) {
            if (reaped == program && !*program_done) { *program_status = status; *program_done = 1; }
        }
        if (reaped < 0 && errno == ECHILD) return;
        tlsprobe_sleep_ms(5);
    }
}

static int tlsprobe_guard_pass_on(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        int signal = WTERMSIG(status);
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = SIG_DFL;
        sigaction(signal, &action, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, signal);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(signal);
        return 128 + signal;
    }
    return 1;
}

int tlsprobe_guard(int parent, char *const argv[]) {
    sigset_t watched, previous;
    sigemptyset(&watched);
    const int signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaddset(&watched, signals[i]);
    sigprocmask(SIG_BLOCK, &watched, &previous);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    /* The parent may have died before the death signal was armed. */
    if (getppid() != parent) return 128 + SIGTERM;

    pid_t guard = getpid();
    pid_t program = fork();
    if (program < 0) {
        dprintf(2, "tlsprobe: cannot start %s: %s\n", argv[0], strerror(errno));
        return 126;
    }
    if (program == 0) {
        setpgid(0, 0);
        /* Should the guard itself be SIGKILLed, the program still goes with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != guard) _exit(127);
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = SIG_DFL;
        for (int number = 1; number < NSIG; number++) sigaction(number, &action, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], argv);
        dprintf(2, "tlsprobe: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(program, program);
    int status = 0, done = 0;
    for (;;) {
        siginfo_t info;
        int signal = sigwaitinfo(&watched, &info);
        if (signal < 0) continue;
        if (signal == SIGCHLD) {
            pid_t reaped;
            while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) {
                if (reaped == program) { done = 1; break; }
            }
            if (!done) continue;
            int final = status;
            /* Whatever the program left running (a daemon, a stray compiler) ends with it. */
            tlsprobe_guard_kill_tree(program, program, &status, &done);
            return tlsprobe_guard_pass_on(final);
        }
        tlsprobe_guard_kill_tree(program, program, &status, &done);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        return 128 + signal;
    }
}
