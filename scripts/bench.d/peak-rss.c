/*
 * Preloaded by scripts/bench (LD_PRELOAD) into `tlsprobe matrix` and, through
 * the inherited environment, into every worker it spawns. At exit each process
 * appends one line to $TLSPROBE_BENCH_RSS_LOG: "pid ppid VmHWM_kB argv1".
 *
 * Why: /usr/bin/time -v reports ru_maxrss from wait4(), which the kernel folds
 * over the process *and* every descendant it reaped, so for the matrix it is
 * max(parent, largest worker), not either one. VmHWM read by the process itself
 * at exit is the same high-water mark (mm->hiwater_rss) for that process alone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The value of "VmHWM:" in /proc/self/status, in kB; -1 when unreadable. */
static long peak_kb(void) {
    char buf[8192];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    const char *line = strstr(buf, "VmHWM:");
    return line ? strtol(line + 6, NULL, 10) : -1;
}

/* argv[1] (the subcommand: "matrix", "worker"), from /proc/self/cmdline. A
 * worker started through a runtime's own loader has the loader as argv[0], so
 * the first argument that is a known subcommand wins. */
static void subcommand(char *out, size_t size) {
    char buf[4096];
    snprintf(out, size, "?");
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = '\0';
    for (char *arg = buf; arg < buf + n; arg += strlen(arg) + 1) {
        if (strcmp(arg, "matrix") == 0 || strcmp(arg, "worker") == 0) {
            snprintf(out, size, "%s", arg);
            return;
        }
    }
}

/* Once per process: at a normal exit (the destructor) or at _exit (below), whichever comes. */
static int reported;

__attribute__((destructor)) static void report_peak(void) {
    if (reported) return;
    reported = 1;
    const char *path = getenv("TLSPROBE_BENCH_RSS_LOG");
    if (!path || !*path) return;
    char role[32], line[128];
    subcommand(role, sizeof role);
    int len = snprintf(line, sizeof line, "%d %d %ld %s\n", (int)getpid(), (int)getppid(), peak_kb(), role);
    /* One O_APPEND write per process: lines from concurrent workers never interleave. */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (len > 0) (void)!write(fd, line, (size_t)len);
    close(fd);
}

/* Workers end with _exit once their last message is out (no atexit work races
 * OpenSSL's cleanup), so no destructor runs there: record the peak on the way
 * out, then leave as _exit does. */
void _exit(int status) {
    report_peak();
    syscall(SYS_exit_group, status);
    __builtin_unreachable();
}
