/*
 * tlsprobe BIO plug-in ABI, version 1.
 *
 * A plug-in is a shared object that hands tlsprobe the BIO your proxy would
 * give SSL_set_bio() for an outbound connection, so `tlsprobe matrix
 * --bio-plugin ./yours.so` runs YOUR BIO code in every cell (every OpenSSL
 * runtime, TFO off and on, IPv4 and IPv6, handshake and teardown) with the
 * evidence tlsprobe's own modes get. Build it against the OpenSSL headers of
 * the runtimes you want to probe:
 *
 *   cc -shared -fPIC -o yours.so yours.c $(pkg-config --cflags --libs openssl)
 *
 * A plug-in is loaded only inside tlsprobe's worker processes, after the
 * runtime's libssl; one that needs another libssl ABI (libssl.so.3 on a 1.1.1
 * or 4.0 runtime) is refused there with the reason, never loaded beside it.
 * A plug-in that can run on no runtime probed makes `tlsprobe matrix` exit 2
 * with the reasons: it was not tested, so it cannot pass.
 *
 * In C++, include this header (its declarations are extern "C") or declare
 * the functions below extern "C" yourself: tlsprobe finds them by their C
 * names, and a mangled one (_Z23tlsprobe_plugin_new_bio...) is not found
 * (tlsprobe then names it and says so).
 *
 * Each plug-in gets worker processes of its own (and one more that asks its
 * name): its constructors, crashes, hangs, output and forks cost its own
 * cells only. Writing to stdout or stderr is harmless (tlsprobe keeps the
 * last few KB as diagnostics; its protocol runs on another descriptor);
 * processes you fork are killed with the worker's process group.
 */
#ifndef TLSPROBE_BIO_PLUGIN_H
#define TLSPROBE_BIO_PLUGIN_H

#include <sys/socket.h>
#include <openssl/bio.h>

/* The ABI this header describes. tlsprobe refuses a plug-in whose
 * tlsprobe_plugin_abi() returns anything else, naming both numbers. */
#define TLSPROBE_PLUGIN_ABI 1

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Required. Returns the BIO your proxy would hand to SSL_set_bio() for an
 * outbound TLS connection on the TCP socket `fd`, or NULL on failure (leave
 * the reason on OpenSSL's error queue or in errno: tlsprobe reports it).
 *
 *   fd        a fresh TCP socket of the peer's family, in non-blocking mode (as a
 *             proxy's event loop has it): set BIO_set_retry_read/_write on EAGAIN,
 *             and on EINPROGRESS from a first sendto(MSG_FASTOPEN). Whether it is
 *             already connected depends on tlsprobe_plugin_connects_itself().
 *   peer      the peer's address (loopback, a TLS server of tlsprobe's own).
 *             It lies inside a larger heap record that tlsprobe owns and frees
 *             only after SSL_free(), as a proxy's connection object does: you
 *             may keep the pointer in your BIO for as long as the BIO lives.
 *   peer_len  its length: sizeof(struct sockaddr_in) or sizeof(struct sockaddr_in6).
 *   tfo       1 when the application asks for TCP Fast Open, 0 when not.
 *
 * tlsprobe calls SSL_set_bio(ssl, bio, bio), so the SSL owns the BIO (and
 * frees it in SSL_free); the BIO must not close `fd` (tlsprobe closes it).
 */
BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo);

/*
 * Optional. The name the matrix gives your mode: `plugin:NAME`. Letters,
 * digits, '-', '_' and '.'; default: the file name without `.so`
 * (ats-9.2.4.so is plugin:ats-9.2.4).
 */
const char *tlsprobe_plugin_name(void);

/*
 * Optional. Must return TLSPROBE_PLUGIN_ABI; TLSPROBE_PLUGIN_DEFINE_ABI()
 * below defines it. Without it, tlsprobe assumes version 1.
 */
int tlsprobe_plugin_abi(void);

/*
 * Optional. Whether your BIO makes the TCP connection itself for this `tfo`
 * (1), or tlsprobe must connect() `fd` to `peer` before calling
 * tlsprobe_plugin_new_bio (0). Default: tfo, as proxies with a fast-open BIO
 * do (connect() only with TFO off; with TFO on the first write is
 * sendto(MSG_FASTOPEN), which connects). A plug-in without TFO support
 * returns 0 for both, and tlsprobe connects in both cases.
 */
int tlsprobe_plugin_connects_itself(int tfo);

/* Defines tlsprobe_plugin_abi() for this header's ABI. */
#define TLSPROBE_PLUGIN_DEFINE_ABI() \
    int tlsprobe_plugin_abi(void) { return TLSPROBE_PLUGIN_ABI; }

#ifdef __cplusplus
}
#endif

#endif /* TLSPROBE_BIO_PLUGIN_H */
