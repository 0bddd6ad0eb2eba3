/*
 * tlsprobe audit fixture, class own-bio: a BIO method of its own (curl's
 * design, PostgreSQL 17's): its own create, its state in its own data pointer,
 * nothing borrowed from BIO_s_socket().
 */
#include <openssl/bio.h>
#include <stdio.h>
#include <stdlib.h>

struct state {
    int fd;
};

static int own_create(BIO *bio) {
    BIO_set_data(bio, calloc(1, sizeof(struct state)));
    BIO_set_init(bio, 1);
    return 1;
}

static int own_destroy(BIO *bio) {
    free(BIO_get_data(bio));
    BIO_set_data(bio, NULL);
    return 1;
}

static int own_write(BIO *bio, const char *buffer, int length) {
    struct state *state = BIO_get_data(bio);
    (void)state;
    (void)buffer;
    return length;
}

BIO_METHOD *own_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "own");
    BIO_meth_set_create(method, own_create);
    BIO_meth_set_destroy(method, own_destroy);
    BIO_meth_set_write(method, own_write);
    return method;
}

int main(void) {
    BIO_METHOD *method = own_method();
    printf("%p\n", (void *)method);
    BIO_meth_free(method);
    return 0;
}
