/* A plug-in whose tlsprobe_plugin_new_bio writes 1 MB chunks to stderr without end: its cell
 * times out, and the parent keeps only a bounded tail of what it wrote. */
#include <openssl/bio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char chunk[1 << 20];

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)fd; (void)peer; (void)peer_len; (void)tfo;
    memset(chunk, 'x', sizeof chunk);
    for (;;) {
        if (write(2, chunk, sizeof chunk) < 0) sleep(1);
    }
}
