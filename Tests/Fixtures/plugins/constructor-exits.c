/* A plug-in whose constructor exits the process as it is loaded: only its own cells fail. */
#include <openssl/bio.h>
#include <stdlib.h>
#include <sys/socket.h>

__attribute__((constructor)) static void exit_on_load(void)
{
    exit(3);
}

/* tlsprobe connects the socket first, with TFO off and on: a plain socket BIO then works. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
