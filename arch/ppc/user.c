/* User mode: the first frame of a thread, where traps from problem state
 * save, and the system-call ABI (selector r0, words r3..r10 both ways). */
#include <kstack.h>
#include <keelbase/string.h>
#include <ppc.h>
#include <ppc_cpu.h>

#define STACK_ALIGN       16    /* ELFv2: r1 is quadword aligned */
#define STACK_MIN_FRAME   32    /* ELFv2: back chain, CR, LR, TOC save (as arch_asm.h) */

/* Host problem state: 64-bit, translated, little-endian, interruptible,
 * recoverable, machine checks on (FP exceptions off: FE0 = FE1 = 0);
 * MSR[HV] stays 1 (LPID 0's own user).  FP, VMX and VSX are set on each
 * resume by arch_fpu_access. */
#define MSR_USER (MSR_SF | MSR_HV | MSR_EE | MSR_PR | MSR_ME | MSR_IR | MSR_DR | \
                  MSR_RI | MSR_LE)
#define MSR_FPU (MSR_FP | MSR_VEC | MSR_VSX)

static struct ppc_cpu boot_cpu;

void ppc_cpu_init(void)
{
    boot_cpu.kstack_top = (uintptr_t)kernel_stack_top;
    mtspr(SPRN_HSPRG0, &boot_cpu);
}

void arch_regs_init_user(struct arch_regs *regs, uintptr_t ip, uintptr_t sp, uintptr_t arg)
{
    memset(regs, 0, sizeof *regs);
    regs->nip = ip;
    regs->msr = MSR_USER;
    regs->gpr[12] = ip;     /* ELFv2 global entry computes the TOC from r12 */
    regs->gpr[3] = arg;
    /* The callee may store LR and CR in its caller's minimal frame. */
    regs->gpr[1] = ALIGN_DOWN(sp, STACK_ALIGN) - STACK_MIN_FRAME;
}

void arch_set_user_frame(struct arch_regs *regs)
{
    ppc_this_cpu()->user_frame = regs;
}


/* ---- floating point (arch.h; the switch itself is fpu.S) ---- */

_Static_assert(__builtin_offsetof(struct arch_fpu, fpscr) == 1024 &&
               __builtin_offsetof(struct arch_fpu, vrsave) == 1032 &&
               __builtin_offsetof(struct arch_fpu, vscr) == 1040, "fpu.S offsets");

/* User frames carry MSR[FP,VEC,VSX] (arch_fpu_access), and fpu.S enables
 * them for itself: nothing to set on the CPU. */
void arch_fpu_init(void)
{
}

/* arch_fpu_access is inline in arch_port.h, with the bits spelled out. */
_Static_assert(PPC_MSR_FPU == MSR_FPU, "arch_port.h's MSR[FP,VEC,VSX]");

/* All zero: FPSCR 0 is round to nearest, exceptions disabled; VSCR 0 is
 * Java mode (IEEE), no saturation. */
void arch_fpu_state_init(struct arch_fpu *fpu)
{
    memset(fpu, 0, sizeof(*fpu));
}
