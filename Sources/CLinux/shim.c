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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
