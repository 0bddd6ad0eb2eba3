/* A plug-in whose constructor never returns: its cells time out once, at a cell's deadline. */
#include <openssl/bio.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((constructor)) static void hang_on_load(void)
{
    for (;;) sleep(1);
}

/* tlsprobe connects the socket first, with TFO off and on: a plain socket BIO then works. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
