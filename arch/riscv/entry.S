/* Boot entry: OpenSBI jumps here in S-mode with a0 = hart id, a1 = FDT.
 * The kernel stack is kernel/stack.S's. */

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
