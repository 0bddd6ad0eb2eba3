/*
 * tlsprobe audit fixture, class inherits-socket-bio: the same borrowed socket
 * BIO methods, its state in BIO ex_data (trafficserver PR 11501, PostgreSQL
 * 16.2's BIO_get_app_data). Works on 3.2+, but BIO_meth_get_* is deprecated in 3.5.
 */
#include <openssl/bio.h>
#include <stdio.h>

static int destination_index = -1;

static int exdata_write(BIO *bio, const char *buffer, int length) {
    if (BIO_get_ex_data(bio, destination_index) != NULL) {
        BIO_set_ex_data(bio, destination_index, NULL);
    }
    (void)buffer;
    return length;
}

BIO_METHOD *exdata_method(void) {
    destination_index = BIO_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    BIO_METHOD *method = BIO_meth_new(BIO_TYPE_SOCKET, "fastopen");
    BIO_meth_set_create(method, BIO_meth_get_create(BIO_s_socket()));
    BIO_meth_set_destroy(method, BIO_meth_get_destroy(BIO_s_socket()));
    BIO_meth_set_ctrl(method, BIO_meth_get_ctrl(BIO_s_socket()));
    BIO_meth_set_write(method, exdata_write);
    return method;
}

int main(void) {
    BIO_METHOD *method = exdata_method();
    printf("%p\n", (void *)method);
    BIO_meth_free(method);
    return 0;
}
