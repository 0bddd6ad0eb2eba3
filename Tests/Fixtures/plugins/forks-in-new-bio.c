/* A plug-in that forks a sleeper (holding the worker's pipes) in every tlsprobe_plugin_new_bio:
 * none may be left once its cells are done, and the run must not wait for them. */
#include <openssl/bio.h>
#include <sys/socket.h>
#include <unistd.h>

/* tlsprobe connects the socket first, with TFO off and on: a plain socket BIO then works. */
int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    if (fork() == 0) {
        sleep(60);
        _exit(0);
    }
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
