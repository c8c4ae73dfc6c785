/* Assembly halves of the trap self-tests: each faults on purpose at an
 * instruction recorded in .extable, so the trap returns to the fix-up. */
#include <arch_asm.h>
#include <extable_asm.h>

#define NREGS 31                        /* x0..x30 */
#define CALLEE_SAVE 96                  /* x19..x30 */
#define FRAME (CALLEE_SAVE + NREGS * 8 + 8)   /* + pad to 16 */

    .text

/* int arch_probe_read(uintptr_t addr, uintptr_t *val) */
    .globl arch_probe_read
arch_probe_read:
1:  ldr     x2, [x0]
    EXTABLE_ENTRY 1b, 2f
    str     x2, [x1]
    mov     w0, #0
    ret
2:  mov     w0, #-1
    ret

/* uint32_t arch_trap_roundtrip_check(void)
 * Loads x0..x30 from rt_patterns, executes udf, then stores them all and
 * counts the ones that differ from the table; sp is checked too. */
    .globl arch_trap_roundtrip_check
arch_trap_roundtrip_check:
    sub     sp, sp, #FRAME
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    adrp    x0, rt_saved_sp
    mov     x1, sp
    str     x1, [x0, :lo12:rt_saved_sp]

    adrp    x30, rt_patterns
    add     x30, x30, :lo12:rt_patterns
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29
    ldr     x\n, [x30, #(\n * 8)]
    .endr
    ldr     x30, [x30, #(30 * 8)]
3:  udf     #0
    EXTABLE_ENTRY 3b, 4f
4:  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30
    str     x\n, [sp, #(CALLEE_SAVE + \n * 8)]
    .endr

    mov     w0, #0                      /* registers that differ */
    adrp    x1, rt_patterns
    add     x1, x1, :lo12:rt_patterns
    add     x2, sp, #CALLEE_SAVE
    mov     x3, #NREGS
5:  ldr     x4, [x1], #8
    ldr     x5, [x2], #8
    cmp     x4, x5
    cinc    w0, w0, ne
    subs    x3, x3, #1
    b.ne    5b
    adrp    x1, rt_saved_sp
    ldr     x1, [x1, :lo12:rt_saved_sp]
    mov     x2, sp
    cmp     x1, x2
    cinc    w0, w0, ne

    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #FRAME
    ret

    .section .rodata
    .balign 8
/* A distinct value per register, different in every byte lane. */
rt_patterns:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30
    .quad   0x6b65656c00000000 + (\n << 40) + (\n << 24) + (\n << 8) + \n
    .endr

    .bss
    .balign 8
rt_saved_sp:
    .quad   0
