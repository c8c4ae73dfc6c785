/* AArch64 assembler helpers shared by the .S files. */
#pragma once

#include <arch_port.h>

#ifdef __ASSEMBLY__
/* Record that a fault at instruction `fault` resumes at `fixup`
 * (a struct extable_entry: two 8-byte addresses in section .extable). */
.macro ARCH_EXTABLE_ENTRY fault, fixup
    .pushsection .extable, "a"
    .balign 8
    .quad \fault, \fixup
    .popsection
.endm
#endif
