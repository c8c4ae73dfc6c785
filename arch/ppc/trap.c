/* Trap set-up and decoding: install the vectors, sort each interrupt into
 * the timer, a fault for kernel_exception(), or a fatal surprise. */
#include <kernel.h>
#include <kstack.h>
#include <keelbase/string.h>
#include <ppc.h>
#include <print.h>

/* Interrupt vectors (real addresses; ISA 3.0 book III chapter 7). */
#define VEC_SRESET   0x100
#define VEC_MCHECK   0x200
#define VEC_DSI      0x300
#define VEC_DSEG     0x380
#define VEC_ISI      0x400
#define VEC_ISEG     0x480
#define VEC_EXTERNAL 0x500
#define VEC_ALIGN    0x600
#define VEC_PROGRAM  0x700
#define VEC_FPU      0x800
#define VEC_DEC      0x900
#define VEC_HDEC     0x980
#define VEC_SYSCALL  0xc00
#define VEC_HDSI     0xe00
#define VEC_HISI     0xe20
#define VEC_HEA      0xe40
#define VEC_HMI      0xe60
#define VEC_HVIRT    0xea0
#define VEC_VMX      0xf20      /* vector unavailable */
#define VEC_VSX      0xf40      /* VSX unavailable */

/* Program-interrupt reasons in SRR1 (little-endian bit numbers). */
#define SRR1_PROG_FPE   (1ull << 20)
#define SRR1_PROG_ILL   (1ull << 19)
#define SRR1_PROG_PRIV  (1ull << 18)
#define SRR1_PROG_TRAP  (1ull << 17)
/* Machine check reasons in SRR1: a load/store (not a fetch) error, and of
 * those, a store (the encoding QEMU >= 8.1 uses for a bad real address). */
#define SRR1_MC_LOADSTORE (1ull << 21)
#define SRR1_MC_STORE     (1ull << 20)
/* DSISR: the access was a store. */
#define DSISR_STORE     (1ull << 25)

#define CACHE_LINE 128      /* POWER9 L1 line size */

_Static_assert(offsetof(struct arch_regs, nip) == REGS_NIP, "REGS_NIP");
_Static_assert(offsetof(struct arch_regs, msr) == REGS_MSR, "REGS_MSR");
_Static_assert(offsetof(struct arch_regs, lr) == REGS_LR, "REGS_LR");
_Static_assert(offsetof(struct arch_regs, ctr) == REGS_CTR, "REGS_CTR");
_Static_assert(offsetof(struct arch_regs, cr) == REGS_CR, "REGS_CR");
_Static_assert(offsetof(struct arch_regs, xer) == REGS_XER, "REGS_XER");
_Static_assert(offsetof(struct arch_regs, dar) == REGS_DAR, "REGS_DAR");
_Static_assert(offsetof(struct arch_regs, dsisr) == REGS_DSISR, "REGS_DSISR");
_Static_assert(offsetof(struct arch_regs, vector) == REGS_VECTOR, "REGS_VECTOR");
_Static_assert(offsetof(struct arch_regs, hsrr) == REGS_HSRR, "REGS_HSRR");
_Static_assert(sizeof(struct arch_regs) == REGS_SIZE, "REGS_SIZE");

extern char __vectors_start[], __vectors_end[];

/* Make freshly written instructions at [p, p + len) visible to fetch. */
static void sync_icache(uintptr_t p, size_t len)
{
    for (uintptr_t a = ALIGN_DOWN(p, CACHE_LINE); a < p + len; a += CACHE_LINE)
        __asm__ volatile("dcbst 0, %0" :: "r"(a) : "memory");
    __asm__ volatile("sync" ::: "memory");
    for (uintptr_t a = ALIGN_DOWN(p, CACHE_LINE); a < p + len; a += CACHE_LINE)
        __asm__ volatile("icbi 0, %0" :: "r"(a) : "memory");
    __asm__ volatile("sync; isync" ::: "memory");
}

void arch_trap_init(void)
{
    /* The block is laid out as at real address 0; the first vector is at
     * 0x100, and real address 0 itself is left alone. */
    uintptr_t dst = VEC_SRESET;
    size_t len = (size_t)(__vectors_end - __vectors_start) - VEC_SRESET;
    __asm__("" : "+r"(dst));    /* a real address, not a C object */
    memcpy((void *)dst, __vectors_start + VEC_SRESET, len);
    sync_icache(dst, len);
    ppc_cpu_init();
    ppc_xive_init();
}

static struct fault_info decode(const struct arch_regs *r)
{
    struct fault_info f = {
        .kind = FAULT_OTHER, .ip = r->nip, .arch_code = r->vector,
        .from_user = (r->msr & MSR_PR) != 0,
    };
    switch (r->vector) {
    case VEC_DSI:
        f.kind = r->dsisr & DSISR_STORE ? FAULT_PAGE_WRITE : FAULT_PAGE_READ;
        f.addr = r->dar;
        break;
    case VEC_DSEG:      /* outside every radix tree; direction unknown */
        f.kind = FAULT_PAGE_READ;
        f.addr = r->dar;
        break;
    case VEC_ISI:
    case VEC_ISEG:
    case VEC_HISI:
        f.kind = FAULT_PAGE_EXEC;
        f.addr = r->nip;
        break;
    case VEC_ALIGN:
        f.kind = FAULT_MISALIGNED;
        f.addr = r->dar;
        break;
    case VEC_PROGRAM:
        if (r->msr & SRR1_PROG_TRAP)
            f.kind = FAULT_BREAKPOINT;
        else if (r->msr & (SRR1_PROG_ILL | SRR1_PROG_PRIV))
            f.kind = FAULT_ILLEGAL_INSN;
        break;
    case VEC_MCHECK:
        /* A load or store to a real address with nothing behind it (real
         * POWER9, QEMU >= 8.1) is a bad memory access like a DSI. */
        if (r->msr & SRR1_MC_LOADSTORE) {
            f.kind = r->msr & SRR1_MC_STORE ? FAULT_PAGE_WRITE : FAULT_PAGE_READ;
            f.addr = r->dar;
        }
        break;
    case VEC_HEA:       /* POWER9 reports illegal instructions here, not 0x700 */
        f.kind = FAULT_ILLEGAL_INSN;
        break;
    }
    return f;
}

/* Handle one interrupt: the timer, a system call, or a fault for
 * kernel_exception(). */
static void dispatch(struct arch_regs *regs)
{
    switch (regs->vector) {
    case VEC_DEC:
        ppc_timer_interrupt(regs);
        return;
    case VEC_HVIRT:
        ppc_xive_interrupt(regs);
        return;
    case VEC_EXTERNAL:
        /* XIVE signals the hypervisor ring (0xea0), never the OS ring. */
        arch_regs_dump(regs);
        panic("unexpected external interrupt (vector 0x%llx)",
              (unsigned long long)regs->vector);
    case VEC_FPU:
    case VEC_VMX:
    case VEC_VSX:
        /* MSR[FP,VEC,VSX] clear: another thread owns the registers. */
        if (regs->msr & MSR_PR) {
            kernel_fpu_trap(regs);
            return;
        }
        break;
    case VEC_SYSCALL:
        /* sc (LEV = 0) from problem state: SRR0 is already past it, and
         * MSR[HV] stayed 1, so rfid returns. */
        if (regs->msr & MSR_PR) {
            kernel_syscall(regs);
            return;
        }
        break;
    }
    struct fault_info f = decode(regs);
    kernel_exception(regs, &f);
}

/* The kernel runs untranslated, so nothing faults when its stack overflows
 * (docs/ports/ppc.md): a trap taken in the kernel checks that its frame
 * did not land in the guard below the stack and that the canary there is
 * intact; a return to user mode checks the canary.  An entry from user mode
 * needs no check: nothing ran in the kernel since the last return. */
static void check_kernel_stack(const struct arch_regs *regs)
{
    if (kstack_guard_hit((uintptr_t)regs))
        kstack_overflow(regs->nip, (uintptr_t)regs);
    kstack_canary_check();
}

void ppc_trap(struct arch_regs *regs)
{
    bool from_user = (regs->msr & MSR_PR) != 0;   /* regs may be gone after */
    if (!from_user)
        check_kernel_stack(regs);
    dispatch(regs);
    if (from_user) {
        struct arch_regs *next = kernel_user_resume();
        kstack_canary_check();
        arch_return_to_user(next);
    }
}

static const char *vector_name(uint64_t v)
{
    static const struct { uint16_t vec; const char *name; } names[] = {
        { VEC_SRESET, "system reset" }, { VEC_MCHECK, "machine check" },
        { VEC_DSI, "data storage" }, { VEC_DSEG, "data segment" },
        { VEC_ISI, "instruction storage" }, { VEC_ISEG, "instruction segment" },
        { VEC_EXTERNAL, "external" }, { VEC_ALIGN, "alignment" },
        { VEC_PROGRAM, "program" }, { VEC_FPU, "FP unavailable" },
        { VEC_DEC, "decrementer" }, { VEC_HDEC, "hypervisor decrementer" },
        { VEC_SYSCALL, "system call" }, { VEC_HDSI, "hypervisor data storage" },
        { VEC_HISI, "hypervisor instruction storage" },
        { VEC_HEA, "hypervisor emulation assistance" },
        { VEC_HMI, "hypervisor maintenance" }, { VEC_HVIRT, "hypervisor virtualization" },
        { VEC_VMX, "vector unavailable" }, { VEC_VSX, "VSX unavailable" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].vec == v)
            return names[i].name;
    return "unexpected vector";
}

void arch_regs_dump(const struct arch_regs *r)
{
    typedef unsigned long long ull;
    kprintf("    vector 0x%03llx (%s), via %s\n", (ull)r->vector, vector_name(r->vector),
            r->hsrr ? "HSRR0/1" : "SRR0/1");
    kprintf("    nip %016llx  msr %016llx  lr  %016llx\n", (ull)r->nip, (ull)r->msr,
            (ull)r->lr);
    kprintf("    ctr %016llx  xer %016llx  cr  %08llx\n", (ull)r->ctr, (ull)r->xer,
            (ull)r->cr);
    kprintf("    dar %016llx  dsisr %08llx\n", (ull)r->dar, (ull)r->dsisr);
    for (int i = 0; i < 32; i += 4)
        kprintf("    r%-2d %016llx  r%-2d %016llx  r%-2d %016llx  r%-2d %016llx\n",
                i, (ull)r->gpr[i], i + 1, (ull)r->gpr[i + 1], i + 2, (ull)r->gpr[i + 2],
                i + 3, (ull)r->gpr[i + 3]);
}

/*
 * The kernel runs in hypervisor real mode, where nothing is "unmapped", and
 * QEMU 7.2's powernv9 answers a load from an unassigned real address with 0
 * and no exception (checked at 0x40000000, 0x100000000000, 0x6000000000000;
 * real POWER9 and QEMU >= 8.1 raise a machine check instead, decoded above).
 * A plain misaligned ld does not fault either.  What does fault everywhere
 * is a load-and-reserve from a misaligned address (ISA 3.0: alignment
 * interrupt), and arch_probe_read loads with ldarx: so the bad address is
 * one byte into the kernel image.
 */
#define BAD_ADDR_MISALIGN 1

extern char __kernel_start[];

uintptr_t arch_bad_address(void)
{
    return (uintptr_t)__kernel_start + BAD_ADDR_MISALIGN;
}
