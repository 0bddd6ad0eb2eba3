/*
 * ProxyCore's only view of OpenSSL: its headers with every deprecated
 * declaration removed, so that a deprecated call in ProxyCore does not
 * compile. (Sources/COpenSSL, which the tool's other modules use, keeps them:
 * BIOPatterns reproduces designs built on BIO_meth_get_*.)
 *
 * OPENSSL_NO_DEPRECATED with OpenSSL's default API level, the headers' own
 * version: everything deprecated up to the headers' version is gone (3.0's
 * deprecations against 3.0 headers; 3.5's BIO_meth_get_* too against 3.5 and
 * 4.0 headers). OPENSSL_API_COMPAT=30000 would not do: it lowers the API level
 * to 3.0, and at that level OpenSSL 3.5's headers declare BIO_meth_get_* as
 * undeprecated. 1.1.1 (built only for the tool's 1.1.1 worker) knows no
 * OPENSSL_NO_DEPRECATED: OPENSSL_API_COMPAT at 1.1.0 removes its deprecations.
 * Both must be set before the first OpenSSL header, which is why every
 * include is below. scripts/test compiles this header with -Werror against the
 * 3.0, 3.5 and 4.0 headers, and checks that a BIO_meth_get_* call next to it
 * does not compile.
 *
 * The helpers are prefixed proxycore_, not tlsprobe_: Swift sees both
 * modules in one compilation (BIOPatterns imports COpenSSL and ProxyCore).
 */
#ifndef PROXYCORE_COPENSSLCORE_SHIM_H
#define PROXYCORE_COPENSSLCORE_SHIM_H

#ifndef OPENSSL_NO_DEPRECATED
#define OPENSSL_NO_DEPRECATED 1
#endif
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER < 0x30000000L && !defined(OPENSSL_API_COMPAT)
#define OPENSSL_API_COMPAT 0x10100000L
#endif

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* OpenSSL 3.2 added BIO_SOCK_TFO; older libraries ignore the bit at runtime. */
#ifndef BIO_SOCK_TFO
#define BIO_SOCK_TFO 0x20
#endif
static const int proxycore_BIO_SOCK_TFO = BIO_SOCK_TFO;
static const int proxycore_BIO_TYPE_FILTER = BIO_TYPE_FILTER;
static const int proxycore_BIO_TYPE_SOCKET = BIO_TYPE_SOCKET;

/* The version of the headers this binary was compiled against. */
static inline const char *proxycore_header_version_text(void) { return OPENSSL_VERSION_TEXT; }
static inline unsigned long proxycore_header_version_number(void) { return OPENSSL_VERSION_NUMBER; }

/*
 * The libssl soname suffix the headers build for ("1.1", "3", "4"): the ABI
 * this binary can load. 3.0 made it a bare number, OPENSSL_SHLIB_VERSION;
 * 1.1.1 had the string SHLIB_VERSION_NUMBER.
 */
#define PROXYCORE_STRINGIFY_(x) #x
#define PROXYCORE_STRINGIFY(x) PROXYCORE_STRINGIFY_(x)
static inline const char *proxycore_header_shlib_version(void) {
#ifdef OPENSSL_SHLIB_VERSION
    return PROXYCORE_STRINGIFY(OPENSSL_SHLIB_VERSION);
#else
    return SHLIB_VERSION_NUMBER;
#endif
}

/* An address inside libssl and one inside libcrypto, to ask the loader where they came from. */
static inline const void *proxycore_libssl_symbol(void) { return (const void *)&SSL_new; }
static inline const void *proxycore_libcrypto_symbol(void) { return (const void *)&OpenSSL_version_num; }

/* Function-like macros and variadic functions Swift cannot call. */
static inline long proxycore_BIO_set_fd(BIO *b, int fd, int close_flag) { return BIO_set_fd(b, fd, close_flag); }
static inline int proxycore_BIO_get_fd(BIO *b) { return BIO_get_fd(b, NULL); }
static inline long proxycore_BIO_set_conn_address(BIO *b, const void *addr) { return BIO_set_conn_address(b, addr); }
static inline void proxycore_BIO_set_retry_write(BIO *b) { BIO_set_retry_write(b); }
static inline void proxycore_BIO_set_retry_read(BIO *b) { BIO_set_retry_read(b); }
static inline void proxycore_BIO_clear_retry_flags(BIO *b) { BIO_clear_retry_flags(b); }
static inline void proxycore_BIO_set_callback_arg(BIO *b, void *arg) { BIO_set_callback_arg(b, (char *)arg); }
static inline void *proxycore_BIO_get_callback_arg(const BIO *b) { return (void *)BIO_get_callback_arg(b); }

static inline long proxycore_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }
static inline long proxycore_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_max_proto_version(ctx, version); }
static inline long proxycore_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline long proxycore_SSL_CTX_add0_chain_cert(SSL_CTX *ctx, X509 *cert) { return SSL_CTX_add0_chain_cert(ctx, cert); }

/* The DNS name the peer's certificate must carry: SSL_set1_host until 4.0, which deprecated it for SSL_set1_dnsname. */
static inline int proxycore_SSL_set1_dnsname(SSL *ssl, const char *name) {
#if OPENSSL_VERSION_NUMBER >= 0x40000000L
    return SSL_set1_dnsname(ssl, name);
#else
    return SSL_set1_host(ssl, name);
#endif
}

/* A passphrase callback that refuses: an encrypted key fails to load instead of prompting on a terminal. */
static inline int proxycore_no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}
static inline EVP_PKEY *proxycore_PEM_read_bio_PrivateKey(BIO *bio) {
    return PEM_read_bio_PrivateKey(bio, NULL, proxycore_no_passphrase, NULL);
}
static inline X509 *proxycore_PEM_read_bio_X509(BIO *bio) {
    return PEM_read_bio_X509(bio, NULL, proxycore_no_passphrase, NULL);
}

#endif
