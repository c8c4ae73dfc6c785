/*
 * Interrupt entry and exit.
 *
 * POWER interrupts go to fixed real addresses 0x100..0xf80 (HRMOR = 0), but
 * the kernel runs at 0x20000000: the .vectors block below is linked into the
 * image and copied to real address 0 by arch_trap_init.  Each vector saves
 * r13 in SPRG1, puts its number in r13 (bit 0 set if the interrupt uses
 * HSRR0/1 rather than SRR0/1) and jumps through vec_common to trap_common,
 * which saves a struct arch_regs and calls ppc_trap(regs); the system call
 * (0xc00) has its own, shorter way in, sc_common, which tries the IPC fast
 * path.  From the kernel (MSR[PR] = 0 in SRR1/HSRR1) the frame goes below
 * the interrupted stack's protected zone and the trap returns through the
 * same pair with rfid/hrfid after restoring every register.  From problem
 * state the frame is the current thread's (struct ppc_cpu's user_frame, via
 * HSPRG0), the handler runs on the empty per-CPU kernel stack, and ppc_trap
 * leaves through arch_return_to_user.  HSPRG1 holds r12 for the first few
 * instructions.
 */
#include <arch_asm.h>
#include <ppc_cpu.h>

#define HSRR_FLAG 1
#define VEC_SYSCALL_NUM 0xc00

    .section .vectors, "ax"
.macro VECTOR offset, flag=0
    .org \offset
    mtspr SPRN_SPRG1, %r13
    li %r13, \offset + \flag
    b vec_common
.endm

    VECTOR 0x100                /* system reset */
    VECTOR 0x200                /* machine check */
    VECTOR 0x300                /* data storage */
    VECTOR 0x380                /* data segment */
    VECTOR 0x400                /* instruction storage */
    VECTOR 0x480                /* instruction segment */
    VECTOR 0x500                /* external */
    VECTOR 0x600                /* alignment */
    VECTOR 0x700                /* program */
    VECTOR 0x800                /* floating-point unavailable */
    VECTOR 0x900                /* decrementer */
    VECTOR 0x980, HSRR_FLAG     /* hypervisor decrementer */
    VECTOR 0xa00                /* directed privileged doorbell */
    VECTOR 0xb00                /* reserved */
    .org 0xc00                  /* system call: its own way in, sc_common */
    mtspr SPRN_SPRG1, %r13      /* CTR is the caller's to lose: not saved */
    lis %r13, sc_common@h
    ori %r13, %r13, sc_common@l
    mtctr %r13
    bctr
    VECTOR 0xd00                /* trace */
    VECTOR 0xe00, HSRR_FLAG     /* hypervisor data storage */
    VECTOR 0xe20, HSRR_FLAG     /* hypervisor instruction storage */
    VECTOR 0xe40, HSRR_FLAG     /* hypervisor emulation assistance */
    VECTOR 0xe60, HSRR_FLAG     /* hypervisor maintenance */
    VECTOR 0xe80, HSRR_FLAG     /* directed hypervisor doorbell */
    VECTOR 0xea0, HSRR_FLAG     /* hypervisor virtualization */
    VECTOR 0xf00                /* performance monitor */
    VECTOR 0xf20                /* vector unavailable */
    VECTOR 0xf40                /* VSX unavailable */
    VECTOR 0xf60                /* facility unavailable */
    VECTOR 0xf80, HSRR_FLAG     /* hypervisor facility unavailable */

    .org 0x1000
vec_common:
    mtspr SPRN_SPRG3, %r13
    mfctr %r13
    mtspr SPRN_SPRG2, %r13
    /* An absolute jump back into the image (linked below 2 GiB). */
    lis %r13, trap_common@h
    ori %r13, %r13, trap_common@l
    mtctr %r13
    bctr

/* Restore LR, CTR, XER and CR from the frame at r1 (clobbers r0). */
.macro RESTORE_SPECIAL
    ld %r0, REGS_LR(%r1)
    mtlr %r0
    ld %r0, REGS_CTR(%r1)
    mtctr %r0
    ld %r0, REGS_XER(%r1)
    mtxer %r0
    ld %r0, REGS_CR(%r1)
    mtcrf 0xff, %r0
.endm

/* SRR0/1 from the frame at r1 (clobbers r4, r5): whatever the frame says,
 * the user runs in problem state, translated, with interrupts on; FP, VMX
 * and VSX as the frame says (the kernel set them for the owner of the FP
 * registers only: arch_fpu_access). */
.macro SET_SRR
    ld %r4, REGS_NIP(%r1)
    ld %r5, REGS_MSR(%r1)
    ori %r5, %r5, MSR_EE | MSR_PR | MSR_IR | MSR_DR
    mtspr SPRN_SRR0, %r4
    mtspr SPRN_SRR1, %r5
.endm

/* Restore every GPR from the frame at r1, r1 last. */
.macro RESTORE_GPRS
    ld %r0, REGS_GPR(0)(%r1)
    .irp n, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld %r\n, REGS_GPR(\n)(%r1)
    .endr
    ld %r1, REGS_GPR(1)(%r1)
.endm

    .text
trap_common:
    /* Free r12 and CR to find out where the interrupt came from. */
    mtspr SPRN_HSPRG1, %r12
    mfcr %r12
    mfspr %r13, SPRN_SPRG3
    andi. %r13, %r13, HSRR_FLAG
    beq 1f
    mfspr %r13, SPRN_HSRR1
    b 2f
1:  mfspr %r13, SPRN_SRR1
2:  andi. %r13, %r13, MSR_PR
    bne 3f
    /* From the kernel: r13 = frame below the interrupted r1's protected
     * zone, 16-aligned. */
    addi %r13, %r1, -(STACK_RED_ZONE + REGS_SIZE)
    clrrdi %r13, %r13, 4
    b 4f
    /* From problem state: r13 = the current thread's frame. */
3:  mfspr %r13, SPRN_HSPRG0
    ld %r13, CPU_USER_FRAME(%r13)
4:  std %r12, REGS_CR(%r13)
    mfspr %r12, SPRN_HSPRG1
    std %r0, REGS_GPR(0)(%r13)
    std %r1, REGS_GPR(1)(%r13)
    .irp n, 2,3,4,5,6,7,8,9,10,11,12,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    std %r\n, REGS_GPR(\n)(%r13)
    .endr
    mfspr %r0, SPRN_SPRG1
    std %r0, REGS_GPR(13)(%r13)
    mfspr %r0, SPRN_SPRG2
    std %r0, REGS_CTR(%r13)
    mfspr %r0, SPRN_SPRG3
    andi. %r3, %r0, HSRR_FLAG
    std %r3, REGS_HSRR(%r13)
    clrrdi %r0, %r0, 1
    std %r0, REGS_VECTOR(%r13)
    mflr %r0
    std %r0, REGS_LR(%r13)
    mfxer %r0
    std %r0, REGS_XER(%r13)
    mfspr %r0, SPRN_DAR
    std %r0, REGS_DAR(%r13)
    mfspr %r0, SPRN_DSISR
    std %r0, REGS_DSISR(%r13)
    beq 1f
    mfspr %r4, SPRN_HSRR0
    mfspr %r5, SPRN_HSRR1
    b 2f
1:  mfspr %r4, SPRN_SRR0
    mfspr %r5, SPRN_SRR1
2:  std %r4, REGS_NIP(%r13)
    std %r5, REGS_MSR(%r13)
    LOAD_TOC %r2
    addi %r3, %r13, 0           /* ppc_trap(regs) */
    andi. %r0, %r5, MSR_PR
    beq 5f

    /* From problem state: handle it on the empty kernel stack; ppc_trap
     * leaves through arch_return_to_user. */
    mfspr %r1, SPRN_HSPRG0
    ld %r1, CPU_KSTACK_TOP(%r1)
    li %r0, 0
    stdu %r0, -STACK_MIN_FRAME(%r1)     /* null back chain: stack walks end here */
    /* A system call from problem state never comes here: sc_common
     * takes it. */
    bl ppc_trap
    nop
    b .

    /* From the kernel: call ppc_trap(regs) on the stack below the frame. */
5:  ld %r0, REGS_GPR(1)(%r13)
    stdu %r0, -STACK_MIN_FRAME(%r13)    /* back chain to the interrupted frame */
    mr %r1, %r13
    bl ppc_trap
    nop
    addi %r1, %r1, STACK_MIN_FRAME

    /* Leave through the frame at r1, by the pair the interrupt used. */
    ld %r3, REGS_HSRR(%r1)
    ld %r4, REGS_NIP(%r1)
    ld %r5, REGS_MSR(%r1)
    cmpdi %r3, 0
    beq 3f
    mtspr SPRN_HSRR0, %r4
    mtspr SPRN_HSRR1, %r5
    RESTORE_SPECIAL
    RESTORE_GPRS
    hrfid
3:  mtspr SPRN_SRR0, %r4
    mtspr SPRN_SRR1, %r5
    RESTORE_SPECIAL
    RESTORE_GPRS
    rfid

/* The system call (vector 0xc00, always by SRR0/1), with r13 in SPRG1.
 * From problem state it saves only what the system-call ABI keeps
 * (sdk/include/keel/arch/ppc64le/syscall.h: r11, r12, CTR and XER are the
 * caller's to lose, as the C ABI lets a call clobber them, so they are not
 * stored; the frame keeps the thread's older values there): r0-r10, r13-r31,
 * CR, LR, SRR0 and SRR1 (not DAR and DSISR either: only storage interrupts
 * read them), tests the selector while it saves r0, and tries the IPC fast
 * path; the vector number only the general path (ppc_trap) reads.  From the
 * kernel (a bug: ppc_trap reports it and panics) it joins trap_common as any
 * vector, with r12 and CTR already lost. */
sc_common:
    mfcr %r12
    mfspr %r13, SPRN_SRR1
    andi. %r13, %r13, MSR_PR
    beq sc_from_kernel
    mfspr %r13, SPRN_HSPRG0
    ld %r13, CPU_USER_FRAME(%r13)
    std %r12, REGS_CR(%r13)
    std %r0, REGS_GPR(0)(%r13)
    cmpdi %cr1, %r0, 0                 /* only IPC (selector r0 = 0) can be fast */
    std %r1, REGS_GPR(1)(%r13)
    .irp n, 2,3,4,5,6,7,8,9,10,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    std %r\n, REGS_GPR(\n)(%r13)
    .endr
    mfspr %r0, SPRN_SPRG1
    std %r0, REGS_GPR(13)(%r13)
    mflr %r0
    std %r0, REGS_LR(%r13)
    mfspr %r4, SPRN_SRR0
    mfspr %r5, SPRN_SRR1
    std %r4, REGS_NIP(%r13)
    std %r5, REGS_MSR(%r13)
    /* The TOC by its absolute address: the image runs where it is linked
     * (arch/ppc/port.py), below 2 GiB. */
    lis %r2, .TOC.@ha
    addi %r2, %r2, .TOC.@l
    mr %r3, %r13
    mfspr %r1, SPRN_HSPRG0              /* the empty kernel stack, as trap_common */
    ld %r1, CPU_KSTACK_TOP(%r1)
    li %r0, 0
    stdu %r0, -STACK_MIN_FRAME(%r1)
    bne %cr1, 3f
    mr %r31, %r3                        /* saved already, and C keeps it */
    bl fastpath_ipc
    nop
    cmpdi %r3, 0
    beq 2f
    mfspr %r4, SPRN_HSPRG0              /* arch_set_user_frame(r3) */
    std %r3, CPU_USER_FRAME(%r4)
    b fast_return
2:  mr %r3, %r31
3:  li %r0, VEC_SYSCALL_NUM
    std %r0, REGS_VECTOR(%r3)
    li %r0, 0
    std %r0, REGS_HSRR(%r3)
    bl ppc_trap
    nop
    b .
sc_from_kernel:
    mtcrf 0xff, %r12
    li %r13, VEC_SYSCALL_NUM
    mtspr SPRN_SPRG3, %r13
    b trap_common

/* noreturn void arch_return_to_user(struct arch_regs *regs)
 * Enter problem state with every register from regs, by rfid whichever pair
 * the frame came in by (MSR[HV] stays 1 either way).  The kernel stack needs
 * no reset: the next trap from problem state starts it afresh. */
    .globl arch_return_to_user
arch_return_to_user:
    li %r0, 0
    mtmsrd %r0, 1               /* EE = RI = 0 while SRR0/1 hold the user state */
    ptesync                     /* page-table stores reach the table walk first */
    mr %r1, %r3
    SET_SRR
    RESTORE_SPECIAL
    RESTORE_GPRS
    rfid

/* The fast path's return into the frame at r3, whose thread entered by a
 * system call (a thread waiting in IPC always did): EE and RI are still 0
 * from the system call's interrupt, and the fast path ordered any
 * page-table store itself (ARCH_PT_STORES_VISIBLE: no ptesync here).  CTR
 * and XER, which the system call may clobber, are cleared rather than
 * loaded (one instruction fewer; they held kernel values); r11 and r12
 * come from the frame with the other registers. */
fast_return:
    mr %r1, %r3
    SET_SRR
    ld %r0, REGS_LR(%r1)
    mtlr %r0
    ld %r0, REGS_CR(%r1)
    mtcrf 0xff, %r0
    li %r0, 0
    mtctr %r0
    mtxer %r0
    RESTORE_GPRS
    rfid

/* void ppc_copy_mr(uint64_t *to, const uint64_t *from, uint32_t words),
 * 5 <= words <= 64: message words 4..words-1 of the UTCB arrays to and from
 * (mr), the fast path's UTCB word copy (ARCH_COPY_WORDS, whose macro
 * passes the arrays' bases and the whole count: the compiler folds them
 * with its own offset and subtraction).  The kernel leaves the VSX
 * registers alone (they hold the FP owner's state, arch.h, lazy
 * switching), so the widest move is lq/stq (ISA 2.07): 16 bytes between a
 * quadword-aligned address and an even/odd GPR pair.  mr[4] is 16-byte
 * aligned in every UTCB (a page; the _Static_assert in arch_port.h), so
 * the words go a pair at a time: first word words-1 alone with ld/std
 * (the odd tail, else a repeat of the last pair's second word, the same
 * value), then an unrolled run of 30 lq/stq entered at the pair that leaves
 * (words - 4) / 2, with the bases moved forward by 16 a pair so that the
 * run's offsets are fixed: 14 instructions of tail and computed jump, then
 * 1 a word.  lq/stq's register order in little-endian mode does not matter
 * here: stq stores the pair as lq loaded it.  lnia is POWER9's addpcis:
 * the next instruction's address, without touching LR. */
    .text
    .globl ppc_copy_mr
ppc_copy_mr:
    sldi %r6, %r5, 3            /* words x 8 */
    add %r9, %r4, %r6
    add %r10, %r3, %r6
    ld %r8, -8(%r9)             /* word words - 1 */
    clrrdi %r7, %r6, 4          /* 16 x pairs + 32, pairs = (words - 4) / 2 */
    std %r8, -8(%r10)
    add %r3, %r3, %r7
    add %r4, %r4, %r7
    srdi %r7, %r7, 1            /* 8 x pairs + 16: the run's bytes to enter, + 16 */
    lnia %r11
0:  subf %r11, %r7, %r11
    addi %r11, %r11, 2f + 16 - 0b
    mtctr %r11
    bctr
    .set off, -16 * 30          /* word 4, from mr + 32 + 16 x pairs = mr + 512 - (30 - pairs) x 16 */
    .rept 30
    lq %r8, off(%r4)            /* r8/r9: lq's even/odd pair, not the base */
    stq %r8, off(%r3)
    .set off, off + 16
    .endr
2:  blr
