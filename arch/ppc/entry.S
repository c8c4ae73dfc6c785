/* First code: skiboot jumps here big-endian, MMU off, hypervisor mode, with
 * r3 = device tree, r8 = OPAL base, r9 = OPAL entry. */
#include <arch_asm.h>

    .section .text.entry, "ax"
    .globl _start
_start:
    FIXUP_ENDIAN                /* keeps r3, r8, r9 */
    /* skiboot leaves MSR[ME] clear, which turns any machine check into a
     * checkstop; with it set one becomes an interrupt at 0x200.  Only
     * rfid/hrfid may change ME (mtmsrd leaves it alone). */
    mfmsr %r11
    ori %r11, %r11, MSR_ME
    mtspr SPRN_HSRR1, %r11
    bcl 20, 31, 1f
1:  mflr %r10
    addi %r10, %r10, 2f - 1b
    mtspr SPRN_HSRR0, %r10
    hrfid
2:
    LOAD_TOC %r2

    /* Clear .bss (it holds the kernel stack). */
    addis %r10, %r2, __bss_start@toc@ha
    addi %r10, %r10, __bss_start@toc@l
    addis %r11, %r2, __bss_end@toc@ha
    addi %r11, %r11, __bss_end@toc@l
    li %r0, 0
3:  cmpld %r10, %r11
    bge 4f
    std %r0, 0(%r10)
    addi %r10, %r10, 8
    b 3b
4:
    addis %r1, %r2, kernel_stack_top@toc@ha    /* kernel/stack.S */
    addi %r1, %r1, kernel_stack_top@toc@l
    stdu %r0, -STACK_MIN_FRAME(%r1)     /* null back chain ends stack walks */

    mr %r4, %r8
    mr %r5, %r9
    bl ppc_boot                 /* (fdt, opal_base, opal_entry); never returns */
    nop
5:  b 5b
