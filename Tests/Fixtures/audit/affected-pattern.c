/*
 * tlsprobe audit fixture, class affected-pattern: the legacy fast-open design
 * (ATS <= 9.2.4, PostgreSQL <= 16.1). A BIO method that borrows create, ctrl and
 * destroy from BIO_s_socket() and keeps its own state in the BIO data pointer,
 * which OpenSSL 3.2+'s socket BIO allocates and frees itself.
 */
#include <openssl/bio.h>
#include <stdio.h>
#include <sys/socket.h>

static int legacy_write(BIO *bio, const char *buffer, int length) {
    const struct sockaddr *destination = BIO_get_data(bio);
    if (destination != NULL) {
        BIO_set_data(bio, NULL);
    }
    (void)buffer;
    return length;
}

static long legacy_ctrl(BIO *bio, int command, long larg, void *parg) {
    if (command == BIO_C_SET_CONNECT && larg == 2) {
        BIO_set_data(bio, parg);
        return 1;
    }
    return BIO_meth_get_ctrl(BIO_s_socket())(bio, command, larg, parg);
}

BIO_METHOD *legacy_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_TYPE_SOCKET, "fastopen");
    BIO_meth_set_create(method, BIO_meth_get_create(BIO_s_socket()));
    BIO_meth_set_destroy(method, BIO_meth_get_destroy(BIO_s_socket()));
    BIO_meth_set_ctrl(method, legacy_ctrl);
    BIO_meth_set_write(method, legacy_write);
    return method;
}

int main(void) {
    BIO_METHOD *method = legacy_method();
    printf("%p\n", (void *)method);
    BIO_meth_free(method);
    return 0;
}
