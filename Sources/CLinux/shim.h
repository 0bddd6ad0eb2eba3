/*
 * The glibc extensions tlsprobe needs that <dlfcn.h> and <sched.h> hide unless
 * _GNU_SOURCE is set. Setting it here would change the system headers under
 * Swift's own Glibc module, so the few declarations are repeated, bound to the
 * real symbols with asm labels. Nothing else lives here.
 */
#ifndef TLSPROBE_CLINUX_SHIM_H
#define TLSPROBE_CLINUX_SHIM_H

/* glibc's Dl_info. */
struct tlsprobe_dl_info {
    const char *dli_fname;
    void *dli_fbase;
    const char *dli_sname;
    void *dli_saddr;
};
extern int tlsprobe_dladdr(const void *address, struct tlsprobe_dl_info *info) __asm__("dladdr");

/* The file the loader mapped the object containing `symbol` from, or NULL. */
static inline const char *tlsprobe_loaded_path(const void *symbol) {
    struct tlsprobe_dl_info info;
    if (tlsprobe_dladdr(symbol, &info) == 0 || info.dli_fname == 0) return 0;
    return info.dli_fname;
}

/* unshare(2) and the flag for a new network namespace (include/uapi/linux/sched.h). */
extern int tlsprobe_unshare(int flags) __asm__("unshare");
static const int tlsprobe_CLONE_NEWNET = 0x40000000;

#endif
