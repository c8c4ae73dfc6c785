/* RISC-V 64 (RV64GC, S-mode under OpenSBI): types arch.h asks every port for. */
#pragma once

#include <types.h>

#define ARCH_NAME "riscv64"
#define ARCH_PAGE_SHIFT 12

/* Sv48: four levels of 512 entries. */
#define ARCH_PT_LEVELS 4
#define ARCH_ELF_MACHINE 243    /* EM_RISCV */

/* Register frame saved by trap.S; x[0] is unused, x[2] is the interrupted sp.
 * Offsets are mirrored in trap.S (REG_* there). */
struct arch_regs {
    uint64_t x[32];
    uint64_t sepc;
    uint64_t sstatus;
    uint64_t scause;
    uint64_t stval;
};

/* An address space: the satp value (mode Sv48, ASID, root PPN). */
struct arch_aspace {
    uint64_t satp;
    bool untagged;      /* ASID 0 (the hart has none): a switch flushes (mmu.c) */
};

/* arch_aspace_activate, inline (arch.h): a tagged space's satp written;
 * an untagged one (no ASIDs) out of line, with its flush. */
#define ARCH_ASPACE_INLINE 1
void riscv_aspace_activate_untagged(const struct arch_aspace *as);
static inline void arch_aspace_activate_inline(const struct arch_aspace *as)
{
    if (__builtin_expect(as->untagged, 0))
        riscv_aspace_activate_untagged(as);
    else
        __asm__ volatile("csrw satp, %0" : : "r"(as->satp) : "memory");
}

typedef uint64_t arch_pte_t;

/* The entry tests of a page-table walk, inline (arch.h, ARCH_PTE_INLINE):
 * kernel/vm.c's walks then make no call per level. */
#define ARCH_PTE_INLINE 1
#define RISCV_PTE_V (1u << 0)
#define RISCV_PTE_RWX (7u << 1)            /* R, W, X: none set is a table */
#define RISCV_PTE_PPN_SHIFT 10
#define RISCV_PTE_RD (1u << 1)
#define RISCV_PTE_WR (1u << 2)
#define RISCV_PTE_EX (1u << 3)
#define RISCV_PTE_U (1u << 4)
#define RISCV_PTE_A (1u << 6)
#define RISCV_PTE_D (1u << 7)

static inline bool arch_pte_valid(arch_pte_t pte)
{
    return pte & RISCV_PTE_V;
}

static inline bool arch_pte_is_table(arch_pte_t pte)
{
    return (pte & (RISCV_PTE_V | RISCV_PTE_RWX)) == RISCV_PTE_V;
}

static inline uint64_t arch_pte_addr(arch_pte_t pte)
{
    return (pte >> RISCV_PTE_PPN_SHIFT) << ARCH_PAGE_SHIFT;
}

static inline arch_pte_t arch_pte_leaf(uint64_t pa, uint32_t rights)
{
    uint64_t f = RISCV_PTE_V | RISCV_PTE_A | RISCV_PTE_D;
    f |= (rights & PTE_R) ? RISCV_PTE_RD : 0;
    f |= (rights & PTE_W) ? RISCV_PTE_WR | RISCV_PTE_RD : 0; /* W without R is reserved */
    f |= (rights & PTE_X) ? RISCV_PTE_EX : 0;
    f |= (rights & PTE_USER) ? RISCV_PTE_U : 0;
    /* PTE_DEVICE needs no bits: Sv39 without Svpbmt takes the attributes
     * from the platform's PMAs, which make device regions uncached I/O. */
    return (pa >> ARCH_PAGE_SHIFT) << RISCV_PTE_PPN_SHIFT | f;
}

static inline uint32_t arch_pte_rights(arch_pte_t pte)
{
    return ((pte & RISCV_PTE_RD) ? PTE_R : 0) | ((pte & RISCV_PTE_WR) ? PTE_W : 0) |
           ((pte & RISCV_PTE_EX) ? PTE_X : 0) | ((pte & RISCV_PTE_U) ? PTE_USER : 0);
}

/* A thread's floating-point registers: f0-f31 (D: 64 bits) and fcsr, as
 * arch/riscv/fpu.S stores them. */
struct arch_fpu {
    uint64_t f[32];
    uint64_t fcsr;
};

/* The fast path's return (trap.S) sets riscv_user_frame itself:
 * kernel/fastpath.c skips arch_set_user_frame. */
#define ARCH_FASTPATH_SETS_USER_FRAME 1
/* FP registers switch lazily (arch.h): sstatus.FS Off makes another
 * thread's first FP instruction an illegal-instruction trap (user.c). */
#define ARCH_FPU_LAZY 1
/* On the CPU, inline (arch.h, ARCH_FPU_ACCESS_INLINE): the return to user
 * mode keeps the CPU's FS (trap.S).  While FS is Off for another thread,
 * riscv_fpu_owner_fs (user.c) keeps the owner's (Clean or Dirty): the owner
 * gets it back, and fpu.S reads it to tell whether the owner's registers
 * must be stored. */
#define ARCH_FPU_ACCESS_INLINE 1
#define RISCV_SSTATUS_FS (3ull << 13)           /* Off, Initial, Clean, Dirty */
#define RISCV_SSTATUS_FS_CLEAN (2ull << 13)
extern uint64_t riscv_fpu_owner_fs;
static inline void arch_fpu_access(struct arch_regs *regs, bool on)
{
    (void)regs;
    uint64_t fs;
    __asm__ volatile("csrr %0, sstatus" : "=r"(fs));
    fs &= RISCV_SSTATUS_FS;
    if (on && !fs) {
        uint64_t v = riscv_fpu_owner_fs ? riscv_fpu_owner_fs : RISCV_SSTATUS_FS_CLEAN;
        __asm__ volatile("csrs sstatus, %0" : : "r"(v));
    } else if (!on && fs) {
        riscv_fpu_owner_fs = fs;
        __asm__ volatile("csrc sstatus, %0" : : "r"(RISCV_SSTATUS_FS));
    }
}

/* The fast path's UTCB word copy (kernel/fastpath.c): trap.S's unrolled
 * load/store run, entered at the pair that leaves n (at most 60, the words
 * beyond the four registers); a call, made directly.  It takes the UTCBs'
 * mr arrays and the whole count, which the fast path has at hand (to and
 * from are &mr[4], n = words - 4: the compiler folds the arithmetic). */
#define ARCH_COPY_WORDS_MAX 60
#define ARCH_COPY_WORDS_IS_CALL 1
void riscv_copy_mr(uint64_t *to, const uint64_t *from, uint32_t words);
#define ARCH_COPY_WORDS(to, from, n) riscv_copy_mr((to) - 4, (from) - 4, (n) + 4)

/* The privileged spec lets the walker cache invalid entries, and asks for
 * SFENCE.VMA after an invalid entry becomes valid (arch/riscv/mmu.c). */
#define ARCH_NEW_PTE_FENCE 1
/* ... and arch_pt_fence_new is inline (arch.h, ARCH_PT_FENCE_INLINE): the
 * one-page map fences its new leaf without a call.  The privileged spec
 * ("SFENCE.VMA"): a fence with an address orders and drops only the leaf
 * entries for that address, so a new leaf is fenced by address and ASID,
 * and a new table (a non-leaf entry) by ASID alone.  User tables carry no
 * G bit, so the ASID covers them.  A new table is rare (one per 2 MiB,
 * 1 GiB or 512 GiB region first mapped); a new leaf costs one fence of one
 * page. */
#define ARCH_PT_FENCE_INLINE 1
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK 0xffffull
static inline void arch_pt_fence_new(const struct arch_aspace *as, uintptr_t va, bool leaf)
{
    uint64_t asid = (as->satp >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
    if (leaf)
        __asm__ volatile("sfence.vma %0, %1" :: "r"(va), "r"(asid) : "memory");
    else
        __asm__ volatile("sfence.vma x0, %0" :: "r"(asid) : "memory");
}

/* Port facts arch.h checks.  Word width; the user-space window [base, end)
 * and the width of user addresses (Sv48: the lower half of 48-bit addresses (bit 47 set is the upper half));
 * the frame's resume address and stack pointer. */
#define ARCH_WORD_BITS 64
#define ARCH_USER_BASE 0x0000008000000000ull   /* 512 GiB: below it the kernel's 1:1 map */
#define ARCH_USER_END 0x0000800000000000ull    /* 128 TiB, the same window on every port */
#define ARCH_USER_VA_BITS 47
#define ARCH_REGS_IP_OFFSET offsetof(struct arch_regs, sepc)
#define ARCH_REGS_SP_OFFSET offsetof(struct arch_regs, x[2])

/* System-call registers (arch.h): selector and words 0-7. */
#define ARCH_SYSCALL_NUMBER_OFFSET offsetof(struct arch_regs, x[5])
#define ARCH_SYSCALL_WORD_OFF_(i) offsetof(struct arch_regs, x[10 + (i)])
#define ARCH_SYSCALL_WORD_OFFSETS { ARCH_SYSCALL_WORD_OFF_(0), ARCH_SYSCALL_WORD_OFF_(1), \
    ARCH_SYSCALL_WORD_OFF_(2), ARCH_SYSCALL_WORD_OFF_(3), ARCH_SYSCALL_WORD_OFF_(4), \
    ARCH_SYSCALL_WORD_OFF_(5), ARCH_SYSCALL_WORD_OFF_(6), ARCH_SYSCALL_WORD_OFF_(7) }
