/* A plug-in whose first tlsprobe_plugin_new_bio forks a process that, 1.5 s later, creates the
 * file named by TLSPROBE_LATE_WRITER_FILE; every new_bio then takes 0.3 s, so its worker lives
 * well past that moment. The fork must die when its cell ends: the file must never appear. */
#include <fcntl.h>
#include <openssl/bio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int tlsprobe_plugin_connects_itself(int tfo) { (void)tfo; return 0; }

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    static int forked;
    (void)peer; (void)peer_len; (void)tfo;
    if (!forked) {
        forked = 1;
        if (fork() == 0) {
            const char *path = getenv("TLSPROBE_LATE_WRITER_FILE");
            struct timespec pause = { 1, 500000000L };
            nanosleep(&pause, NULL);
            if (path != NULL) close(open(path, O_WRONLY | O_CREAT, 0600));
            _exit(0);
        }
    }
    struct timespec slow = { 0, 300000000L };
    nanosleep(&slow, NULL);
    return BIO_new_socket(fd, BIO_NOCLOSE);
}
