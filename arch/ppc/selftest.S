/* Self-test helpers that fault on purpose, with .extable fix-ups. */
#include <arch_asm.h>
#include <extable_asm.h>

/* Register n is filled with PAT_BASE + n * PAT_STEP (every halfword
 * distinct per register; the top halfword stays below 0x8000 for lis). */
#define PAT_BASE  0x5a003c0069001e00
#define PAT_STEP  0x0001000100010001
#define PAT(n)    (PAT_BASE + (n) * PAT_STEP)
#define NV_FIRST  13                /* r13..r31 are saved in the frame */
#define FRAME     (STACK_MIN_FRAME + (32 - NV_FIRST) * 8 + 8)
#define NV_SAVE(n) (STACK_MIN_FRAME + ((n) - NV_FIRST) * 8)
#define ILLEGAL_INSN 0              /* primary opcode 0 is not an instruction */

/* r = a 64-bit constant whose top halfword is below 0x8000. */
.macro LOAD_IMM64 r, val
    lis \r, ((\val) >> 48) & 0xffff
    ori \r, \r, ((\val) >> 32) & 0xffff
    sldi \r, \r, 32
    oris \r, \r, ((\val) >> 16) & 0xffff
    ori \r, \r, (\val) & 0xffff
.endm

.macro SETREG n
    LOAD_IMM64 %r\n, PAT(\n)
.endm

/* r = absolute address of sym (the image is linked below 2 GiB). */
.macro LOAD_ADDR r, sym
    lis \r, \sym@h
    ori \r, \r, \sym@l
.endm

/* uint32_t arch_trap_roundtrip_check(void)
 * Every GPR but r1 (the stack the trap frame goes on, checked against its
 * old value instead) gets a pattern; after the illegal instruction has been
 * handled and skipped by its fix-up, all 32 are stored and compared. */
    .text
    .globl arch_trap_roundtrip_check
arch_trap_roundtrip_check:
    mflr %r0
    std %r0, STACK_LR_SAVE(%r1)
    stdu %r1, -FRAME(%r1)
    .irp n, 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    std %r\n, NV_SAVE(\n)(%r1)
    .endr
    LOAD_ADDR %r3, rt_sp
    std %r1, 0(%r3)

    .irp n, 0,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    SETREG \n
    .endr
rt_fault:
    .long ILLEGAL_INSN
rt_fixup:
    mtspr SPRN_HSPRG1, %r31  /* scratch while no register is free */
    LOAD_ADDR %r31, rt_after
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    std %r\n, (\n * 8)(%r31)
    .endr
    mfspr %r0, SPRN_HSPRG1
    std %r0, (31 * 8)(%r31)

    /* Back to a known stack and TOC, whatever happened to r1 and r2. */
    LOAD_ADDR %r3, rt_sp
    ld %r1, 0(%r3)
    LOAD_TOC %r2
    .irp n, 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld %r\n, NV_SAVE(\n)(%r1)
    .endr

    LOAD_ADDR %r4, rt_after     /* r4: saved value of register n */
    LOAD_IMM64 %r5, PAT_BASE    /* r5: pattern of register n */
    LOAD_IMM64 %r6, PAT_STEP
    LOAD_ADDR %r9, rt_sp        /* register 1 must come back as it was */
    ld %r9, 0(%r9)
    li %r3, 0                   /* registers that differ */
    li %r7, 0                   /* n */
1:  ld %r8, 0(%r4)
    cmpdi %r7, 1
    mr %r10, %r5
    bne 2f
    mr %r10, %r9
2:  cmpd %r8, %r10
    beq 3f
    addi %r3, %r3, 1
3:  add %r5, %r5, %r6
    addi %r4, %r4, 8
    addi %r7, %r7, 1
    cmpdi %r7, 32
    blt 1b

    addi %r1, %r1, FRAME
    ld %r0, STACK_LR_SAVE(%r1)
    mtlr %r0
    blr
    EXTABLE_ENTRY rt_fault, rt_fixup

/* int arch_probe_read(uintptr_t addr, uintptr_t *val): one load.  ldarx
 * rather than ld, so that a misaligned address faults (see arch_bad_address);
 * the reservation it leaves is harmless. */
    .globl arch_probe_read
arch_probe_read:
probe_load:
    ldarx %r5, 0, %r3
    std %r5, 0(%r4)
    li %r3, 0
    blr
probe_fixup:
    li %r3, -1
    blr
    EXTABLE_ENTRY probe_load, probe_fixup

    .section .bss
    .balign 8
rt_sp:
    .space 8
rt_after:
    .space 32 * 8
