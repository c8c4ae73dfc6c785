/*
 * EL1 exception vectors.  Vector numbers: 0-3 current EL with SP_EL0, 4-7
 * current EL with SP_ELx, 8-11 lower EL AArch64, 12-15 lower EL AArch32;
 * within each group sync, IRQ, FIQ, SError.
 *
 * Kernel traps (0-7) first check that the kernel stack has room (else it
 * overflowed: stack_overflow), save the full struct arch_regs on the current
 * stack, call arm_trap(regs, vector) and restore every register from the frame
 * (the C side may have changed elr, e.g. to a fix-up) before eret.
 *
 * User traps (8-15) save the user registers into the frame named by
 * arch_set_user_frame (kept in TPIDR_EL1) and call arm_user_trap(regs,
 * vector) on the per-CPU kernel stack, which never returns: it ends in
 * arch_return_to_user.  In user mode SP_EL1 is the top of that (empty)
 * stack, so its top 16 bytes serve as scratch while x0/x1 are freed.
 */
#include <arch_asm.h>
#include <kstack.h>

#define VECTOR_ALIGN 0x800              /* VBAR_EL1 bits [10:0] are RES0 */
#define VECTOR_SIZE 0x80                /* 32 instructions per entry */
#define SPSR_NZCV 0xf0000000            /* condition flags; M = EL0t, DAIF clear */
#define VEC_LOWER_A64_SYNC 8            /* sync exception from AArch64 EL0 */
#define ESR_EC_SHIFT 26
#define ESR_EC_SVC64 0x15

/* x2-x30 to or from the frame at base: pair is stp or ldp, one str or ldr. */
.macro X2_X30 pair, one, base
    \pair x2, x3, [\base, #REGS_X(2)]
    \pair x4, x5, [\base, #REGS_X(4)]
    \pair x6, x7, [\base, #REGS_X(6)]
    \pair x8, x9, [\base, #REGS_X(8)]
    \pair x10, x11, [\base, #REGS_X(10)]
    \pair x12, x13, [\base, #REGS_X(12)]
    \pair x14, x15, [\base, #REGS_X(14)]
    \pair x16, x17, [\base, #REGS_X(16)]
    \pair x18, x19, [\base, #REGS_X(18)]
    \pair x20, x21, [\base, #REGS_X(20)]
    \pair x22, x23, [\base, #REGS_X(22)]
    \pair x24, x25, [\base, #REGS_X(24)]
    \pair x26, x27, [\base, #REGS_X(26)]
    \pair x28, x29, [\base, #REGS_X(28)]
    \one x30, [\base, #REGS_X(30)]
.endm

/* Return to EL0 through the user frame at x0, every register from it: the
 * end of both arch_return_to_user and the fast path's return.  Only the
 * flags come from the saved SPSR: always EL0t (AArch64), with interrupts
 * unmasked, whatever was stored there. */
.macro RESTORE_ERET
    ldp     x1, x2, [x0, #REGS_ELR]
    msr     elr_el1, x1
    and     x2, x2, #SPSR_NZCV
    msr     spsr_el1, x2
    RESTORE_REGS_ERET
.endm

/* The same from sp_el0 on, with ELR and SPSR set. */
.macro RESTORE_REGS_ERET
    ldr     x1, [x0, #REGS_SP]
    msr     sp_el0, x1
    X2_X30 ldp, ldr, x0
    ldp     x0, x1, [x0, #REGS_X(0)]
    eret
.endm

/* Vector 8, a synchronous exception from AArch64 EL0: an svc saves only
 * what the system-call ABI keeps (sdk/include/keel/arch/aarch64/syscall.h:
 * x9-x18 and the flags NZCV are the caller's to lose, so x9-x18, SPSR, ESR
 * and FAR are not stored; the frame keeps the thread's older values there,
 * which the return loads: never a kernel value).  x9 is the scratch that
 * tells an svc from anything else; for anything else it is put back from
 * below the (empty) kernel stack and user_trap_common saves every register.
 * Then the IPC fast path (selector x8 = 0): the frame to resume, or 0 for
 * the general path (x19 is saved already, and C keeps it). */
.macro SVC_ENTRY
    str     x9, [sp, #-16]
    mrs     x9, esr_el1
    lsr     x9, x9, #ESR_EC_SHIFT
    cmp     x9, #ESR_EC_SVC64
    b.ne    user_sync_other
    mrs     x9, tpidr_el1               /* the current thread's frame */
    stp     x0, x1, [x9, #REGS_X(0)]
    stp     x2, x3, [x9, #REGS_X(2)]
    stp     x4, x5, [x9, #REGS_X(4)]
    stp     x6, x7, [x9, #REGS_X(6)]
    str     x8, [x9, #REGS_X(8)]
    stp     x19, x20, [x9, #REGS_X(19)]
    stp     x21, x22, [x9, #REGS_X(21)]
    stp     x23, x24, [x9, #REGS_X(23)]
    stp     x25, x26, [x9, #REGS_X(25)]
    stp     x27, x28, [x9, #REGS_X(27)]
    stp     x29, x30, [x9, #REGS_X(29)]
    mrs     x10, sp_el0
    str     x10, [x9, #REGS_SP]
    mrs     x10, elr_el1                /* already past the svc */
    str     x10, [x9, #REGS_ELR]
    mov     x29, xzr                    /* end of the frame-pointer chain */
    mov     x19, x9
    mov     x0, x9
    cbnz    x8, 1f                      /* only IPC (selector x8 = 0) can be fast */
    bl      fastpath_ipc
    cbnz    x0, fast_return
    mov     x0, x19
1:  bl      arm_syscall_slow            /* never returns */
.endm

.macro vector num
    .balign VECTOR_SIZE
.Lvector_\num:
    .if \num == VEC_LOWER_A64_SYNC
    SVC_ENTRY
    .elseif \num >= 8
    stp     x0, x1, [sp, #-16]!
    mov     x1, #\num
    b       user_trap_common
    .else
    STACK_CHECK
    sub     sp, sp, #REGS_SIZE
    stp     x0, x1, [sp, #REGS_X(0)]
    mov     x0, #\num
    b       trap_common
    .endif
    .org    .Lvector_\num + VECTOR_SIZE   /* an error if the entry is too long */
.endm

/* Before a kernel trap pushes its frame: if sp lies in the guard page below
 * the kernel stack, or so close above it that the frame would reach into it,
 * the stack has overflowed, and pushing would only fault again (and again,
 * walking down into what lies below the guard).  Leave for stack_overflow
 * instead.  x0 is parked in SP_EL0, which holds the user's sp only in user
 * mode; the flags are the handler's to clobber (SPSR has the interrupted
 * ones).  (sp - guard) >> 5 < GUARD_WINDOW means sp - guard < guard + frame. */
#define GUARD_WINDOW ((KSTACK_GUARD_SIZE + REGS_SIZE) >> 5)
.if (KSTACK_GUARD_SIZE + REGS_SIZE) % 32
.error "GUARD_WINDOW must be exact"
.endif
.macro STACK_CHECK
    msr     sp_el0, x0
    adrp    x0, kernel_stack_guard      /* page aligned: adrp is exact */
    sub     x0, sp, x0
    lsr     x0, x0, #5
    cmp     x0, #GUARD_WINDOW
    mrs     x0, sp_el0
    b.lo    stack_overflow
.endm

    .text
    .balign VECTOR_ALIGN
    .globl arm_vectors
arm_vectors:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    vector \n
    .endr

/* The kernel stack overflowed: report it from the fault stack (kernel/stack.S)
 * with the faulting instruction and address. */
stack_overflow:
    adrp    x0, kernel_fault_stack_top
    add     x0, x0, :lo12:kernel_fault_stack_top
    mov     sp, x0
    mov     x29, xzr                    /* end of the frame-pointer chain */
    mrs     x0, elr_el1
    mrs     x1, far_el1
    bl      kstack_overflow             /* never returns */
    b       .

/* x0 = vector number; x0 and x1 of the interrupted code already saved. */
trap_common:
    X2_X30 stp, str, sp
    /* The interrupted (kernel) sp is just above the frame. */
    add     x1, sp, #REGS_SIZE
    str     x1, [sp, #REGS_SP]
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x1, x2, [sp, #REGS_ELR]
    mrs     x1, esr_el1
    mrs     x2, far_el1
    stp     x1, x2, [sp, #REGS_ESR]

    mov     x1, x0
    mov     x0, sp
    bl      arm_trap

    ldp     x1, x2, [sp, #REGS_ELR]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    X2_X30 ldp, ldr, sp
    ldp     x0, x1, [sp, #REGS_X(0)]
    add     sp, sp, #REGS_SIZE
    eret

/* x1 = vector number; the user's x0 and x1 at [sp], sp = kernel stack top - 16. */
user_trap_common:
    mrs     x0, tpidr_el1               /* the current thread's frame */
    X2_X30 stp, str, x0
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #REGS_X(0)]
    mrs     x2, sp_el0
    str     x2, [x0, #REGS_SP]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [x0, #REGS_ELR]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [x0, #REGS_ESR]
    mov     x29, xzr                    /* end of the frame-pointer chain */
    bl      arm_user_trap               /* never returns */
    b       .

/* Vector 8 but not an svc: put x9 back and save everything, as any other
 * trap from EL0. */
user_sync_other:
    ldr     x9, [sp, #-16]
    stp     x0, x1, [sp, #-16]!
    mov     x1, #VEC_LOWER_A64_SYNC
    b       user_trap_common

/* The fast path's return into the frame at x0, whose thread entered by an
 * svc (a thread waiting in IPC always did): interrupts are still masked
 * from the exception, sp is the empty kernel stack's top again, and the
 * fast path ordered any page-table store (ARCH_PT_STORES_VISIBLE: no dsb
 * here).  SPSR is 0: EL0t, interrupts unmasked, and NZCV clear, which the
 * svc may clobber (the frame's SPSR is not even stored by SVC_ENTRY).  It
 * names the frame for the next trap itself (ARCH_FASTPATH_SETS_USER_FRAME). */
fast_return:
    msr     tpidr_el1, x0               /* arch_set_user_frame(x0) */
    ldr     x1, [x0, #REGS_ELR]
    msr     elr_el1, x1
    msr     spsr_el1, xzr               /* EL0t, interrupts unmasked, NZCV clear */
    RESTORE_REGS_ERET

/* noreturn void arch_return_to_user(struct arch_regs *regs) */
    .globl arch_return_to_user
arch_return_to_user:
    msr     daifset, #3                 /* ELR/SPSR must survive until eret */
    adrp    x1, kernel_stack_top        /* nothing of the kernel stack is kept */
    add     x1, x1, :lo12:kernel_stack_top
    mov     sp, x1
    /* Page-table updates complete before user code walks them (the eret is
     * context-synchronising but does not wait for stores). */
    dsb     ish
    RESTORE_ERET

/* void arm_copy_mr(uint64_t *to, const uint64_t *from, uint32_t words),
 * 5 <= words <= 64: message words 4..words-1 of the UTCB arrays to and from
 * (mr), the fast path's UTCB word copy (ARCH_COPY_WORDS, whose macro
 * passes the arrays' bases and the whole count: the compiler folds them
 * with its own offset and subtraction).  An odd count's first word (word 4,
 * always at offset 32) goes alone; the rest, pairs that end at the
 * message's end, are an unrolled run of 30 ldp/stp entered at the pair that
 * leaves them, with the bases moved to that end so that the run's offsets
 * are fixed: 7 instructions of computed jump (9 if odd), then 1 a word,
 * where the loop of eight took about 1.5. */
    .text
    .globl arm_copy_mr
arm_copy_mr:
    tbz     w2, #0, 1f
    ldr     x3, [x1, #32]
    str     x3, [x0, #32]
1:  add     x0, x0, w2, uxtw #3     /* the message's ends */
    add     x1, x1, w2, uxtw #3
    and     w5, w2, #~1             /* 2 x (pairs + 2): each pair is 8 bytes of code */
    adr     x4, 2f + 16             /* the run's end, less the 2 pairs of words 0-3 */
    sub     x4, x4, x5, lsl #2
    br      x4
    .set    off, -480
    .rept   30
    ldp     x6, x7, [x1, #off]
    stp     x6, x7, [x0, #off]
    .set    off, off + 16
    .endr
2:  ret
