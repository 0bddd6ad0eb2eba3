/* A plug-in whose constructor writes 9 bytes to stdout: harmless, the protocol is not on stdout. */
#include <openssl/bio.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((constructor)) static void print_on_load(void)
{
    if (write(1, "123456789", 9) != 9) _exit(9);
}

/* tlsprobe connects the socket first, with TFO off and on: a plain socket BIO then works. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
