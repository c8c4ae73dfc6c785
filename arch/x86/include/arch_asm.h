/* Assembler helpers shared by the x86-64 .S files. */
#pragma once

#ifdef __ASSEMBLY__
/* Record that a fault at address fault resumes at fixup (see arch.h). */
.macro ARCH_EXTABLE_ENTRY fault, fixup
    .pushsection .extable, "a"
    .balign 8
    .quad \fault, \fixup
    .popsection
.endm
#endif
