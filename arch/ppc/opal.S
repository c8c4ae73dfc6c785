/* int64_t opal_call(uint64_t token, uint64_t a0, ..., uint64_t a4)
 *
 * OPAL (skiboot) is big-endian: enter it at ppc_opal_entry with hrfid, MMU
 * and LE off, r0 = token, r2 = OPAL base, arguments in r3...  It returns
 * big-endian to LR, so the return path flips back first.  OPAL keeps r1 and
 * r13-r31 and uses its own stack; r2 and the MSR are restored here. */
#include <arch_asm.h>

#define FRAME      64
#define MSR_SAVE   32

    .text
    .globl opal_call
opal_call:
    mflr %r0
    std %r0, STACK_LR_SAVE(%r1)
    stdu %r1, -FRAME(%r1)
    std %r2, STACK_TOC_SAVE(%r1)
    mfmsr %r11
    std %r11, MSR_SAVE(%r1)

    mr %r0, %r3                 /* token, then shift the arguments down */
    mr %r3, %r4
    mr %r4, %r5
    mr %r5, %r6
    mr %r6, %r7
    mr %r7, %r8

    li %r12, MSR_IR | MSR_DR | MSR_LE
    ori %r12, %r12, MSR_EE
    andc %r11, %r11, %r12
    mtspr SPRN_HSRR1, %r11
    addis %r12, %r2, ppc_opal_entry@toc@ha
    ld %r12, ppc_opal_entry@toc@l(%r12)
    mtspr SPRN_HSRR0, %r12
    bcl 20, 31, 1f
1:  mflr %r12
    addi %r12, %r12, opal_return - 1b
    mtlr %r12
    addis %r12, %r2, ppc_opal_base@toc@ha
    ld %r2, ppc_opal_base@toc@l(%r12)
    hrfid

opal_return:
    FIXUP_ENDIAN
    ld %r2, STACK_TOC_SAVE(%r1)
    ld %r11, MSR_SAVE(%r1)
    mtmsrd %r11
    addi %r1, %r1, FRAME
    ld %r0, STACK_LR_SAVE(%r1)
    mtlr %r0
    blr
