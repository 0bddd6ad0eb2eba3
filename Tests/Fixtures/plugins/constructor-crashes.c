/* A plug-in whose constructor crashes as it is loaded: only its own cells are lost (crashed). */
#include <openssl/bio.h>
#include <sys/socket.h>

/* Read through a volatile variable, so the compiler cannot prove the store undefined and drop it. */
static volatile int *volatile nowhere;

__attribute__((constructor)) static void crash_on_load(void)
{
    *nowhere = 1;
}

/* tlsprobe connects the socket first, with TFO off and on: a plain socket BIO then works. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
