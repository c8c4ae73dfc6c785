/* User mode: the first frame of a thread, where user traps save, and the
 * system-call register ABI (selector t0, words a0-a7). */
#include <arch.h>
#include <keelbase/string.h>
#include <riscv.h>

#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8)
#define SSTATUS_FS (3UL << 13)  /* FP unit state: Off, Initial, Clean, Dirty */
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_FS_CLEAN (2UL << 13)
#define STACK_ALIGN 16
#define REG_A0 10

struct arch_regs *riscv_user_frame;

void arch_regs_init_user(struct arch_regs *regs, uintptr_t ip, uintptr_t sp, uintptr_t arg)
{
    memset(regs, 0, sizeof(*regs));
    regs->x[2] = ALIGN_DOWN(sp, STACK_ALIGN);
    regs->x[REG_A0] = arg;
    regs->sepc = ip;
    regs->sstatus = (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE | SSTATUS_FS)) |
                    SSTATUS_SPIE | SSTATUS_FS_INITIAL;  /* FP on (the kernel switches it) */
}

void arch_set_user_frame(struct arch_regs *regs)
{
    riscv_user_frame = regs;
}


/* ---- floating point (arch.h; the switch itself is fpu.S) ---- */

_Static_assert(__builtin_offsetof(struct arch_fpu, fcsr) == 32 * 8, "fpu.S FPU_FCSR");

/* sstatus.FS is the CPU's across returns to user mode (trap.S), and fpu.S
 * turns it on for itself: nothing to do here. */
void arch_fpu_init(void)
{
}

/* The owner's FS while FS is Off for another thread (arch_port.h's inline
 * arch_fpu_access; fpu.S). */
uint64_t riscv_fpu_owner_fs;
_Static_assert(RISCV_SSTATUS_FS == SSTATUS_FS && RISCV_SSTATUS_FS_CLEAN == SSTATUS_FS_CLEAN,
               "arch_port.h's sstatus.FS");

/* All zero: fcsr 0 is round to nearest, no flags (RISC-V never traps). */
void arch_fpu_state_init(struct arch_fpu *fpu)
{
    memset(fpu, 0, sizeof(*fpu));
}
