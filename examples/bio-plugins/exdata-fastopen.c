/*
 * exdata-fastopen: the fix Apache Traffic Server merged for OpenSSL 3.2
 * (apache/trafficserver PR 11501): the same TCP Fast Open socket BIO as
 * legacy-fastopen.c, except that the destination lives in the BIO's ex_data,
 * never in its data pointer.
 *
 * It still borrows create, destroy and ctrl from BIO_s_socket(), so the data
 * pointer is OpenSSL's: on 3.2+ it holds the socket BIO's private struct,
 * which the borrowed functions allocate, use and free among themselves. This
 * BIO never reads or writes that pointer. ex_data is a per-BIO table of
 * application slots that OpenSSL itself never uses, so it works on every
 * OpenSSL from 1.1.1 to 4.0.
 *
 * What it still relies on: BIO_meth_get_create/_destroy/_ctrl, deprecated
 * since OpenSSL 3.5. filter-fastopen.c does the same job without them.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

#include <tlsprobe/bio-plugin.h>

/* The socket BIO's own ctrl, borrowed once (create and destroy are used only
 * as the method's own, so they need no variable). */
static long (*socket_ctrl)(BIO *, int, long, void *);

/* The ex_data slot holding the pending destination (a const struct sockaddr
 * *), or -1 if it could not be allocated. */
static int dest_index = -1;

static BIO_METHOD *exdata_method;
static CRYPTO_ONCE exdata_method_once = CRYPTO_ONCE_STATIC_INIT;

/* The errors after which the same call may succeed later (the socket is still
 * connecting, or the call was interrupted): libssl retries on the retry flag. */
static int errno_is_retryable(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS ||
           err == EALREADY || err == ENOTCONN || err == EINTR;
}

/* The length sendto() needs, from the address family. */
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

static int exdata_write(BIO *b, const char *buf, int len)
{
    int fd = (int)BIO_get_fd(b, NULL);
    /* Our own slot: NULL unless tlsprobe_plugin_new_bio stored a destination,
     * whatever OpenSSL keeps in the data pointer. */
    const struct sockaddr *dest = BIO_get_ex_data(b, dest_index);
    ssize_t n;
    int err;

    BIO_clear_retry_flags(b);
    if (dest != NULL) {
        /* First write with TFO: the SYN carries the data (with a cookie) and
         * the connect happens here. */
        n = sendto(fd, buf, (size_t)len, MSG_FASTOPEN, dest, sockaddr_length(dest));
        err = errno; /* keep it before anything else can change errno */
        /* Only the first write may connect: later writes are plain writes. */
        BIO_set_ex_data(b, dest_index, NULL);
    } else {
        n = write(fd, buf, (size_t)len);
        err = errno;
    }
    if (n < 0 && errno_is_retryable(err))
        BIO_set_retry_write(b);
    return (int)n;
}

static int exdata_read(BIO *b, char *buf, int len)
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

static long exdata_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    if (cmd == BIO_C_SET_CONNECT) {
        /* The fix: our own slot, not the data pointer. The socket ctrl never
         * sees this command, so OpenSSL 3.2+'s own fast-open state stays
         * unused. */
        return BIO_set_ex_data(b, dest_index, ptr);
    }
    return socket_ctrl(b, cmd, num, ptr);
}

static void exdata_method_init(void)
{
    const BIO_METHOD *sock = BIO_s_socket();
    int (*socket_create)(BIO *);
    int (*socket_destroy)(BIO *);
    BIO_METHOD *m;

    /* No callbacks: the slot holds a borrowed pointer, nothing to free or
     * duplicate. */
    dest_index = BIO_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (dest_index < 0)
        return;

    /* Borrowing the socket BIO's functions is the design being reproduced;
     * the getters are deprecated since OpenSSL 3.5. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    socket_create = BIO_meth_get_create(sock);
    socket_destroy = BIO_meth_get_destroy(sock);
    socket_ctrl = BIO_meth_get_ctrl(sock);
#pragma GCC diagnostic pop

    m = BIO_meth_new(BIO_TYPE_SOCKET, "tlsprobe ex_data fast open");
    if (m == NULL)
        return;
    if (!BIO_meth_set_create(m, socket_create) ||
        !BIO_meth_set_destroy(m, socket_destroy) ||
        !BIO_meth_set_ctrl(m, exdata_ctrl) ||
        !BIO_meth_set_write(m, exdata_write) ||
        !BIO_meth_set_read(m, exdata_read)) {
        BIO_meth_free(m);
        return;
    }
    /* Never freed: BIOs made from it may live until the process exits. */
    exdata_method = m;
}

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    BIO *bio;

    (void)peer_len; /* the length is derived from the family when sending */

    if (!CRYPTO_THREAD_run_once(&exdata_method_once, exdata_method_init) ||
        exdata_method == NULL)
        return NULL;

    bio = BIO_new(exdata_method);
    if (bio == NULL)
        return NULL;
    /* NOCLOSE: tlsprobe owns and closes the socket. */
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    if (tfo == 1) {
        /* The pointer stays valid for the BIO's life (see the ABI header). */
        if (BIO_ctrl(bio, BIO_C_SET_CONNECT, 0, (void *)peer) != 1) {
            BIO_free(bio);
            return NULL;
        }
    }
    return bio;
}

const char *tlsprobe_plugin_name(void)
{
    return "exdata-fastopen";
}

/* With TFO on, the first write's sendto(MSG_FASTOPEN) connects; with TFO off
 * tlsprobe connects first. */
int tlsprobe_plugin_connects_itself(int tfo)
{
    return tfo;
}

/* A complete function definition: no semicolon after it. */
TLSPROBE_PLUGIN_DEFINE_ABI()
