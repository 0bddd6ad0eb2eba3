/*
 * The Linux and glibc facts tlsprobe needs that Swift cannot reach on its own:
 * function-like macros (the wait-status decoders), constants that only
 * <netinet/tcp.h>, <linux/sockios.h> or <elf.h> name, and the glibc
 * extensions hidden behind _GNU_SOURCE (dladdr, unshare, strerrorname_np).
 *
 * The definitions live in shim.c, compiled with _GNU_SOURCE; this header
 * declares plain C functions so that importing it changes nothing in the
 * system headers under Swift's own Glibc module.
 */
#ifndef TLSPROBE_CLINUX_H
#define TLSPROBE_CLINUX_H

#include <elf.h>   /* EM_X86_64 and its kind: this host's ELF machine, for ELFReader */
#include <malloc.h> /* malloc_trim: a suite's index freed is given back before the audit reads */
#include <spawn.h>
#include <stdint.h>

/* The file the loader mapped the object containing `symbol` from (dladdr), or NULL. */
const char *tlsprobe_loaded_path(const void *symbol);

/* unshare(CLONE_NEWNET): a new network namespace for the calling thread. 0 or -1 with errno. */
int tlsprobe_unshare_network_namespace(void);

/* Sets IFF_UP on the interface `name` (SIOCGIFFLAGS/SIOCSIFFLAGS through `fd`, any socket). 0 or an errno. */
int tlsprobe_interface_up(int fd, const char *name);

/* pipe2(fds, O_CLOEXEC): a pipe that is close-on-exec from birth. 0 or -1 with errno. */
int tlsprobe_pipe_cloexec(int fds[2]);

/* posix_spawn_file_actions_addchdir_np (glibc 2.29, _GNU_SOURCE): the child starts in `path`. 0 or an errno. */
int tlsprobe_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

/* prctl(PR_SET_PDEATHSIG): `signal` is sent to this process when its parent thread exits. 0 or -1 with errno. */
int tlsprobe_set_parent_death_signal(int signal);

/* A worker's death with its parent: on its parent-death signal (SIGUSR2, which nothing else in
 * a worker uses) it SIGKILLs its whole process group, what a plug-in forked included. 0 or -1 with errno. */
int tlsprobe_die_with_parent_as_group(void);

/* The width of the terminal on `fd` (TIOCGWINSZ), or 0 when `fd` is no terminal. */
int tlsprobe_terminal_columns(int fd);

/* The symbolic name of an errno value ("EINVAL"), or NULL when the C library has none. */
const char *tlsprobe_errno_name(int code);
/* The abbreviation of a signal ("SEGV" for SIGSEGV), or NULL when the C library has none. */
const char *tlsprobe_signal_abbreviation(int signal);

/* The wait-status macros of <sys/wait.h>. */
int tlsprobe_WIFEXITED(int status);
int tlsprobe_WEXITSTATUS(int status);
int tlsprobe_WIFSIGNALED(int status);
int tlsprobe_WTERMSIG(int status);

/* <netinet/tcp.h>: client TFO through connect() (Linux 4.11), and the TCP_INFO bit
 * saying the SYN's data was acknowledged. */
extern const int tlsprobe_TCP_FASTOPEN_CONNECT;
extern const uint8_t tlsprobe_TCPI_OPT_SYN_DATA;

/* <elf.h>: the e_machine of the architecture this binary was built for (EM_X86_64, EM_AARCH64, …). */
extern const uint16_t tlsprobe_EM_HOST;

/* ---- Everything tlsprobe starts dies with it (ChildProcess, TerminationSignals, PrivateFolder) ----
 * These run in signal handlers and at exit, where no lock, no allocation and no new
 * thread may be needed: a fixed table of children and a fixed buffer for the folder. */

/* Records a child spawned in a process group of its own (`pid` leads it). A `guarded` child
 * is a helper guard (`tlsprobe guard`): it is asked to end with SIGTERM, so that it can kill
 * and reap the whole tree it watches, and only killed outright when it does not end in time.
 * 0, or -1 when the table is full (the child is then only bound by its own death signal). */
int tlsprobe_children_add(int pid, int guarded);
/* Forgets a child once it was reaped. */
void tlsprobe_children_remove(int pid);
/* Ends every recorded child: SIGTERM to each guard, SIGKILL to each other child's process
 * group, then reaps them (waiting at most `grace_ms` for guards before killing their groups).
 * Async-signal-safe. */
void tlsprobe_children_end(int grace_ms);

/* The run's private folder, removed by tlsprobe_private_folder_remove (at exit, on a
 * termination signal). NULL forgets it. 0, or -1 when the path is too long to record. */
int tlsprobe_private_folder_set(const char *path);
/* Removes the recorded private folder and everything in it. Async-signal-safe. */
void tlsprobe_private_folder_remove(void);
/* Removes `path` and everything under it without following links, making folders
 * writable first (a package's read-only folders). 0, or an errno. Async-signal-safe. */
int tlsprobe_remove_tree(const char *path);

/* SIGINT, SIGTERM, SIGHUP and SIGQUIT end the children, remove the private folder and
 * _exit(128 + N), from a plain sigaction handler (no thread needed); exit() does the same
 * through atexit. 0, or an errno. */
int tlsprobe_install_termination_handlers(void);

/* `tlsprobe guard PARENT -- PROGRAM ARGS…`: runs PROGRAM (a path) in a process group of its
 * own, as a child subreaper, and when PROGRAM ends, when PARENT dies (PR_SET_PDEATHSIG) or on
 * a termination signal kills and reaps every process PROGRAM started, however deep and in
 * whatever group. Returns the exit status to leave with; re-raises PROGRAM's fatal signal. */
int tlsprobe_guard(int parent, char *const argv[]);

/* A folder being filled outside the private folder (a cache's `.NAME.partial-PID`): removed
 * by a termination signal's handler or at exit until `tlsprobe_pending_folder_remove(slot)`.
 * Returns the slot, or -1 when none is free or the path is too long. */
int tlsprobe_pending_folder_add(const char *path);
void tlsprobe_pending_folder_remove(int slot);

#endif
