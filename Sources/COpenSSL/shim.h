/*
 * The few OpenSSL macros Swift cannot import (function-like macros and
 * variadic functions), as static inline functions. Nothing else lives here.
 */
#ifndef TLSPROBE_COPENSSL_SHIM_H
#define TLSPROBE_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* OpenSSL 3.2 added BIO_SOCK_TFO; older headers ignore the bit at runtime. */
#ifndef BIO_SOCK_TFO
#define BIO_SOCK_TFO 0x20
#endif
static const int tlsprobe_BIO_SOCK_TFO = BIO_SOCK_TFO;

/* The version of the headers this binary was compiled against. */
static inline const char *tlsprobe_header_version_text(void) { return OPENSSL_VERSION_TEXT; }
static inline unsigned long tlsprobe_header_version_number(void) { return OPENSSL_VERSION_NUMBER; }

/* An address inside libssl and one inside libcrypto, to ask the loader where they came from. */
static inline const void *tlsprobe_libssl_symbol(void) { return (const void *)&SSL_new; }
static inline const void *tlsprobe_libcrypto_symbol(void) { return (const void *)&OpenSSL_version_num; }

static const int tlsprobe_BIO_TYPE_SOCKET = BIO_TYPE_SOCKET;
static const int tlsprobe_BIO_TYPE_FILTER = BIO_TYPE_FILTER;

static inline long tlsprobe_BIO_set_fd(BIO *b, int fd, int close_flag) { return BIO_set_fd(b, fd, close_flag); }
static inline int tlsprobe_BIO_get_fd(BIO *b) { return BIO_get_fd(b, NULL); }
static inline long tlsprobe_BIO_set_conn_address(BIO *b, const void *addr) { return BIO_set_conn_address(b, addr); }
static inline void tlsprobe_BIO_set_retry_write(BIO *b) { BIO_set_retry_write(b); }
static inline void tlsprobe_BIO_set_retry_read(BIO *b) { BIO_set_retry_read(b); }
static inline void tlsprobe_BIO_clear_retry_flags(BIO *b) { BIO_clear_retry_flags(b); }
static inline int tlsprobe_BIO_get_ex_new_index(void) { return BIO_get_ex_new_index(0, NULL, NULL, NULL, NULL); }
static inline void tlsprobe_BIO_set_callback_arg(BIO *b, void *arg) { BIO_set_callback_arg(b, (char *)arg); }
static inline void *tlsprobe_BIO_get_callback_arg(const BIO *b) { return (void *)BIO_get_callback_arg(b); }

static inline long tlsprobe_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_min_proto_version(ctx, version); }
static inline long tlsprobe_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) { return SSL_CTX_set_max_proto_version(ctx, version); }
static inline long tlsprobe_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }

/* EVP_EC_gen is a macro over a variadic function. */
static inline EVP_PKEY *tlsprobe_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }

static inline void tlsprobe_X509V3_set_ctx_nodb(X509V3_CTX *ctx) { X509V3_set_ctx_nodb(ctx); }

#endif
