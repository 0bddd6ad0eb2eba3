/*
 * elfutils' libelf for `tlsprobe audit`, and the few <gelf.h>/<elf.h> macros
 * Swift cannot import (function-like macros) as static inline functions.
 * Nothing else lives here.
 */
#ifndef TLSPROBE_CELF_SHIM_H
#define TLSPROBE_CELF_SHIM_H

#include <gelf.h>
#include <libelf.h>

/* The symbol-table index and the type a relocation's r_info carries. */
static inline GElf_Xword tlsprobe_GELF_R_SYM(GElf_Xword info) { return GELF_R_SYM(info); }
static inline GElf_Xword tlsprobe_GELF_R_TYPE(GElf_Xword info) { return GELF_R_TYPE(info); }

/* A symbol's type (STT_FUNC …) and binding (STB_GLOBAL …) from st_info. */
static inline unsigned char tlsprobe_GELF_ST_TYPE(unsigned char info) { return GELF_ST_TYPE(info); }
static inline unsigned char tlsprobe_GELF_ST_BIND(unsigned char info) { return GELF_ST_BIND(info); }

#endif
