/* A plug-in whose tlsprobe_plugin_name() returns a pointer to nothing: it is named after its file. */
#include <openssl/bio.h>
#include <sys/socket.h>

const char *tlsprobe_plugin_name(void) { return (const char *)16; }

/* tlsprobe connects the socket first, with TFO off and on: a plain socket BIO then works. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
