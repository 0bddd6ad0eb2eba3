/* A plug-in that calls a function OpenSSL 3.2 added (BIO_s_dgram_mem): on a 3.0 or 3.1
 * runtime the loader cannot bind it and the plug-in is unsupported there; on 3.2 and
 * later it runs. Declared here, since 3.0's headers do not declare it. */
#include <openssl/bio.h>
#include <sys/socket.h>

const BIO_METHOD *BIO_s_dgram_mem(void);

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    /* A BIO of the 3.2 method, made and freed at once: only the binding matters. */
    BIO *scratch = BIO_new(BIO_s_dgram_mem());
    BIO_free(scratch);
    return BIO_new_socket(fd, BIO_NOCLOSE);
}

const char *tlsprobe_plugin_name(void) { return "needs-openssl-3.2"; }
