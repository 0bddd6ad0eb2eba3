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
 *
 * One BIO, several OpenSSL ABIs: build this same source once per ABI
 * (libssl.so.1.1, libssl.so.3, libssl.so.4) against each line's headers and
 * give the builds together, as `--bio-plugin DIR` (every *.so in DIR) or
 * `--bio-plugin NAME=a.so,b.so,c.so`. tlsprobe reads each build's DT_NEEDED
 * libssl and runs, on each runtime, the build for that runtime's ABI: one
 * mode, plugin:NAME, one row across `--runtime all`, and `gate --require
 * plugin:NAME` follows it. Each cell's evidence names the file that ran. Two
 * builds for one ABI are refused; a runtime with no build for its ABI has
 * unsupported cells saying which ABIs the builds provide.
 *
 * A BIO that attaches itself to an SSL (libpq's pattern). Some programs make
 * their BIO inside a function that takes the SSL, e.g. libpq's my_SSL_set_fd:
 * BIO_new(method), BIO_set_fd(bio, fd, BIO_NOCLOSE), SSL_set_bio(ssl, bio,
 * bio). tlsprobe_plugin_new_bio has no SSL to hand you, and tlsprobe calls
 * SSL_set_bio itself. Keep that code as it is and run it on a scratch SSL:
 *
 *   SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());   (once, reused)
 *   SSL *scratch = SSL_new(ctx);
 *   your_set_fd(scratch, fd);                // your code: makes the BIO, SSL_set_bio
 *   BIO *bio = SSL_get_rbio(scratch);
 *   BIO_up_ref(bio);                         // your reference survives SSL_free(scratch)
 *   SSL_free(scratch);                       // drops the scratch SSL's reference
 *   return bio;                              // the one reference left is handed over
 *
 * SSL_set_bio(ssl, bio, bio) with rbio == wbio takes a single reference, so
 * exactly one must be left when you return (up_ref once, as above, whatever
 * your code did with wbio). Your BIO's create, ctrl and data then run exactly
 * as they do in your program, on the runtime probed.
 */
#ifndef TLSPROBE_BIO_PLUGIN_H
#define TLSPROBE_BIO_PLUGIN_H

#include <stddef.h>
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

/*
 * Optional. Whether your BIO's own state survived the connection: 0 when it is
 * intact, non-zero when it is not, with a one-line reason written into
 * `message` (a NUL-terminated string of at most `size` bytes, `size` > 0;
 * tlsprobe keeps at most 511 bytes and replaces control characters).
 *
 *   bio   the BIO tlsprobe_plugin_new_bio returned for this connection (what
 *         SSL_get_rbio gives), still alive: the SSL holds it.
 *
 * When: once per connection that came up, while the BIO is still alive -
 * after the handshake and the echo (and SSL_shutdown) in handshake cells, after
 * the setup in teardown cells (which release the connection unwritten) - and
 * always before SSL_free, which may free the BIO. Not called when the
 * connection failed before that (its failure is the cell's evidence).
 *
 * Why a BIO and not `void`: the state OpenSSL 3.2+ damages is per BIO. The
 * socket BIO's create puts its own struct into the data pointer, and its ctrl
 * writes into whatever that pointer holds at BIO_set_fd; a record kept with
 * BIO_set_data (libpq's PGconn before 16.2, an ATS destination) is read back
 * here through BIO_get_data(bio) and its canary compared. After SSL_free there
 * is nothing left to ask (the record was freed by the socket BIO's destroy,
 * which tlsprobe's allocation accounting reports); a plug-in that also keeps
 * global state may check it here too: the hook runs in the cell's worker.
 *
 * Its answer is in each cell's evidence (plugin.check in the JSON report). A
 * non-zero answer fails the cell, quoting `message`, even under
 * --no-accounting, where a foreign free may otherwise pass unnoticed.
 */
int tlsprobe_plugin_check(BIO *bio, char *message, size_t size);

/* Defines tlsprobe_plugin_abi() for this header's ABI. */
#define TLSPROBE_PLUGIN_DEFINE_ABI() \
    int tlsprobe_plugin_abi(void) { return TLSPROBE_PLUGIN_ABI; }

#ifdef __cplusplus
}
#endif

#endif /* TLSPROBE_BIO_PLUGIN_H */
