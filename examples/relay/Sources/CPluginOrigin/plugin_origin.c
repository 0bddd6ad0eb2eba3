/* See plugin_origin.h. */
#define _GNU_SOURCE
#include "plugin_origin.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct relay_plugin {
    SSL_CTX *context;
    BIO *(*new_bio)(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo);
    int (*connects_itself)(int tfo);
    const char *name;
};

struct relay_plugin_connection {
    SSL *ssl;
    int fd;
    /* The peer's record: the ABI lets the BIO keep this pointer until SSL_free. */
    struct sockaddr_storage peer;
};

/* ---- The witness: the plug-in BIO's first write, seen at the C library boundary.
 * The legacy BIO keeps no record of its writes, so the relay defines sendto and write
 * itself (an executable's definitions come before libc's for every library it loads,
 * the plug-in included) and notes the first call on the socket this thread is setting
 * up. Nothing is noted on any other descriptor or thread. */
static _Thread_local int watched_fd = -1;
static _Thread_local relay_first_write *watched;

static void note(const char *call, int fd, int flags, const struct sockaddr *address, socklen_t length, long result,
                 int error)
{
    if (fd < 0 || fd != watched_fd || watched == NULL || watched->seen)
        return;
    watched->seen = 1;
    snprintf(watched->call, sizeof watched->call, "%s", call);
    watched->flags = flags;
    watched->has_address = address != NULL;
    watched->address_length = address != NULL ? (unsigned)length : 0;
    watched->result = result;
    watched->error = result < 0 ? error : 0;
}

/* The C library's own definition of `name`; every thread finds the same one. */
static void *next_definition(const char *name, void *_Atomic *slot)
{
    void *function = atomic_load(slot);
    if (function == NULL) {
        function = dlsym(RTLD_NEXT, name);
        atomic_store(slot, function);
    }
    return function;
}

static void *_Atomic next_sendto, *_Atomic next_write;

ssize_t sendto(int fd, const void *buffer, size_t size, int flags, __CONST_SOCKADDR_ARG address, socklen_t length)
{
    ssize_t (*next)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t) =
        (ssize_t (*)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t))next_definition("sendto", &next_sendto);
    ssize_t result = next(fd, buffer, size, flags, address, length);
    int error = errno;
    note("sendto", fd, flags, address.__sockaddr__, length, (long)result, error);
    errno = error;
    return result;
}

ssize_t write(int fd, const void *buffer, size_t size)
{
    ssize_t (*next)(int, const void *, size_t) = (ssize_t (*)(int, const void *, size_t))next_definition("write", &next_write);
    ssize_t result = next(fd, buffer, size);
    int error = errno;
    note("write", fd, 0, NULL, 0, (long)result, error);
    errno = error;
    return result;
}

/* ---- Errors as one line. */
static void fail(char *error, size_t size, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    int used = vsnprintf(error, size, format, arguments);
    va_end(arguments);
    unsigned long code;
    const char *separator = "; OpenSSL: ";
    while ((code = ERR_get_error()) != 0 && used >= 0 && (size_t)used < size) {
        char line[256];
        ERR_error_string_n(code, line, sizeof line);
        used += snprintf(error + used, size - (size_t)used, "%s%s", separator, line);
        separator = ", ";
    }
}

const char *relay_errno_name(int error)
{
    const char *name = strerrorname_np(error);
    return name != NULL ? name : "unknown errno";
}

/* What SSL_connect, SSL_read or SSL_write's failure says. */
static void fail_ssl(char *error, size_t size, SSL *ssl, const char *operation, int ret)
{
    int saved = errno;
    int code = SSL_get_error(ssl, ret);
    switch (code) {
    case SSL_ERROR_SYSCALL:
        fail(error, size, "%s: SSL_ERROR_SYSCALL, errno %s", operation, saved ? relay_errno_name(saved) : "0");
        break;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        fail(error, size, "%s: deadline passed", operation);
        break;
    case SSL_ERROR_ZERO_RETURN:
        fail(error, size, "%s: origin closed the connection", operation);
        break;
    default:
        if (SSL_get_verify_result(ssl) != X509_V_OK)
            fail(error, size, "%s: certificate verification failed: %s", operation,
                 X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
        else
            fail(error, size, "%s: SSL_get_error %d", operation, code);
    }
}

relay_plugin *relay_plugin_open(const char *path, const char *ca_file, char *error, size_t size)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fail(error, size, "dlopen %s: %s", path, dlerror());
        return NULL;
    }
    relay_plugin *plugin = calloc(1, sizeof *plugin);
    if (plugin == NULL) {
        fail(error, size, "out of memory");
        return NULL;
    }
    plugin->new_bio = (BIO * (*)(int, const struct sockaddr *, socklen_t, int)) dlsym(handle, "tlsprobe_plugin_new_bio");
    plugin->connects_itself = (int (*)(int))dlsym(handle, "tlsprobe_plugin_connects_itself");
    const char *(*name)(void) = (const char *(*)(void))dlsym(handle, "tlsprobe_plugin_name");
    plugin->name = name != NULL ? name() : path;
    if (plugin->new_bio == NULL) {
        fail(error, size, "%s defines no tlsprobe_plugin_new_bio", path);
        return NULL;
    }
    plugin->context = SSL_CTX_new(TLS_client_method());
    if (plugin->context == NULL) {
        fail(error, size, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_verify(plugin->context, SSL_VERIFY_PEER, NULL);
    if ((ca_file != NULL ? SSL_CTX_load_verify_locations(plugin->context, ca_file, NULL)
                         : SSL_CTX_set_default_verify_paths(plugin->context)) != 1) {
        fail(error, size, "loading the trust roots %s", ca_file != NULL ? ca_file : "(system)");
        return NULL;
    }
    return plugin;
}

const char *relay_plugin_name(const relay_plugin *plugin)
{
    return plugin->name;
}

relay_plugin_connection *relay_plugin_connect(const relay_plugin *plugin, const struct sockaddr *peer, socklen_t peer_len,
                                              const char *host, int tfo, int timeout_ms, relay_first_write *first,
                                              char *error, size_t size)
{
    memset(first, 0, sizeof *first);
    relay_plugin_connection *connection = calloc(1, sizeof *connection);
    if (connection == NULL) {
        fail(error, size, "out of memory");
        return NULL;
    }
    memcpy(&connection->peer, peer, peer_len);
    /* A blocking socket whose waits end after timeout_ms: one thread per client. */
    connection->fd = socket(peer->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connection->fd < 0) {
        fail(error, size, "socket: %s", relay_errno_name(errno));
        free(connection);
        return NULL;
    }
    struct timeval timeout = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(connection->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(connection->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    /* As the ABI says: the BIO connects itself only when it says so (with TFO, by default). */
    int connects_itself = plugin->connects_itself != NULL ? plugin->connects_itself(tfo) : tfo;
    if (!connects_itself && connect(connection->fd, (const struct sockaddr *)&connection->peer, peer_len) != 0) {
        fail(error, size, "connect: %s", relay_errno_name(errno));
        relay_plugin_close(connection);
        return NULL;
    }
    connection->ssl = SSL_new(plugin->context);
    if (connection->ssl == NULL) {
        fail(error, size, "SSL_new");
        relay_plugin_close(connection);
        return NULL;
    }
    struct in6_addr ip;
    int literal = inet_pton(AF_INET, host, &ip) == 1 || inet_pton(AF_INET6, host, &ip) == 1;
    int named = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(connection->ssl), host)
                        : SSL_set1_host(connection->ssl, host) && SSL_set_tlsext_host_name(connection->ssl, host);
    if (!named) {
        fail(error, size, "setting the origin's expected name %s", host);
        relay_plugin_close(connection);
        return NULL;
    }
    BIO *bio = plugin->new_bio(connection->fd, (const struct sockaddr *)&connection->peer, peer_len, tfo);
    if (bio == NULL) {
        fail(error, size, "tlsprobe_plugin_new_bio returned NULL (errno %s)", relay_errno_name(errno));
        relay_plugin_close(connection);
        return NULL;
    }
    SSL_set_bio(connection->ssl, bio, bio);
    watched_fd = connection->fd;
    watched = first;
    ERR_clear_error();
    errno = 0;
    int ret = SSL_connect(connection->ssl);
    if (ret != 1)
        fail_ssl(error, size, connection->ssl, "SSL_connect", ret);
    watched_fd = -1;
    watched = NULL;
    if (ret != 1) {
        relay_plugin_close(connection);
        return NULL;
    }
    return connection;
}

int relay_plugin_write(relay_plugin_connection *connection, const void *buffer, size_t length, char *error, size_t size)
{
    size_t done = 0;
    while (done < length) {
        size_t written = 0;
        ERR_clear_error();
        int ret = SSL_write_ex(connection->ssl, (const char *)buffer + done, length - done, &written);
        if (ret != 1) {
            fail_ssl(error, size, connection->ssl, "SSL_write", ret);
            return -1;
        }
        done += written;
    }
    return 0;
}

long relay_plugin_read(relay_plugin_connection *connection, void *buffer, size_t length, char *error, size_t size)
{
    size_t got = 0;
    ERR_clear_error();
    int ret = SSL_read_ex(connection->ssl, buffer, length, &got);
    if (ret == 1)
        return (long)got;
    if (SSL_get_error(connection->ssl, ret) == SSL_ERROR_ZERO_RETURN)
        return 0;
    fail_ssl(error, size, connection->ssl, "SSL_read", ret);
    return -1;
}

void relay_plugin_close(relay_plugin_connection *connection)
{
    if (connection->ssl != NULL)
        SSL_free(connection->ssl);
    if (connection->fd >= 0)
        close(connection->fd);
    free(connection);
}
