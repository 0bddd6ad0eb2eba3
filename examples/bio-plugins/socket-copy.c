/*
 * socket-copy: what several client libraries do to route socket I/O through
 * their own calls. A BIO_METHOD of type BIO_TYPE_SOCKET takes EVERY function
 * of BIO_s_socket() and replaces only read and write, with recv() and
 * send(MSG_NOSIGNAL) (no SIGPIPE when the peer has gone).
 *
 * It borrows the socket BIO's functions like legacy-fastopen.c does, but it
 * never touches the data pointer: whatever OpenSSL 3.2+ keeps there is
 * allocated, used and freed by the borrowed create, ctrl and destroy among
 * themselves. So it works on every OpenSSL from 1.1.1 to 4.0, only with
 * getters deprecated since 3.5.
 *
 * No TCP Fast Open: tlsprobe connects the socket first, with TFO off and on.
 */

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

#include <tlsprobe/bio-plugin.h>

static BIO_METHOD *copy_method;
static CRYPTO_ONCE copy_method_once = CRYPTO_ONCE_STATIC_INIT;

/* The errors after which the same call may succeed later (a non-blocking
 * socket is not ready, or the call was interrupted): libssl retries on the
 * retry flag. */
static int errno_is_retryable(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS ||
           err == EALREADY || err == ENOTCONN || err == EINTR;
}

static int copy_write(BIO *b, const char *buf, int len)
{
    int fd = (int)BIO_get_fd(b, NULL);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    if (n < 0 && errno_is_retryable(errno))
        BIO_set_retry_write(b);
    return (int)n;
}

static int copy_read(BIO *b, char *buf, int len)
{
    int fd = (int)BIO_get_fd(b, NULL);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = recv(fd, buf, (size_t)len, 0);
    if (n < 0 && errno_is_retryable(errno))
        BIO_set_retry_read(b);
    else if (n == 0)
        /* The copied ctrl answers BIO_eof() from this flag, which lets libssl
         * tell the peer's close from an error. */
        BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    return (int)n;
}

static void copy_method_init(void)
{
    const BIO_METHOD *sock = BIO_s_socket();
    BIO_METHOD *m;
    int ok;

    m = BIO_meth_new(BIO_TYPE_SOCKET, "tlsprobe socket copy");
    if (m == NULL)
        return;

    /* Copying the socket BIO's functions is the design being reproduced; the
     * getters are deprecated since OpenSSL 3.5. These six exist on every
     * OpenSSL from 1.1.1 on; a NULL one (the socket BIO has no gets or
     * callback_ctrl) is copied as NULL, which is what the socket BIO has.
     * The copied puts still calls the socket BIO's own write, not ours;
     * libssl never uses puts. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    ok = BIO_meth_set_create(m, BIO_meth_get_create(sock)) &&
         BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock)) &&
         BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock)) &&
         BIO_meth_set_callback_ctrl(m, BIO_meth_get_callback_ctrl(sock)) &&
         BIO_meth_set_puts(m, BIO_meth_get_puts(sock)) &&
         BIO_meth_set_gets(m, BIO_meth_get_gets(sock));
#pragma GCC diagnostic pop

    /* The only two functions of our own. */
    ok = ok && BIO_meth_set_write(m, copy_write) && BIO_meth_set_read(m, copy_read);
    if (!ok) {
        BIO_meth_free(m);
        return;
    }
    /* Never freed: BIOs made from it may live until the process exits. */
    copy_method = m;
}

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    BIO *bio;

    /* The socket is already connected (see connects_itself below). */
    (void)peer;
    (void)peer_len;
    (void)tfo;

    if (!CRYPTO_THREAD_run_once(&copy_method_once, copy_method_init) ||
        copy_method == NULL)
        return NULL;

    bio = BIO_new(copy_method);
    if (bio == NULL)
        return NULL;
    /* NOCLOSE: tlsprobe owns and closes the socket. */
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    return bio;
}

const char *tlsprobe_plugin_name(void)
{
    return "socket-copy";
}

/* No fast-open support: tlsprobe connects first whatever the TFO setting. */
int tlsprobe_plugin_connects_itself(int tfo)
{
    (void)tfo;
    return 0;
}

/* A complete function definition: no semicolon after it. */
TLSPROBE_PLUGIN_DEFINE_ABI()
