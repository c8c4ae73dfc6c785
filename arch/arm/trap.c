/* Trap dispatch: decode ESR_EL1 for synchronous exceptions, route IRQs from
 * the GIC, and print frames. */
#include <arm.h>
#include <kernel.h>
#include <print.h>

_Static_assert(offsetof(struct arch_regs, sp) == REGS_SP, "REGS_SP");
_Static_assert(offsetof(struct arch_regs, elr) == REGS_ELR, "REGS_ELR");
_Static_assert(offsetof(struct arch_regs, spsr) == REGS_SPSR, "REGS_SPSR");
_Static_assert(offsetof(struct arch_regs, esr) == REGS_ESR, "REGS_ESR");
_Static_assert(offsetof(struct arch_regs, far) == REGS_FAR, "REGS_FAR");
_Static_assert(sizeof(struct arch_regs) == REGS_SIZE, "REGS_SIZE");

/* Vector numbers as trap.S passes them: group * 4 + kind. */
enum { VEC_SYNC, VEC_IRQ, VEC_FIQ, VEC_SERROR };
enum { VGROUP_CUR_SP0, VGROUP_CUR_SPX, VGROUP_LOWER_A64, VGROUP_LOWER_A32 };
#define VEC_KIND(v) ((v) & 3)
#define VEC_GROUP(v) ((v) >> 2)

/* ESR_EL1 fields. */
#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define ESR_ISS(esr) ((esr) & 0x1ffffff)
#define ISS_DABT_WNR (1u << 6)          /* data abort caused by a write */
#define ISS_FSC(iss) ((iss) & 0x3f)     /* data/instruction fault status code */
#define FSC_LEVEL_KIND(fsc) ((fsc) >> 2)  /* for fsc < FSC_LEVELLED_END */
#define FSC_LEVEL(fsc) ((fsc) & 3)
#define FSC_LEVELLED_END 0x10
#define FSC_EXTERNAL 0x10
#define FSC_ALIGNMENT 0x21

/* Exception classes (ARM ARM D17.2.37). */
enum {
    EC_UNKNOWN = 0x00, EC_WFX = 0x01, EC_FP = 0x07, EC_ILLEGAL_STATE = 0x0e,
    EC_SVC64 = 0x15, EC_HVC64 = 0x16, EC_SMC64 = 0x17, EC_SYSREG = 0x18,
    EC_SVE = 0x19, EC_PAC = 0x1c, EC_IABT_LOWER = 0x20, EC_IABT_CUR = 0x21,
    EC_PC_ALIGN = 0x22, EC_DABT_LOWER = 0x24, EC_DABT_CUR = 0x25,
    EC_SP_ALIGN = 0x26, EC_SERROR = 0x2f, EC_BRK64 = 0x3c,
};

static const char *const ec_names[] = {
    [EC_UNKNOWN] = "unknown reason (undefined instruction)",
    [EC_WFX] = "trapped WFI/WFE", [EC_FP] = "FP/SIMD access trapped",
    [EC_ILLEGAL_STATE] = "illegal execution state", [EC_SVC64] = "SVC",
    [EC_HVC64] = "HVC", [EC_SMC64] = "SMC", [EC_SYSREG] = "trapped MSR/MRS",
    [EC_SVE] = "SVE access trapped", [EC_PAC] = "pointer authentication failure",
    [EC_IABT_LOWER] = "instruction abort from EL0",
    [EC_IABT_CUR] = "instruction abort from EL1", [EC_PC_ALIGN] = "PC alignment fault",
    [EC_DABT_LOWER] = "data abort from EL0", [EC_DABT_CUR] = "data abort from EL1",
    [EC_SP_ALIGN] = "SP alignment fault", [EC_SERROR] = "SError",
    [EC_BRK64] = "BRK instruction",
};

static const char *const vector_names[] = {
    "sync", "IRQ", "FIQ", "SError",
};

/* Nested traps deeper than this are a fault inside the fault path. */
#define TRAP_NEST_MAX 4
static uint32_t trap_depth;

static const char *ec_name(uint64_t ec)
{
    return ec < ARRAY_SIZE(ec_names) && ec_names[ec] ? ec_names[ec] : "other";
}

/* Fault status code of an abort, as a readable phrase. */
static void print_fsc(uint64_t fsc)
{
    static const char *const levelled[] = {
        "address size fault", "translation fault", "access flag fault", "permission fault",
    };
    if (fsc < FSC_LEVELLED_END)
        kprintf("    fault status 0x%02llx: %s, level %llu\n", (unsigned long long)fsc,
                levelled[FSC_LEVEL_KIND(fsc)], (unsigned long long)FSC_LEVEL(fsc));
    else
        kprintf("    fault status 0x%02llx: %s\n", (unsigned long long)fsc,
                fsc == FSC_EXTERNAL ? "synchronous external abort" :
                fsc == FSC_ALIGNMENT ? "alignment fault" : "other");
}

static enum fault_kind classify(uint64_t esr)
{
    uint64_t iss = ESR_ISS(esr);
    switch (ESR_EC(esr)) {
    case EC_UNKNOWN:
    case EC_ILLEGAL_STATE:
    case EC_SYSREG:
        return FAULT_ILLEGAL_INSN;
    case EC_DABT_LOWER:
    case EC_DABT_CUR:
        if (ISS_FSC(iss) == FSC_ALIGNMENT)
            return FAULT_MISALIGNED;
        return iss & ISS_DABT_WNR ? FAULT_PAGE_WRITE : FAULT_PAGE_READ;
    case EC_IABT_LOWER:
    case EC_IABT_CUR:
        return FAULT_PAGE_EXEC;
    case EC_PC_ALIGN:
    case EC_SP_ALIGN:
        return FAULT_MISALIGNED;
    case EC_BRK64:
        return FAULT_BREAKPOINT;
    default:
        return FAULT_OTHER;
    }
}

static bool is_abort(uint64_t ec)
{
    return ec == EC_IABT_LOWER || ec == EC_IABT_CUR || ec == EC_DABT_LOWER ||
           ec == EC_DABT_CUR;
}

/* FAR_EL1 is only meaningful for these; otherwise it is stale. */
static bool far_valid(uint64_t ec)
{
    return is_abort(ec) || ec == EC_PC_ALIGN;
}

static void sync_exception(struct arch_regs *regs, bool from_user)
{
    uint64_t ec = ESR_EC(regs->esr);
    struct fault_info f = {
        .kind = classify(regs->esr),
        .ip = regs->elr,
        .addr = far_valid(ec) ? regs->far : 0,
        .arch_code = regs->esr,
        .from_user = from_user,
    };
    kernel_exception(regs, &f);
}

static void irq(struct arch_regs *regs)
{
    uint32_t id = gic_ack();
    if (id == GIC_SPURIOUS)
        return;
    if (id == TIMER_VIRT_INTID) {
        /* Level-triggered: silence the source before ending the interrupt. */
        arch_timer_cancel();
        arch_irq_ack(id);
        kernel_timer_interrupt(regs);
        return;
    }
    kernel_irq(regs, id);
}

static noreturn void unexpected(struct arch_regs *regs, uint64_t vector)
{
    kprintf("\n*** unexpected %s exception (vector %llu)\n", vector_names[VEC_KIND(vector)],
            (unsigned long long)vector);
    arch_regs_dump(regs);
    panic("unexpected exception");
}

/* A trap from EL0: regs is the current thread's frame, the kernel stack is
 * empty, so no kernel trap can be in progress. */
noreturn void arm_user_trap(struct arch_regs *regs, uint64_t vector)
{
    trap_depth = 0;
    uint64_t kind = VEC_KIND(vector);
    if (VEC_GROUP(vector) != VGROUP_LOWER_A64)
        unexpected(regs, vector);
    if (kind == VEC_SYNC && ESR_EC(regs->esr) == EC_FP) {
        kernel_fpu_trap(regs);  /* FPEN off for EL0: another thread owns the registers */
    } else if (kind == VEC_SYNC)
        sync_exception(regs, true);
    else if (kind == VEC_IRQ)
        irq(regs);
    else
        unexpected(regs, vector);
    arch_return_to_user(kernel_user_resume());
}

/* An svc the IPC fast path did not take (trap.S, SVC_ENTRY: an svc never
 * comes to arm_user_trap).  ELR is past the svc; the frame's x9-x18, SPSR,
 * ESR and FAR are older values, which the system-call ABI allows. */
noreturn void arm_syscall_slow(struct arch_regs *regs)
{
    trap_depth = 0;
    kernel_syscall(regs);
    arch_return_to_user(kernel_user_resume());
}

void arm_trap(struct arch_regs *regs, uint64_t vector)
{
    if (++trap_depth > TRAP_NEST_MAX) {
        /* Not panic(): that path may be what keeps faulting. */
        kprintf("\n*** trap nesting too deep (vector %llu): stopping\n",
                (unsigned long long)vector);
        kernel_finish(EXIT_PANIC);
    }
    uint64_t kind = VEC_KIND(vector);
    bool known = VEC_GROUP(vector) == VGROUP_CUR_SPX;
    if (known && kind == VEC_SYNC)
        sync_exception(regs, false);
    else if (known && kind == VEC_IRQ)
        irq(regs);
    else
        unexpected(regs, vector);
    trap_depth--;
}

void arch_trap_init(void)
{
    extern const char arm_vectors[];
    __asm__ volatile("msr vbar_el1, %0; isb" : : "r"(arm_vectors) : "memory");
    gic_init();
    /* Let SErrors (asynchronous aborts) in, so they are reported, not lost. */
    __asm__ volatile("msr daifclr, #4" : : : "memory");
}

#define SPSR_MODE(s) ((s) & 0xf)        /* M[3:0]: EL and SP selection */
#define SPSR_DAIF(s) (((s) >> 6) & 0xf)

static const char *spsr_mode(uint64_t spsr)
{
    static const char *const modes[] = {
        [0x0] = "EL0t", [0x4] = "EL1t", [0x5] = "EL1h", [0x8] = "EL2t", [0x9] = "EL2h",
    };
    uint64_t m = SPSR_MODE(spsr);
    return m < ARRAY_SIZE(modes) && modes[m] ? modes[m] : "?";
}

void arch_regs_dump(const struct arch_regs *regs)
{
    uint64_t ec = ESR_EC(regs->esr);
    for (int i = 0; i < (int)ARRAY_SIZE(regs->x); i++)
        kprintf("%s x%-2d %016llx%s", i % 4 ? "" : "   ", i,
                (unsigned long long)regs->x[i], i % 4 == 3 || i == 30 ? "\n" : "  ");
    kprintf("    sp  %016llx   pc (elr) %016llx\n",
            (unsigned long long)regs->sp, (unsigned long long)regs->elr);
    kprintf("    spsr %08llx (%s, DAIF %llx)  far %016llx\n",
            (unsigned long long)regs->spsr, spsr_mode(regs->spsr),
            (unsigned long long)SPSR_DAIF(regs->spsr), (unsigned long long)regs->far);
    kprintf("    esr %08llx: EC 0x%02llx %s, ISS 0x%07llx\n",
            (unsigned long long)regs->esr, (unsigned long long)ec, ec_name(ec),
            (unsigned long long)ESR_ISS(regs->esr));
    if (is_abort(ec))
        print_fsc(ISS_FSC(ESR_ISS(regs->esr)));
}

void arch_irqs_enable(void)
{
    __asm__ volatile("msr daifclr, #2" : : : "memory");
}

void arch_irqs_disable(void)
{
    __asm__ volatile("msr daifset, #2" : : : "memory");
}

/* WFI wakes on a pending interrupt even while it is masked; unmasking then
 * takes it, so no interrupt can slip in between the check and the sleep. */
void arch_wait_for_interrupt(void)
{
    __asm__ volatile("wfi; msr daifclr, #2; isb; msr daifset, #2" : : : "memory");
}

/* An address no AArch64 translation regime accepts: with the MMU on, bit 54
 * is outside both the TTBR0 and the TTBR1 range (translation fault, level 0);
 * with it off (before arch_mmu_init), it is above the largest physical
 * address any CPU has (52 bits: address size fault).  Either way a
 * synchronous data abort on any board.  Bit 54 is below the top-byte-ignore
 * bits. */
#define BAD_ADDRESS ((uintptr_t)1 << 54)

uintptr_t arch_bad_address(void)
{
    return BAD_ADDRESS;
}
