/*
 * What the preloaded observer must tell apart, made on purpose with raw sockets
 * (RunObserverTests builds it with cc and runs it with libtlsprobe-observer.so):
 *   1. the regression's signature: sendto(MSG_FASTOPEN) of a TLS record with a zeroed
 *      destination of length 0, on an unconnected IPv4 socket: -1 EINVAL;
 *   2. a plain line, then a TLS record split over writev's vectors, on a connected
 *      socket: recorded once, with plain=1; a second TLS record on it: not recorded;
 *   3. the program closes the observer's descriptor (argv[2]): it is kept, and said so;
 *   4. a forked child writes a TLS record on a new socket (send): hello for its pid first;
 *   5. a socket closed and a new one with the same number: recorded again (sendmsg).
 * Usage: socket-writes PORT OBSERVER_FD   (PORT: a loopback listener that accepts)
 * Prints one line per step on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

static const unsigned char hello_record[] = { 0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };

static int connected(int port)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int port = atoi(argv[1]);
    setvbuf(stdout, NULL, _IONBF, 0);

    /* 1 */
    int unconnected = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_storage zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    ssize_t result = sendto(unconnected, hello_record, sizeof hello_record, MSG_FASTOPEN, (struct sockaddr *)&zeroed, 0);
    printf("sendto %zd %s\n", result, result < 0 ? strerror(errno) : "");
    close(unconnected);

    /* 2 */
    int plain_first = connected(port);
    if (write(plain_first, "PING\r\n", 6) != 6)
        return 1;
    struct iovec parts[2] = { { (void *)hello_record, 1 }, { (void *)(hello_record + 1), sizeof hello_record - 1 } };
    printf("writev %zd\n", writev(plain_first, parts, 2));
    printf("write again %zd\n", write(plain_first, hello_record, sizeof hello_record));

    /* 3 */
    printf("close observer %d\n", close(atoi(argv[2])));

    /* 4 */
    pid_t child = fork();
    if (child == 0) {
        int fd = connected(port);
        printf("child send %zd\n", send(fd, hello_record, sizeof hello_record, 0));
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);

    /* 5 */
    close(plain_first);
    int reused = connected(port);
    struct iovec whole = { (void *)hello_record, sizeof hello_record };
    struct msghdr message = { .msg_iov = &whole, .msg_iovlen = 1 };
    printf("sendmsg %zd on %s descriptor\n", sendmsg(reused, &message, 0), reused == plain_first ? "the same" : "another");
    close(reused);
    return 0;
}
