/* User mode: the first frame of a thread, where user traps save, and the
 * system-call register ABI (selector t0, words a0-a7). */
#include <arch.h>
#include <keelbase/string.h>
#include <riscv.h>

#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8)
#define SSTATUS_FS (3UL << 13)  /* no FP state: FP instructions trap */
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
                    SSTATUS_SPIE;
}

void arch_set_user_frame(struct arch_regs *regs)
{
    riscv_user_frame = regs;
}

