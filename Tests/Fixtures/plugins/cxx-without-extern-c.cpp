// A C++ plug-in that declares the ABI's functions itself instead of including
// <tlsprobe/bio-plugin.h>, and forgets extern "C": the compiler mangles their
// names (_Z23tlsprobe_plugin_new_bioiPK8sockaddrji), so dlsym finds no
// tlsprobe_plugin_new_bio. tlsprobe must say so, not only that it is missing.
#include <openssl/bio.h>
#include <sys/socket.h>

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo);
const char *tlsprobe_plugin_name();

BIO *tlsprobe_plugin_new_bio(int fd, const struct sockaddr *peer, socklen_t peer_len, int tfo)
{
    (void)peer; (void)peer_len; (void)tfo;
    return BIO_new_socket(fd, BIO_NOCLOSE);
}

const char *tlsprobe_plugin_name() { return "cxx-without-extern-c"; }
