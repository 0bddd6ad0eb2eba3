/* A plug-in that writes "junk" to stdout in every tlsprobe_plugin_new_bio: its cells are still ok. */
#include <openssl/bio.h>
#include <sys/socket.h>
#include <unistd.h>

/* tlsprobe connects the socket first, with TFO off and on: a plain socket BIO then works. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    if (write(1, "junk", 4) != 4) return NULL;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
