/*
 * libpq's design before PostgreSQL 16.2, reduced to what tlsprobe_plugin_check needs:
 * a BIO whose create, ctrl, destroy, read and write are the socket BIO's keeps the
 * application's connection record in BIO data (BIO_set_data, before BIO_set_fd), with a
 * canary at its head where libpq's option pointers were. On OpenSSL 3.2+ the socket
 * BIO's ctrl zeroes its own struct's fields at BIO_set_fd, inside the record; the
 * check hook finds the canary gone. On 3.0 and 1.1.1 the record stays as written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <sys/socket.h>

#define CANARY 0x7470726f62652121ULL /* "tprobe!!" */

struct record {
    uint64_t canary;          /* where libpq's pghost pointer was */
    char options[248];        /* the other option pointers */
    int sock;                 /* past OpenSSL's struct, as PGconn.sock */
};

static BIO_METHOD *method;

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    if (method == NULL) {
        const BIO_METHOD *socket = BIO_s_socket();
        method = BIO_meth_new(BIO_TYPE_SOCKET | BIO_get_new_index(), "record-in-bio-data");
        BIO_meth_set_create(method, BIO_meth_get_create(socket));
        BIO_meth_set_destroy(method, BIO_meth_get_destroy(socket));
        BIO_meth_set_ctrl(method, BIO_meth_get_ctrl(socket));
        BIO_meth_set_read(method, BIO_meth_get_read(socket));
        BIO_meth_set_write(method, BIO_meth_get_write(socket));
        BIO_meth_set_puts(method, BIO_meth_get_puts(socket));
    }
    /* malloc'd, as libpq's PGconn: OpenSSL 3.2+'s destroy frees it, which glibc accepts. */
    struct record *record = calloc(1, sizeof *record);
    BIO *bio = record ? BIO_new(method) : NULL;
    if (bio == NULL) {
        free(record);
        return NULL;
    }
    record->canary = CANARY;
    memset(record->options, 0x5a, sizeof record->options);
    record->sock = fd;
    BIO_set_data(bio, record);
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    return bio;
}

const char *tlsprobe_plugin_name(void) { return "record-in-bio-data"; }

/* Connects nowhere itself: tlsprobe connect()s first, with TFO off and on. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

int tlsprobe_plugin_check(BIO *bio, char *message, size_t size)
{
    const struct record *record = BIO_get_data(bio);
    if (record == NULL) {
        snprintf(message, size, "BIO_get_data is NULL: the connection record is gone");
        return 2;
    }
    if (record->canary != CANARY) {
        snprintf(message, size, "the connection record in BIO data was overwritten: canary 0x%016llx, expected 0x%016llx",
                 (unsigned long long)record->canary, (unsigned long long)CANARY);
        return 1;
    }
    return 0;
}
