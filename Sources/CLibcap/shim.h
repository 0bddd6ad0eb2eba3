#ifndef TLSPROBE_CLIBCAP_SHIM_H
#define TLSPROBE_CLIBCAP_SHIM_H
#include <sys/capability.h>
#endif
