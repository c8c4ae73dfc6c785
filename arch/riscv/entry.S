/* Boot entry: OpenSBI jumps here in S-mode with a0 = hart id, a1 = FDT.
 * The kernel stack is kernel/stack.S's. */
#include <arch_asm.h>

    .section .text.entry, "ax"
    .globl _start
_start:
    /* Only the first hart to arrive may go on.  OpenSBI 1.1's HART_START
     * marks the hart START_PENDING before it stores the start address, so
     * a hart spinning in its HSM wait (boot.c) can leave with the previous
     * address, this entry, instead of riscv_hart_stop_again: seen under
     * host load, the second hart cleared .bss and shared the boot stack,
     * and the kernel died without a word (QEMU exit 2).  OpenSBI 1.3 stores
     * the address first.  The flag is in .data: .bss is not cleared yet. */
    la      t0, riscv_entry_taken
    li      t1, 1
    amoswap.w.aq t1, t1, (t0)
    bnez    t1, riscv_entry_again
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

    /* A hart that came in through _start after the boot hart (above):
     * stopped the same way, from its own address so that a trace (QEMU -d
     * int: the ecall's epc) tells the two apart. */
riscv_entry_again:
    li      a7, SBI_EXT_HSM
    li      a6, SBI_HSM_HART_STOP
    ecall
5:  wfi
    j       5b

    .section .data, "aw"
    .p2align 2
riscv_entry_taken:
    .word   0
