/* Trap entry and exit.  sscratch is 0 while the kernel runs and holds the
 * current thread's user frame while user code runs, so one swap tells where
 * a trap came from.
 *  - From the kernel: check that the kernel stack has room (else it
 *    overflowed: stack_overflow), save every register into a struct arch_regs
 *    on the kernel stack, call riscv_trap(regs), restore every register, sret.
 *  - From user mode: save every register into the user frame, switch to the
 *    top of the kernel stack, call riscv_trap(frame), then resume whichever
 *    frame kernel_user_resume() names through arch_return_to_user. */
#include <arch_asm.h>
#include <kstack.h>

#define SSTATUS_FS (3 << 13)            /* FP unit state (fpu.S) */
#define EXC_ECALL_U 8                   /* scause of an ecall from U-mode */

/* Save x0-x31 but sp into the frame at sp. */
.macro SAVE_GPRS_BUT_SP
    sd      zero, REG_X(0)(sp)
    sd      x1, REG_X(1)(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, REG_X(\n)(sp)
    .endr
.endm

/* Save the trap's CSRs into the frame at sp (clobbers t0, already saved,
 * and leaves scause in it). */
.macro SAVE_TRAP_CSRS
    csrr    t0, sepc
    sd      t0, REG_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, REG_SSTATUS(sp)
    csrr    t0, stval
    sd      t0, REG_STVAL(sp)
    csrr    t0, scause
    sd      t0, REG_SCAUSE(sp)
.endm

/* Before a kernel trap pushes its frame: if sp lies in the guard page below
 * the kernel stack, or so close above it that the frame would reach into it,
 * the stack has overflowed, and pushing would fault again (and again, walking
 * down into what lies below the guard): leave for stack_overflow.  t0 is
 * parked in sscratch, which is 0 again before anything can trap.
 * (sp - guard) >> 5 < GUARD_WINDOW means sp - guard < guard + frame. */
#define GUARD_WINDOW ((KSTACK_GUARD_SIZE + REGS_SIZE) >> 5)
.if (KSTACK_GUARD_SIZE + REGS_SIZE) % 32
.error "GUARD_WINDOW must be exact"
.endif
.macro STACK_CHECK
    csrw    sscratch, t0
    la      t0, kernel_stack_guard
    sub     t0, sp, t0
    srli    t0, t0, 5
    sltiu   t0, t0, GUARD_WINDOW
    bnez    t0, stack_overflow
    csrrw   t0, sscratch, zero
.endm

    .text
    .balign 4
    .globl riscv_trap_entry
riscv_trap_entry:
    csrrw   sp, sscratch, sp
    bnez    sp, from_user
    csrrw   sp, sscratch, sp            /* from the kernel: undo the swap */
    STACK_CHECK

    addi    sp, sp, -REGS_SIZE
    SAVE_GPRS_BUT_SP
    addi    t0, sp, REGS_SIZE           /* the interrupted sp */
    sd      t0, REG_X(2)(sp)
    SAVE_TRAP_CSRS

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

/* The kernel stack overflowed: report it from the fault stack (kernel/stack.S)
 * with the faulting instruction and address. */
stack_overflow:
    csrw    sscratch, zero              /* the kernel's again */
    la      sp, kernel_fault_stack_top
    mv      s0, zero                    /* end of the frame-pointer chain */
    csrr    a0, sepc
    csrr    a1, stval
    call    kstack_overflow             /* never returns */

from_user:                              /* sp = user frame, sscratch = user sp */
    /* s1, which both ways save, tells an ecall from anything else. */
    sd      s1, REG_X(9)(sp)
    csrr    s1, scause
    addi    s1, s1, -EXC_ECALL_U
    bnez    s1, trap_from_user
    /* An ecall saves only what the system-call ABI keeps (sdk/include/keel/
     * arch/riscv64/syscall.h: ra and t1-t6 are the caller's to lose, so
     * they are not stored; the frame keeps the thread's older values there,
     * which the return loads: never a kernel value), and no CSR but sepc:
     * scause and stval only traps read, and sstatus is what the last return
     * to user mode wrote from the frame (SPP user, SPIE set, SIE clear: the
     * ecall sets the same), but for FS, which the return takes from the
     * CPU.  t0 keeps the selector for the test below. */
    .irp n, 3,4,5,8,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27
    sd      x\n, REG_X(\n)(sp)
    .endr
    csrrw   t1, sscratch, zero          /* kernel from here: sscratch = 0 */
    sd      t1, REG_X(2)(sp)
    csrr    t2, sepc
    addi    t2, t2, 4                   /* resume after the ecall */
    sd      t2, REG_SEPC(sp)
    mv      a0, sp
    la      sp, kernel_stack_top        /* the CPU's kernel stack, empty */
    /* The IPC fast path first: the frame to resume, or 0 for the general
     * path, with this thread's frame still riscv_user_frame. */
    bnez    t0, 2f                      /* only IPC (selector t0 = 0) can be fast */
    call    fastpath_ipc
    beqz    a0, 1f
    sd      a0, riscv_user_frame, t0    /* arch_set_user_frame(a0) */
    j       fast_return
1:  ld      a0, riscv_user_frame
2:  call    riscv_syscall_slow          /* never returns */

/* Any other trap from user mode (s1 saved): every register but x0 (x[0]
 * is unused) and sp; then sp and the trap's CSRs. */
trap_from_user:
    sd      x1, REG_X(1)(sp)
    .irp n, 3,4,5,6,7,8,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, REG_X(\n)(sp)
    .endr
    csrrw   t1, sscratch, zero          /* kernel from here: sscratch = 0 */
    sd      t1, REG_X(2)(sp)
    SAVE_TRAP_CSRS
    mv      a0, sp
    la      sp, kernel_stack_top
    call    riscv_user_trap             /* never returns */

/* Load every general register from the frame at a0 (a0 itself last) and
 * return to user mode: the end of both returns below. */
.macro RESTORE_REGS_SRET
    ld      x1, REG_X(1)(a0)
    ld      x2, REG_X(2)(a0)
    .irp n, 3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, REG_X(\n)(a0)
    .endr
    ld      a0, REG_X(10)(a0)
    sret
.endm

/* The fast path's return into the frame at a0, which its thread saved by an
 * ecall (a thread waiting in IPC always did): sstatus is still the one
 * that ecall left (SPP = user, SPIE set, FS of the loaded FP registers),
 * so only sepc and the registers are restored. */
fast_return:
    csrw    sscratch, a0
    ld      t0, REG_SEPC(a0)
    csrw    sepc, t0
    RESTORE_REGS_SRET

/* noreturn void arch_return_to_user(struct arch_regs *regs) */
    .globl arch_return_to_user
arch_return_to_user:
    la      t0, riscv_user_frame        /* where the next user trap saves */
    ld      t0, 0(t0)
    csrw    sscratch, t0
    ld      t0, REG_SEPC(a0)
    csrw    sepc, t0
    ld      t0, REG_SSTATUS(a0)         /* SPP = user, SIE = 0 until sret */
    /* FS stays the CPU's: it tracks the FP registers, which belong to the
     * thread resumed (fpu.S), not what the frame saved at its last trap. */
    csrr    t1, sstatus
    li      t2, SSTATUS_FS
    and     t1, t1, t2
    not     t2, t2
    and     t0, t0, t2
    or      t0, t0, t1
    csrw    sstatus, t0
    RESTORE_REGS_SRET

/* void riscv_copy_mr(uint64_t *to, const uint64_t *from, uint32_t words),
 * 5 <= words <= 64: message words 4..words-1 of the UTCB arrays to and from
 * (mr), the fast path's UTCB word copy (ARCH_COPY_WORDS, whose macro
 * passes the arrays' bases and the whole count: the compiler folds them
 * with its own offset and subtraction, and words arrives sign-extended as
 * the psABI passes a 32-bit value, so no extension either).  RV64 has no
 * load/store pair, so a word costs a load and a store whatever the loop;
 * this enters an unrolled run of 60 of them at the pair that leaves
 * words - 4, with the bases moved forward by the count so that the run's
 * offsets are fixed: 7 instructions of computed jump, then 2 a word.  No
 * compressed instructions inside: every pair is 8 bytes, which the jump
 * counts on. */
    .globl riscv_copy_mr
riscv_copy_mr:
    slli    t0, a2, 3           /* words x 8: bytes of data, and of code back from the end */
    add     a0, a0, t0
    add     a1, a1, t0
    lla     t1, 2f
    sub     t1, t1, t0
    jr      32(t1)              /* ... less the 4 words the registers carry */
    .option push
    .option norvc
    .set    off, 32 - 512       /* word 4, from mr + words x 8 = mr + 512 - (64 - words) x 8 */
    .rept   60
    ld      t2, off(a1)
    sd      t2, off(a0)
    .set    off, off + 8
    .endr
2:
    .option pop
    ret
