/* tlsprobe audit fixture, class not-openssl: no OpenSSL at all. */
#include <stdio.h>

int main(void) {
    puts("no TLS here");
    return 0;
}
