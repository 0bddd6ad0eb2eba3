/*
 * A BIO made by code that attaches it to an SSL itself, as libpq's my_SSL_set_fd does
 * (BIO_new, BIO_set_fd, SSL_set_bio): run on a scratch SSL, the BIO taken with BIO_up_ref,
 * the scratch SSL freed, the one reference left handed to tlsprobe, exactly as
 * include/tlsprobe/bio-plugin.h describes. A reference too many leaks the BIO (and the
 * socket BIO's struct on 3.2+), one too few frees it under the SSL: the accounting says which.
 */
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

static SSL_CTX *scratch_context;

/* The program's own code, unchanged: it wants an SSL to attach its BIO to. */
static int my_ssl_set_fd(SSL *ssl, int fd)
{
    BIO *bio = BIO_new(BIO_s_socket());
    if (bio == NULL) return 0;
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio);
    return 1;
}

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    if (scratch_context == NULL && (scratch_context = SSL_CTX_new(TLS_client_method())) == NULL) return NULL;
    SSL *scratch = SSL_new(scratch_context);
    if (scratch == NULL) return NULL;
    if (!my_ssl_set_fd(scratch, fd)) {
        SSL_free(scratch);
        return NULL;
    }
    BIO *bio = SSL_get_rbio(scratch);
    BIO_up_ref(bio);   /* ours survives SSL_free(scratch) */
    SSL_free(scratch); /* drops the scratch SSL's one reference (rbio == wbio) */
    return bio;        /* the one reference left goes to tlsprobe's SSL_set_bio */
}

int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }
