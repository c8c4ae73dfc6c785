/* Self-test helpers that only assembly can write: they fault on purpose
 * and resume through the fix-up table. */
#include <arch_asm.h>
#include <extable_asm.h>

#define PATTERN_BASE 0x6b65656c00000000   /* "keel" in the high half */
#define SAVE_SIZE (32 * 8)

/* uint32_t arch_trap_roundtrip_check(void) */
    .text
    .globl arch_trap_roundtrip_check
arch_trap_roundtrip_check:
    addi    sp, sp, -2 * SAVE_SIZE
    /* Keep every register the C caller relies on. */
    .irp n, 1,3,4,8,9,18,19,20,21,22,23,24,25,26,27
    sd      x\n, REG_X(\n)(sp)
    .endr
    la      t0, saved_sp
    sd      sp, 0(t0)
    /* Distinct pattern in every register but sp (the trap needs a stack). */
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    li      x\n, PATTERN_BASE + \n
    .endr
1:  unimp                               /* illegal instruction trap */
2:  /* After the round trip: dump all registers above the saved ones. */
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, SAVE_SIZE + REG_X(\n)(sp)
    .endr
    sd      sp, SAVE_SIZE + REG_X(2)(sp)
    /* Count mismatches: register n must hold PATTERN_BASE + n, sp itself. */
    li      a0, 0
    li      t0, 1                       /* n */
    li      t1, 32
    li      t2, PATTERN_BASE
3:  slli    t3, t0, 3
    add     t3, t3, sp
    ld      t4, SAVE_SIZE(t3)
    add     t5, t2, t0
    li      t6, 2
    bne     t0, t6, 4f
    la      t5, saved_sp                /* x2 must be the sp from before */
    ld      t5, 0(t5)
4:  beq     t4, t5, 5f
    addi    a0, a0, 1
5:  addi    t0, t0, 1
    bltu    t0, t1, 3b
    .irp n, 1,3,4,8,9,18,19,20,21,22,23,24,25,26,27
    ld      x\n, REG_X(\n)(sp)
    .endr
    addi    sp, sp, 2 * SAVE_SIZE
    ret
    EXTABLE_ENTRY 1b, 2b

/* int arch_probe_read(uintptr_t addr, uintptr_t *val) */
    .globl arch_probe_read
arch_probe_read:
1:  ld      t0, 0(a0)
    sd      t0, 0(a1)
    li      a0, 0
    ret
2:  li      a0, -1
    ret
    EXTABLE_ENTRY 1b, 2b

    .section .bss
    .balign 8
saved_sp:
    .skip   8
