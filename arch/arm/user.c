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


_Static_assert(__builtin_offsetof(struct arch_fpu, v) == 16, "fpu.S FPU_V");

bool arm_fpu_user_on;                   /* what CPACR_EL1.FPEN says for EL0 now */

void arch_fpu_init(void)
{
    sysreg_write(cpacr_el1, CPACR_FPEN_EL0);
    __asm__ volatile("isb" : : : "memory");
    arm_fpu_user_on = false;
}

/* arch_fpu_access is inline in arch_port.h. */

/* All zero: FPCR 0 is round to nearest, every exception masked (no trap). */
void arch_fpu_state_init(struct arch_fpu *fpu)
{
    memset(fpu, 0, sizeof(*fpu));
}
