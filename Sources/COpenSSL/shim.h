/*
 * What Swift cannot take from OpenSSL's headers itself, as static inline
 * functions and constants: function-like macros and variadic functions, the
 * headers' own version, a bit older headers lack (BIO_SOCK_TFO), an EC key
 * generator that also works on 1.1.1 (which has no EVP_EC_gen), and the
 * deprecated socket-BIO getters, called in this one place with their warning
 * silenced.
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

/* OpenSSL 3.2 added BIO_SOCK_TFO; older libraries ignore the bit at runtime. */
#ifndef BIO_SOCK_TFO
#define BIO_SOCK_TFO 0x20
#endif
static const int tlsprobe_BIO_SOCK_TFO = BIO_SOCK_TFO;

/* The version of the headers this binary was compiled against. */
static inline const char *tlsprobe_header_version_text(void) { return OPENSSL_VERSION_TEXT; }
static inline unsigned long tlsprobe_header_version_number(void) { return OPENSSL_VERSION_NUMBER; }

/*
 * The libssl soname suffix the headers build for ("1.1", "3", "4"): the ABI
 * this binary can load. 3.0 made it a bare number, OPENSSL_SHLIB_VERSION;
 * 1.1.1 had the string SHLIB_VERSION_NUMBER.
 */
#define TLSPROBE_STRINGIFY_(x) #x
#define TLSPROBE_STRINGIFY(x) TLSPROBE_STRINGIFY_(x)
static inline const char *tlsprobe_header_shlib_version(void) {
#ifdef OPENSSL_SHLIB_VERSION
    return TLSPROBE_STRINGIFY(OPENSSL_SHLIB_VERSION);
#else
    return SHLIB_VERSION_NUMBER;
#endif
}

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

/* The DNS name the peer's certificate must carry: SSL_set1_host until 4.0, which deprecated it for SSL_set1_dnsname. */
static inline int tlsprobe_SSL_set1_dnsname(SSL *ssl, const char *name) {
#if OPENSSL_VERSION_NUMBER >= 0x40000000L
    return SSL_set1_dnsname(ssl, name);
#else
    return SSL_set1_host(ssl, name);
#endif
}

/*
 * A new EC key on a named curve ("P-256"). 3.0 and later: EVP_EC_gen, a macro
 * over a variadic function. 1.1.1 has neither: the same key through the
 * EVP_PKEY_CTX calls it does have (named-curve encoding is its default).
 */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
static inline EVP_PKEY *tlsprobe_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }
#else
#include <openssl/ec.h>
#include <openssl/objects.h>
static inline EVP_PKEY *tlsprobe_EVP_EC_gen(const char *curve) {
    int nid = EC_curve_nist2nid(curve);
    if (nid == NID_undef) nid = OBJ_sn2nid(curve);
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    if (ctx != NULL && nid != NID_undef && EVP_PKEY_keygen_init(ctx) > 0
        && EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, nid) > 0 && EVP_PKEY_keygen(ctx, &key) <= 0) {
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}
#endif

/*
 * BIO_s_socket()'s create, ctrl and destroy, for a BIO_METHOD that borrows
 * them. OpenSSL 3.5 deprecated these getters: copying a built-in method table
 * is unsafe (openssl/openssl issue 26047). The fast-open BIO of
 * exdata-fastopen (upstream ATS's fix) and of the reproductions borrows them on
 * purpose, because that is the design being compared; this is the one place
 * they are called, and the policy never picks a mode that needs them.
 */
typedef struct {
    int (*create)(BIO *);
    int (*destroy)(BIO *);
    long (*ctrl)(BIO *, int, long, void *);
} tlsprobe_socket_hooks;

static inline tlsprobe_socket_hooks tlsprobe_borrow_socket_hooks(void) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    const BIO_METHOD *socket = BIO_s_socket();
    tlsprobe_socket_hooks hooks = {
        BIO_meth_get_create(socket), BIO_meth_get_destroy(socket), BIO_meth_get_ctrl(socket)
    };
#pragma GCC diagnostic pop
    return hooks;
}

static inline void tlsprobe_X509V3_set_ctx_nodb(X509V3_CTX *ctx) { X509V3_set_ctx_nodb(ctx); }

#endif
