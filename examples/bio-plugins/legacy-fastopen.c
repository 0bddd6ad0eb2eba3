/*
 * legacy-fastopen: a TCP Fast Open socket BIO in the design Apache Traffic
 * Server used up to 10.0. It is here BECAUSE it is broken on OpenSSL 3.2 and
 * later; do not copy it. See exdata-fastopen.c or filter-fastopen.c for
 * designs that work everywhere.
 *
 * The design: a BIO_METHOD of type BIO_TYPE_SOCKET that borrows create,
 * destroy and ctrl from BIO_s_socket(), overrides read and write, and keeps
 * the fast-open destination in the BIO's data pointer (BIO_set_data) until
 * the first write sends it with sendto(MSG_FASTOPEN).
 *
 * Why it breaks: the data pointer belongs to whoever implements create and
 * destroy, and here that is OpenSSL, not us. Up to 3.1 the socket BIO's
 * create left the pointer NULL and nothing else used it, so the borrowing
 * went unnoticed. Since 3.2 the socket BIO's create allocates a zeroed
 * private struct into it, its ctrl uses that struct and its destroy frees it:
 *
 *   - TFO off: the pointer is never NULL, so our first write takes OpenSSL's
 *     zeroed struct for a destination: sa_family 0, length 0, and
 *     sendto(MSG_FASTOPEN, addrlen 0) fails with EINVAL. The handshake fails.
 *   - TFO on: BIO_C_SET_CONNECT overwrites OpenSSL's pointer (that struct is
 *     leaked). If the BIO is freed while the destination is still pending
 *     (before the first write), OpenSSL's destroy frees the application's
 *     address, which is not a pointer malloc ever returned.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

#include <tlsprobe/bio-plugin.h>

/* The socket BIO's own create, destroy and ctrl, borrowed once. */
static int (*socket_create)(BIO *);
static int (*socket_destroy)(BIO *);
static long (*socket_ctrl)(BIO *, int, long, void *);

static BIO_METHOD *legacy_method;
static CRYPTO_ONCE legacy_method_once = CRYPTO_ONCE_STATIC_INIT;

/* The errors after which the same call may succeed later (the socket is still
 * connecting, or the call was interrupted): libssl retries on the retry flag. */
static int errno_is_retryable(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS ||
           err == EALREADY || err == ENOTCONN || err == EINTR;
}

/* The length sendto() needs. The family is all we know about the pointer: on
 * OpenSSL 3.2+ with TFO off it is OpenSSL's zeroed struct, family 0, and the
 * 0 returned here is what makes the kernel answer EINVAL. */
static socklen_t sockaddr_length(const struct sockaddr *addr)
{
    switch (addr->sa_family) {
    case AF_INET:
        return sizeof(struct sockaddr_in);
    case AF_INET6:
        return sizeof(struct sockaddr_in6);
    default:
        return 0;
    }
}

static int legacy_write(BIO *b, const char *buf, int len)
{
    int fd = (int)BIO_get_fd(b, NULL);
    /* THE BUG: this reads a pointer that OpenSSL 3.2+ owns. */
    const struct sockaddr *dest = BIO_get_data(b);
    ssize_t n;
    int err;

    BIO_clear_retry_flags(b);
    if (dest != NULL) {
        /* First write with TFO: the SYN carries the data (with a cookie) and
         * the connect happens here. */
        n = sendto(fd, buf, (size_t)len, MSG_FASTOPEN, dest, sockaddr_length(dest));
        err = errno; /* keep it before anything else can change errno */
        /* Only the first write may connect: later writes are plain writes. */
        BIO_set_data(b, NULL);
    } else {
        n = write(fd, buf, (size_t)len);
        err = errno;
    }
    if (n < 0 && errno_is_retryable(err))
        BIO_set_retry_write(b);
    return (int)n;
}

static int legacy_read(BIO *b, char *buf, int len)
{
    int fd = (int)BIO_get_fd(b, NULL);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = read(fd, buf, (size_t)len);
    if (n < 0 && errno_is_retryable(errno))
        BIO_set_retry_read(b);
    else if (n == 0)
        /* The borrowed ctrl answers BIO_eof() from this flag, which lets
         * libssl tell the peer's close from an error. */
        BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    return (int)n;
}

static long legacy_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    if (cmd == BIO_C_SET_CONNECT) {
        /* THE BUG: the destination goes into the data pointer, which the
         * borrowed create/ctrl/destroy own on OpenSSL 3.2+. */
        BIO_set_data(b, ptr);
        return 1;
    }
    return socket_ctrl(b, cmd, num, ptr);
}

static void legacy_method_init(void)
{
    const BIO_METHOD *sock = BIO_s_socket();
    BIO_METHOD *m;

    /* Borrowing the socket BIO's functions is the design being reproduced;
     * the getters are deprecated since OpenSSL 3.5 for exactly this reason. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    socket_create = BIO_meth_get_create(sock);
    socket_destroy = BIO_meth_get_destroy(sock);
    socket_ctrl = BIO_meth_get_ctrl(sock);
#pragma GCC diagnostic pop

    m = BIO_meth_new(BIO_TYPE_SOCKET, "tlsprobe legacy fast open");
    if (m == NULL)
        return;
    if (!BIO_meth_set_create(m, socket_create) ||
        !BIO_meth_set_destroy(m, socket_destroy) ||
        !BIO_meth_set_ctrl(m, legacy_ctrl) ||
        !BIO_meth_set_write(m, legacy_write) ||
        !BIO_meth_set_read(m, legacy_read)) {
        BIO_meth_free(m);
        return;
    }
    /* Never freed: BIOs made from it may live until the process exits. */
    legacy_method = m;
}

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    BIO *bio;

    (void)peer_len; /* the design derives the length from the family */

    if (!CRYPTO_THREAD_run_once(&legacy_method_once, legacy_method_init) ||
        legacy_method == NULL)
        return NULL;

    bio = BIO_new(legacy_method);
    if (bio == NULL)
        return NULL;
    /* NOCLOSE: tlsprobe owns and closes the socket. */
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    if (tfo == 1) {
        /* The pointer stays valid for the BIO's life (see the ABI header). */
        BIO_ctrl(bio, BIO_C_SET_CONNECT, 0, (void *)peer);
    }
    return bio;
}

const char *tlsprobe_plugin_name(void)
{
    return "legacy-fastopen";
}

/* With TFO on, the first write's sendto(MSG_FASTOPEN) connects; with TFO off
 * tlsprobe connects first. */
int tlsprobe_plugin_connects_itself(int tfo)
{
    return tfo;
}

/* A complete function definition: no semicolon after it. */
TLSPROBE_PLUGIN_DEFINE_ABI()
