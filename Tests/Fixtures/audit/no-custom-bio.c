/*
 * tlsprobe audit fixture, class no-custom-bio: links OpenSSL and hands it a
 * file descriptor (SSL_set_fd), making no BIO method of its own.
 */
#include <openssl/ssl.h>
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    SSL *connection = SSL_new(context);
    SSL_set_fd(connection, argc);
    printf("%p\n", (void *)connection);
    SSL_free(connection);
    SSL_CTX_free(context);
    return 0;
}
