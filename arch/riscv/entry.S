/* Boot entry: OpenSBI jumps here in S-mode with a0 = hart id, a1 = FDT.
 * The kernel stack is kernel/stack.S's. */
#include <arch_asm.h>

    .section .text.entry, "ax"
    .globl _start
_start:
    /* No compressed-instruction or relaxation tricks before gp is unused. */
    la      sp, kernel_stack_top
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    riscv_boot          /* (hart id, fdt); never returns */
3:  wfi
    j       3b

    /* A hart other than the boot hart, started by riscv_boot only to hand
     * it straight back to OpenSBI (boot.c says why): stop it again through
     * SBI HSM.  No stack, no memory touched; the loop is never reached. */
    .globl riscv_hart_stop_again
riscv_hart_stop_again:
    li      a7, SBI_EXT_HSM
    li      a6, SBI_HSM_HART_STOP
    ecall
4:  wfi
    j       4b
