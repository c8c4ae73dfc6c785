/* Assembler side of the fault fix-up table (see "Fault fix-ups" in arch.h).
 * Every port is 64-bit, so one entry is two 8-byte addresses. */
#pragma once

#ifdef __ASSEMBLY__
/* Record that a fault at instruction `fault` resumes at `fixup`. */
.macro EXTABLE_ENTRY fault, fixup
    .pushsection .extable, "a"
    .balign 8
    .quad \fault, \fixup
    .popsection
.endm
#endif
