/* A plug-in built for a plug-in ABI this tlsprobe does not speak: refused by name. */
#include <openssl/bio.h>
#include <sys/socket.h>

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}

int tlsprobe_plugin_abi(void) { return 99; }
