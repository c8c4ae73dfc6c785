/* AArch64 port: the types and constants arch.h asks every port for.
 * Also included from assembly (through arch_asm.h) for the frame offsets. */
#pragma once

#define ARCH_NAME "aarch64"
#define ARCH_PAGE_SHIFT 12          /* 4 KiB translation granule */
#define ARCH_PT_LEVELS 4            /* 48-bit VA, 4 KiB granule: levels 0-3, 9 bits each */
#define ARCH_ELF_MACHINE 183        /* EM_AARCH64 */

/* Byte offsets into struct arch_regs, for trap.S (checked in trap.c). */
#define REGS_X(n) ((n) * 8)         /* x0..x30 */
#define REGS_SP 248
#define REGS_ELR 256
#define REGS_SPSR 264
#define REGS_ESR 272
#define REGS_FAR 280
#define REGS_SIZE 288               /* multiple of 16: sp stays aligned */

#ifndef __ASSEMBLY__
/* Trap frame: everything the vectors save, in this order. */
struct arch_regs {
    uint64_t x[31];                 /* x0..x30 (x29 = fp, x30 = lr) */
    uint64_t sp;                    /* sp at the time of the trap */
    uint64_t elr;                   /* ELR_EL1: where the trap resumes */
    uint64_t spsr;                  /* SPSR_EL1: PSTATE at the trap */
    uint64_t esr;                   /* ESR_EL1: syndrome (synchronous traps) */
    uint64_t far;                   /* FAR_EL1: faulting address (aborts) */
};

/* A user address space: TTBR0_EL1 is root | asid << 48 (16-bit ASIDs if the
 * CPU has them, 8-bit otherwise; ASID 0 is the kernel's boot table). */
struct arch_aspace {
    uint64_t root_pa;               /* level-0 table, 4 KiB aligned */
    uint16_t asid;
};

/* arch_aspace_activate, inline (arch.h): the table updates visible to the
 * walker (dsb), then TTBR0_EL1 with the ASID, isb. */
#define ARCH_ASPACE_INLINE 1
#define ARM_TTBR_ASID_SHIFT 48
static inline void arch_aspace_activate_inline(const struct arch_aspace *as)
{
    __asm__ volatile("dsb ish\n\tmsr ttbr0_el1, %0\n\tisb"
                     : : "r"(as->root_pa | (uint64_t)as->asid << ARM_TTBR_ASID_SHIFT) : "memory");
}

/* VMSAv8-64 stage-1 descriptor (4 KiB granule). */
typedef uint64_t arch_pte_t;

/* The entry tests of a page-table walk, inline (arch.h, ARCH_PTE_INLINE):
 * kernel/vm.c's walks then make no call per level. */
#define ARCH_PTE_INLINE 1
#define ARM_DESC_VALID (1ull << 0)
#define ARM_DESC_TABLE (1ull << 1)         /* at L0-L2: table; at L3: page */
#define ARM_DESC_ADDR_MASK 0x0000fffffffff000ull
#define ARM_DESC_ATTR(i) ((uint64_t)(i) << 2)   /* AttrIndx: MAIR slot */
#define ARM_DESC_AP_EL0 (1ull << 6)         /* AP[1]: EL0 may access */
#define ARM_DESC_AP_RO (1ull << 7)          /* AP[2]: read-only */
#define ARM_DESC_SH_INNER (3ull << 8)
#define ARM_DESC_AF (1ull << 10)            /* access flag (no hardware AF update) */
#define ARM_DESC_NG (1ull << 11)            /* not global: tagged with the ASID */
#define ARM_DESC_PXN (1ull << 53)
#define ARM_DESC_UXN (1ull << 54)
#define ARM_MAIR_DEVICE 0                   /* MAIR_EL1 slots: Device-nGnRnE */
#define ARM_MAIR_NORMAL 1                   /* Normal, write-back RW-allocate */

static inline bool arch_pte_valid(arch_pte_t pte)
{
    return pte & ARM_DESC_VALID;
}

/* Only asked about L0-L2 entries (at L3 the same bits mean "page"). */
static inline bool arch_pte_is_table(arch_pte_t pte)
{
    return (pte & (ARM_DESC_VALID | ARM_DESC_TABLE)) == (ARM_DESC_VALID | ARM_DESC_TABLE);
}

static inline uint64_t arch_pte_addr(arch_pte_t pte)
{
    return pte & ARM_DESC_ADDR_MASK;
}

/* A page descriptor (L3); arch_pte_leaf_at (mmu.c) makes blocks of it. */
static inline arch_pte_t arch_pte_leaf(uint64_t pa, uint32_t rights)
{
    arch_pte_t pte = (pa & ARM_DESC_ADDR_MASK) | ARM_DESC_VALID | ARM_DESC_TABLE |
                     ARM_DESC_AF | ARM_DESC_UXN |
                     ((rights & PTE_DEVICE) ? ARM_DESC_ATTR(ARM_MAIR_DEVICE)
                                            : ARM_DESC_ATTR(ARM_MAIR_NORMAL) | ARM_DESC_SH_INNER);
    if (!(rights & PTE_W))
        pte |= ARM_DESC_AP_RO;
    if (rights & PTE_USER) {
        pte |= ARM_DESC_AP_EL0 | ARM_DESC_NG | ARM_DESC_PXN;
        if (rights & PTE_X)
            pte &= ~ARM_DESC_UXN;
    } else if (!(rights & PTE_X)) {
        pte |= ARM_DESC_PXN;
    }
    return pte;
}

static inline uint32_t arch_pte_rights(arch_pte_t pte)
{
    uint32_t rights = PTE_R;
    if (!(pte & ARM_DESC_AP_RO))
        rights |= PTE_W;
    if (pte & ARM_DESC_AP_EL0) {
        rights |= PTE_USER;
        if (!(pte & ARM_DESC_UXN))
            rights |= PTE_X;
    } else if (!(pte & ARM_DESC_PXN)) {
        rights |= PTE_X;
    }
    return rights;
}

/* A thread's FP/SIMD registers: FPCR, FPSR, V0-V31 (128 bits each), as
 * arch/arm/fpu.S stores them. */
struct arch_fpu {
    uint64_t fpcr, fpsr;
    uint64_t v[32][2];
} __attribute__((aligned(16)));
#endif

/* The fast path's return (trap.S) sets TPIDR_EL1 itself:
 * kernel/fastpath.c skips arch_set_user_frame. */
#define ARCH_FASTPATH_SETS_USER_FRAME 1
/* FP/SIMD registers switch lazily (arch.h): CPACR_EL1.FPEN traps EL0's
 * first use (ESR EC 0x07) while another thread owns them (user.c). */
#define ARCH_FPU_LAZY 1
#ifndef __ASSEMBLY__
/* The CPU's, not the frame's, inline (arch.h, ARCH_FPU_ACCESS_INLINE):
 * write CPACR_EL1 only when it changes.  The eret into the thread
 * synchronizes the context, so no isb is needed; the kernel (EL1,
 * arch_fpu_switch) is never trapped either way. */
#define ARCH_FPU_ACCESS_INLINE 1
#define CPACR_FPEN_NONE (3u << 20)      /* FPEN = 0b11: no FP/SIMD trap at EL0 or EL1 */
#define CPACR_FPEN_EL0 (1u << 20)       /* FPEN = 0b01: EL0 traps (EC 0x07), EL1 does not */
extern bool arm_fpu_user_on;            /* what CPACR_EL1.FPEN says for EL0 now (user.c) */
static inline void arch_fpu_access(struct arch_regs *regs, bool on)
{
    (void)regs;
    if (on == arm_fpu_user_on)
        return;
    arm_fpu_user_on = on;
    uint64_t v = on ? CPACR_FPEN_NONE : CPACR_FPEN_EL0;
    __asm__ volatile("msr cpacr_el1, %0" : : "r"(v) : "memory");
}
#endif
/* The fast path's return has no dsb (trap.S, fast_return): after a map
 * item, page-table stores complete before user code walks them (arch.h). */
#define ARCH_PT_STORES_VISIBLE() __asm__ volatile("dsb ish" ::: "memory")

/* The fast path's UTCB word copy (kernel/fastpath.c): trap.S's unrolled
 * ldp/stp run, entered at the pair that leaves the message's end (at most
 * 60 words, those beyond the four registers); a call, made directly.  It
 * takes the UTCBs' mr arrays and the whole count, which the fast path has
 * at hand (to and from are &mr[4], n = words - 4: the compiler folds the
 * arithmetic). */
#define ARCH_COPY_WORDS_MAX 60
#define ARCH_COPY_WORDS_IS_CALL 1
#ifndef __ASSEMBLY__
void arm_copy_mr(uint64_t *to, const uint64_t *from, uint32_t words);
#endif
#define ARCH_COPY_WORDS(to, from, n) arm_copy_mr((to) - 4, (from) - 4, (n) + 4)

/* Port facts arch.h checks.  Word width; the user-space window [base, end)
 * and the width of user addresses (TTBR0 with T0SZ = 16: 48-bit addresses, 4 levels);
 * the frame's resume address and stack pointer. */
#define ARCH_WORD_BITS 64
#define ARCH_USER_BASE 0x0000008000000000ull   /* 512 GiB: below it the kernel's 1:1 map */
#define ARCH_USER_END 0x0000800000000000ull    /* 128 TiB, the same window on every port */
#define ARCH_USER_VA_BITS 48
#define ARCH_REGS_IP_OFFSET offsetof(struct arch_regs, elr)
#define ARCH_REGS_SP_OFFSET offsetof(struct arch_regs, sp)

/* System-call registers (arch.h): selector and words 0-7. */
#define ARCH_SYSCALL_NUMBER_OFFSET offsetof(struct arch_regs, x[8])
#define ARCH_SYSCALL_WORD_OFF_(i) offsetof(struct arch_regs, x[(i)])
#define ARCH_SYSCALL_WORD_OFFSETS { ARCH_SYSCALL_WORD_OFF_(0), ARCH_SYSCALL_WORD_OFF_(1), \
    ARCH_SYSCALL_WORD_OFF_(2), ARCH_SYSCALL_WORD_OFF_(3), ARCH_SYSCALL_WORD_OFF_(4), \
    ARCH_SYSCALL_WORD_OFF_(5), ARCH_SYSCALL_WORD_OFF_(6), ARCH_SYSCALL_WORD_OFF_(7) }
