/*
 * filter-fastopen: TCP Fast Open by composition, with no deprecated API.
 *
 * Instead of borrowing the socket BIO's functions (and with them its data
 * pointer), this puts a small filter BIO of its own on top of an ordinary
 * socket BIO:
 *
 *     SSL  ->  fast-open filter  ->  BIO_new_socket(fd)
 *
 * The filter's create and destroy are ours, so its data pointer is ours: it
 * holds the pending fast-open destination. The socket BIO below keeps its own
 * data pointer to itself, whatever OpenSSL puts there. The filter sends the
 * first write with sendto(MSG_FASTOPEN) on the socket's fd and passes
 * everything else down the chain. Works on every OpenSSL from 1.1.1 to 4.0.
 *
 * The same shape wraps any BIO a proxy already has: replace
 * BIO_new_socket() in tlsprobe_plugin_new_bio with it.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

#include <tlsprobe/bio-plugin.h>

/* The filter's own state, in its own data pointer. */
struct filter_state {
    /* Pending fast-open destination, NULL once the first write is sent (or
     * with TFO off). Borrowed: tlsprobe keeps it alive for the BIO's life
     * (see the ABI header); a proxy whose address may die first copies it
     * into a struct sockaddr_storage here instead. */
    const struct sockaddr *dest;
    socklen_t dest_len;
};

static BIO_METHOD *filter_method;
static CRYPTO_ONCE filter_method_once = CRYPTO_ONCE_STATIC_INIT;

/* The errors after which the same call may succeed later (the socket is still
 * connecting, or the call was interrupted): libssl retries on the retry flag. */
static int errno_is_retryable(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS ||
           err == EALREADY || err == ENOTCONN || err == EINTR;
}

static int filter_create(BIO *b)
{
    struct filter_state *state = calloc(1, sizeof(*state));

    if (state == NULL)
        return 0;
    /* Ours to set: we created this BIO with our own method. */
    BIO_set_data(b, state);
    /* A filter is usable as soon as it exists; the chain below it is pushed
     * later. */
    BIO_set_init(b, 1);
    return 1;
}

static int filter_destroy(BIO *b)
{
    /* Only our own state: the BIO below is freed by BIO_free_all (SSL_free
     * does that), not by us. */
    free(BIO_get_data(b));
    BIO_set_data(b, NULL);
    BIO_set_init(b, 0);
    return 1;
}

static int filter_write(BIO *b, const char *buf, int len)
{
    struct filter_state *state = BIO_get_data(b);
    BIO *next = BIO_next(b);
    ssize_t n;
    int ret;
    int err;

    if (next == NULL || buf == NULL)
        return 0;
    BIO_clear_retry_flags(b);

    if (state->dest != NULL) {
        /* First write with TFO: send it ourselves on the socket's fd, since
         * the socket BIO's write is a plain write(). The SYN carries the data
         * (with a cookie) and the connect happens here. */
        int fd = (int)BIO_get_fd(next, NULL);

        n = sendto(fd, buf, (size_t)len, MSG_FASTOPEN, state->dest, state->dest_len);
        err = errno; /* keep it before anything else can change errno */
        /* Only the first write may connect: later writes go down the chain. */
        state->dest = NULL;
        state->dest_len = 0;
        /* This write bypassed the BIO below, so its retry flags mean nothing
         * here: set ours from errno. */
        if (n < 0 && errno_is_retryable(err))
            BIO_set_retry_write(b);
        return (int)n;
    }

    ret = BIO_write(next, buf, len);
    /* libssl looks at the BIO it holds (this one) to know whether to retry. */
    BIO_copy_next_retry(b);
    return ret;
}

static int filter_read(BIO *b, char *buf, int len)
{
    BIO *next = BIO_next(b);
    int ret;

    if (next == NULL || buf == NULL)
        return 0;
    BIO_clear_retry_flags(b);
    ret = BIO_read(next, buf, len);
    BIO_copy_next_retry(b);
    return ret;
}

static long filter_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    BIO *next = BIO_next(b);
    long ret;

    if (cmd == BIO_CTRL_DUP) {
        /* BIO_dup_chain() asks each BIO of the chain in turn, passing the new
         * copy of THIS BIO as ptr, so forwarding would hand our copy to the
         * BIO below as if it were one of its own. The copy starts from
         * filter_create: no pending destination, so a duplicate never sends
         * a second SYN. Nothing else to copy. */
        return 1;
    }
    if (next == NULL)
        return 0;

    /* Everything else (fd, close flag, EOF, pending bytes, flush, kTLS,
     * poll descriptors, ...) is the socket's business. */
    if (cmd != BIO_CTRL_FLUSH)
        /* Leave our retry flags alone: libssl makes queries like these
         * between a read or write that must be retried and its look at the
         * flags (SSL_get_error), and clearing them there turns "try again"
         * into a failure on a non-blocking socket. */
        return BIO_ctrl(next, cmd, num, ptr);

    /* A flush is I/O of its own: its retry state is the one to report. */
    BIO_clear_retry_flags(b);
    ret = BIO_ctrl(next, cmd, num, ptr);
    BIO_copy_next_retry(b);
    return ret;
}

static long filter_callback_ctrl(BIO *b, int cmd, BIO_info_cb *fp)
{
    BIO *next = BIO_next(b);

    if (next == NULL)
        return 0;
    return BIO_callback_ctrl(next, cmd, fp);
}

static void filter_method_init(void)
{
    /* A type number of our own, marked as a filter so BIO_find_type() and
     * SSL_get_fd() look past it to the socket BIO. */
    int type = BIO_get_new_index();
    BIO_METHOD *m;

    if (type == -1)
        return;
    m = BIO_meth_new(type | BIO_TYPE_FILTER, "tlsprobe fast-open filter");
    if (m == NULL)
        return;
    if (!BIO_meth_set_create(m, filter_create) ||
        !BIO_meth_set_destroy(m, filter_destroy) ||
        !BIO_meth_set_ctrl(m, filter_ctrl) ||
        !BIO_meth_set_callback_ctrl(m, filter_callback_ctrl) ||
        !BIO_meth_set_write(m, filter_write) ||
        !BIO_meth_set_read(m, filter_read)) {
        BIO_meth_free(m);
        return;
    }
    /* Never freed: BIOs made from it may live until the process exits. */
    filter_method = m;
}

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    BIO *socket_bio;
    BIO *filter;

    if (!CRYPTO_THREAD_run_once(&filter_method_once, filter_method_init) ||
        filter_method == NULL)
        return NULL;

    /* An ordinary socket BIO, used only through its public API. NOCLOSE:
     * tlsprobe owns and closes the socket. */
    socket_bio = BIO_new_socket(fd, BIO_NOCLOSE);
    if (socket_bio == NULL)
        return NULL;

    filter = BIO_new(filter_method);
    if (filter == NULL) {
        BIO_free(socket_bio);
        return NULL;
    }
    if (tfo == 1) {
        struct filter_state *state = BIO_get_data(filter);

        state->dest = peer;
        state->dest_len = peer_len;
    }

    /* The chain's top is what SSL_set_bio() gets; SSL_free() frees the whole
     * chain with BIO_free_all(). */
    return BIO_push(filter, socket_bio);
}

const char *tlsprobe_plugin_name(void)
{
    return "filter-fastopen";
}

/* With TFO on, the first write's sendto(MSG_FASTOPEN) connects; with TFO off
 * tlsprobe connects first. */
int tlsprobe_plugin_connects_itself(int tfo)
{
    return tfo;
}

/* A complete function definition: no semicolon after it. */
TLSPROBE_PLUGIN_DEFINE_ABI()
