/*
 * libarchive for `tlsprobe audit`: packages and tar archives read as streams,
 * member by member, nothing written to disk. Nothing else lives here.
 */
#ifndef TLSPROBE_CARCHIVE_SHIM_H
#define TLSPROBE_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

#endif
