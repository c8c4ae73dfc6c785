/* Trap entry and exit: save every register into a struct arch_regs on the
 * stack, call riscv_trap(regs), restore every register, sret. */
#include <arch_asm.h>

    .text
    .balign 4
    .globl riscv_trap_entry
riscv_trap_entry:
    addi    sp, sp, -REGS_SIZE
    sd      zero, REG_X(0)(sp)
    sd      x1, REG_X(1)(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, REG_X(\n)(sp)
    .endr
    addi    t0, sp, REGS_SIZE           /* the interrupted sp */
    sd      t0, REG_X(2)(sp)
    csrr    t0, sepc
    sd      t0, REG_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, REG_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, REG_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, REG_STVAL(sp)

    mv      a0, sp
    call    riscv_trap

    ld      t0, REG_SEPC(sp)
    csrw    sepc, t0
    ld      t0, REG_SSTATUS(sp)
    csrw    sstatus, t0
    ld      x1, REG_X(1)(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, REG_X(\n)(sp)
    .endr
    ld      sp, REG_X(2)(sp)
    sret
