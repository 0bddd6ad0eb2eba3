/* A plug-in whose tlsprobe_plugin_new_bio fails, saying why through errno. */
#include <errno.h>
#include <openssl/bio.h>
#include <sys/socket.h>

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)fd; (void)peer; (void)peer_len; (void)tfo;
    errno = EPROTONOSUPPORT;
    return NULL;
}
