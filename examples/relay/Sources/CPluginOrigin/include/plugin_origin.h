/*
 * The legacy design, for `relay --bio-plugin PATH`: an outbound TLS connection
 * whose BIO comes from a shared object built for tlsprobe's BIO plug-in ABI
 * (include/tlsprobe/bio-plugin.h), set on an SSL of the relay's own with
 * SSL_set_bio, as proxies with their own fast-open BIO do. ProxyCore is not on
 * this path: it never runs a BIO it did not make.
 */
#ifndef RELAY_PLUGIN_ORIGIN_H
#define RELAY_PLUGIN_ORIGIN_H

#include <stddef.h>
#include <sys/socket.h>

/* The first call that wrote to the origin's socket, as the C library saw it. */
typedef struct relay_first_write {
    int seen;
    char call[8];          /* "sendto" or "write" */
    int flags;             /* sendto's flags (MSG_FASTOPEN) */
    int has_address;       /* sendto was given a destination */
    unsigned address_length;
    long result;
    int error;             /* errno when result is -1 */
} relay_first_write;

typedef struct relay_plugin relay_plugin;
typedef struct relay_plugin_connection relay_plugin_connection;

/* Loads the plug-in and makes the SSL_CTX its connections use: peers verified
 * against `ca_file` (the system's store when NULL). NULL on failure, with the
 * reason in `error`. Lives as long as the process. */
relay_plugin *relay_plugin_open(const char *path, const char *ca_file, char *error, size_t size);

/* The plug-in's name (tlsprobe_plugin_name), or its file's. */
const char *relay_plugin_name(const relay_plugin *plugin);

/* Connects to `peer` through the plug-in's BIO and completes a verified TLS
 * handshake (`host` is the origin's IP address or DNS name); every wait is
 * bounded by `timeout_ms`. `first` receives the connection's first write
 * whether or not the handshake succeeds. NULL on failure, with the reason. */
relay_plugin_connection *relay_plugin_connect(const relay_plugin *plugin, const struct sockaddr *peer, socklen_t peer_len,
                                              const char *host, int tfo, int timeout_ms, relay_first_write *first,
                                              char *error, size_t size);

/* SSL_write of all of `buffer`: 0, or -1 with the reason. */
int relay_plugin_write(relay_plugin_connection *connection, const void *buffer, size_t length, char *error, size_t size);

/* SSL_read: bytes read, 0 when the origin closed, -1 with the reason. */
long relay_plugin_read(relay_plugin_connection *connection, void *buffer, size_t length, char *error, size_t size);

/* SSL_free, then the socket and the peer's record (the BIO may point into it until SSL_free). */
void relay_plugin_close(relay_plugin_connection *connection);

/* "EINVAL", "MSG_FASTOPEN": names as bug reports quote them. */
const char *relay_errno_name(int error);

#endif
