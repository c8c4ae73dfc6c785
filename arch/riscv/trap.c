/* Trap decoding: scause -> generic upcalls, and the register frame. */
#include <arch.h>
#include <arch_asm.h>
#include <plic.h>
#include <print.h>
#include <riscv.h>

void riscv_trap_entry(void);
void riscv_trap(struct arch_regs *regs);
noreturn void riscv_user_trap(struct arch_regs *regs);
noreturn void riscv_syscall_slow(struct arch_regs *regs);

#define SSTATUS_SPP (1UL << 8)  /* trapped from S-mode */
#define SSTATUS_FS (3UL << 13)  /* FP unit state at the trap: Off (0) while not the owner */

/* trap.S saves and restores the frame by arch_asm.h's offsets. */
_Static_assert(offsetof(struct arch_regs, x[31]) == REG_X(31), "REG_X");
_Static_assert(offsetof(struct arch_regs, sepc) == REG_SEPC, "REG_SEPC");
_Static_assert(offsetof(struct arch_regs, sstatus) == REG_SSTATUS, "REG_SSTATUS");
_Static_assert(offsetof(struct arch_regs, scause) == REG_SCAUSE, "REG_SCAUSE");
_Static_assert(offsetof(struct arch_regs, stval) == REG_STVAL, "REG_STVAL");
_Static_assert(sizeof(struct arch_regs) == REGS_SIZE, "REGS_SIZE");

enum riscv_exception {
    EXC_INSN_MISALIGNED = 0, EXC_INSN_ACCESS = 1, EXC_ILLEGAL = 2,
    EXC_BREAKPOINT = 3, EXC_LOAD_MISALIGNED = 4, EXC_LOAD_ACCESS = 5,
    EXC_STORE_MISALIGNED = 6, EXC_STORE_ACCESS = 7, EXC_ECALL_U = 8,
    EXC_INSN_PAGE = 12, EXC_LOAD_PAGE = 13, EXC_STORE_PAGE = 15,
};

static enum fault_kind classify(uint64_t cause)
{
    switch (cause) {
    case EXC_LOAD_ACCESS: case EXC_LOAD_PAGE: return FAULT_PAGE_READ;
    case EXC_STORE_ACCESS: case EXC_STORE_PAGE: return FAULT_PAGE_WRITE;
    case EXC_INSN_ACCESS: case EXC_INSN_PAGE: return FAULT_PAGE_EXEC;
    case EXC_ILLEGAL: return FAULT_ILLEGAL_INSN;
    case EXC_BREAKPOINT: return FAULT_BREAKPOINT;
    case EXC_INSN_MISALIGNED: case EXC_LOAD_MISALIGNED:
    case EXC_STORE_MISALIGNED: return FAULT_MISALIGNED;
    default: return FAULT_OTHER;
    }
}

static void handle_interrupt(struct arch_regs *regs, uint64_t irq)
{
    if (irq == IRQ_S_TIMER) {
        arch_timer_cancel();
        kernel_timer_interrupt(regs);
    } else if (irq == IRQ_S_EXTERNAL) {
        for (uint32_t src; (src = plic_claim()) != 0;)
            kernel_irq(regs, src);
    }
}

void riscv_trap(struct arch_regs *regs)
{
    if (regs->scause & SCAUSE_INTERRUPT) {
        handle_interrupt(regs, regs->scause & ~SCAUSE_INTERRUPT);
        return;
    }
    if (regs->scause == EXC_ECALL_U) {
        regs->sepc += 4; /* resume after the ecall */
        kernel_syscall(regs);
        return;
    }
    /* An illegal instruction from user mode with FS Off: the thread does
     * not own the FP registers (user.c, arch_fpu_access), and this is
     * taken as its first FP instruction.  One that is truly illegal traps
     * again once it owns them, with FS on, and is reported then. */
    if (regs->scause == EXC_ILLEGAL && !(regs->sstatus & (SSTATUS_SPP | SSTATUS_FS))) {
        kernel_fpu_trap(regs);
        return;
    }
    struct fault_info f = {
        .kind = classify(regs->scause),
        .ip = regs->sepc,
        .addr = regs->stval,
        .arch_code = regs->scause,
        .from_user = !(regs->sstatus & SSTATUS_SPP),
    };
    if (f.kind == FAULT_ILLEGAL_INSN)
        f.addr = 0; /* stval holds the instruction bits, not an address */
    kernel_exception(regs, &f);
}

/* A trap from user mode other than ecall: regs is the current thread's
 * frame, the kernel stack is empty. */
noreturn void riscv_user_trap(struct arch_regs *regs)
{
    riscv_trap(regs);
    arch_return_to_user(kernel_user_resume());
}

/* An ecall the IPC fast path did not take (trap.S moved sepc past it). */
noreturn void riscv_syscall_slow(struct arch_regs *regs)
{
    kernel_syscall(regs);
    arch_return_to_user(kernel_user_resume());
}

void arch_trap_init(void)
{
    csr_write(stvec, (uintptr_t)riscv_trap_entry); /* direct mode */
    csr_write(sscratch, 0);
    if (!plic_init(riscv_fdt, riscv_boot_hart, IRQ_S_EXTERNAL))
        kprintf("plic: the device tree names no PLIC context for this hart: "
                "no device interrupts\n");
}

void arch_regs_dump(const struct arch_regs *regs)
{
    static const char *const names[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
        "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
        "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    for (int i = 0; i < 32; i++)
        kprintf("    %-4s %016llx%s", names[i], (unsigned long long)regs->x[i],
                i % 4 == 3 ? "\n" : "");
    kprintf("    sepc %016llx sstatus %016llx scause %016llx stval %016llx\n",
            (unsigned long long)regs->sepc, (unsigned long long)regs->sstatus,
            (unsigned long long)regs->scause, (unsigned long long)regs->stval);
}

uintptr_t arch_bad_address(void)
{
    return 0; /* nothing is mapped at physical 0 on virt: load access fault */
}
