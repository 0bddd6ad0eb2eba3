/* A plug-in that crashes inside tlsprobe_plugin_new_bio: the worker dies, the cell is crashed. */
#include <openssl/bio.h>
#include <sys/socket.h>

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    volatile int *nowhere = (volatile int *)0;
    (void)fd; (void)peer; (void)peer_len; (void)tfo;
    *nowhere = 1;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
