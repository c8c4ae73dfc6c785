/* User frames and the system-call ABI: svc #0 with the selector in x8 and
 * words 0-7 in x0-x7, results back in x0-x7 (arch.h). */
#include <arm.h>
#include <keelbase/string.h>

#define SPSR_EL0T 0                     /* EL0 with SP_EL0, DAIF clear */
#define STACK_ALIGN 16                  /* AAPCS64; SP alignment checking is on */

void arch_regs_init_user(struct arch_regs *regs, uintptr_t ip, uintptr_t sp, uintptr_t arg)
{
    memset(regs, 0, sizeof(*regs));
    regs->x[0] = arg;
    regs->sp = sp & ~(uintptr_t)(STACK_ALIGN - 1);
    regs->elr = ip;
    regs->spsr = SPSR_EL0T;
}

/* TPIDR_EL1 is free for the kernel: the lower-EL vectors fetch the frame
 * from it before any general register is available. */
void arch_set_user_frame(struct arch_regs *regs)
{
    __asm__ volatile("msr tpidr_el1, %0" : : "r"(regs) : "memory");
}


/* ---- floating point (arch.h; the switch itself is fpu.S) ---- */

#define CPACR_FPEN_NONE (3u << 20)      /* FPEN = 0b11: no FP/SIMD trap at EL0 or EL1 */
#define CPACR_FPEN_EL0 (1u << 20)       /* FPEN = 0b01: EL0 traps (EC 0x07), EL1 does not */

_Static_assert(__builtin_offsetof(struct arch_fpu, v) == 16, "fpu.S FPU_V");

static bool fpu_user_on;                /* what CPACR_EL1.FPEN says for EL0 now */

void arch_fpu_init(void)
{
    sysreg_write(cpacr_el1, CPACR_FPEN_EL0);
    __asm__ volatile("isb" : : : "memory");
    fpu_user_on = false;
}

/* The CPU's, not the frame's: write CPACR_EL1 only when it changes.  The
 * eret into the thread synchronizes the context, so no isb is needed; the
 * kernel (EL1, arch_fpu_switch) is never trapped either way. */
void arch_fpu_access(struct arch_regs *regs, bool on)
{
    (void)regs;
    if (on == fpu_user_on)
        return;
    fpu_user_on = on;
    sysreg_write(cpacr_el1, on ? CPACR_FPEN_NONE : CPACR_FPEN_EL0);
}

/* All zero: FPCR 0 is round to nearest, every exception masked (no trap). */
void arch_fpu_state_init(struct arch_fpu *fpu)
{
    memset(fpu, 0, sizeof(*fpu));
}
