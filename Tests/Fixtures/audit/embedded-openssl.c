/*
 * tlsprobe audit fixture, class embedded-openssl: linked statically against
 * libcrypto.a, so OpenSSL's BIO functions (and its version string) are inside
 * the file and nothing about them is imported.
 */
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <stdio.h>

int main(void) {
    const BIO_METHOD *socket_method = BIO_s_socket();
    BIO *bio = BIO_new(socket_method);
    printf("%s %p\n", OpenSSL_version(OPENSSL_VERSION), (void *)bio);
    BIO_free(bio);
    return 0;
}
