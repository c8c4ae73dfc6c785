/* POWER9 little-endian (ELFv2) types and constants for <arch.h>.
 * The REGS_* offsets are shared with trap.S; trap.c checks them. */
#pragma once

#define ARCH_NAME "ppc64le"
#define ARCH_PAGE_SHIFT 12
#define ARCH_ELF_MACHINE 21     /* EM_PPC64 */
/* The kernel runs in real mode, so the guard page below its stack cannot
 * fault: it holds a canary that trap.c checks (kernel/include/kstack.h). */
#define ARCH_KSTACK_CANARY 1
/* The kernel drives XIVE and LPC pages the device tree does not mark:
 * arch_device_regions is the port's (xive.c), not kernel/device.c's. */
#define ARCH_DEVICE_REGIONS 1

/* Offsets in struct arch_regs, for assembly. */
#define REGS_GPR(n)  ((n) * 8)
#define REGS_NIP     256
#define REGS_MSR     264
#define REGS_LR      272
#define REGS_CTR     280
#define REGS_CR      288
#define REGS_XER     296
#define REGS_DAR     304
#define REGS_DSISR   312
#define REGS_VECTOR  320
#define REGS_HSRR    328
#define REGS_SIZE    336

/* Radix tree of a 52-bit user address space with 4 KiB pages: 13 + 9 + 9 + 9
 * index bits above the 12-bit page offset. */
#define ARCH_PT_LEVELS 4

#ifndef __ASSEMBLY__
#include <types.h>

/* The frame trap.S saves on every interrupt. */
struct arch_regs {
    uint64_t gpr[32];   /* r0..r31 as they were at the interrupt */
    uint64_t nip;       /* SRR0 or HSRR0: interrupted / resume address */
    uint64_t msr;       /* SRR1 or HSRR1: MSR at the interrupt plus cause bits */
    uint64_t lr, ctr, cr, xer;
    uint64_t dar, dsisr;  /* data address and cause of a storage interrupt */
    uint64_t vector;    /* interrupt vector offset: 0x300, 0x900, 0xe40... */
    uint64_t hsrr;      /* 1: came through HSRR0/1 and returns with hrfid */
};

/*
 * A user address space under radix translation: the kernel stays the
 * hypervisor (LPID 0, MMU off for itself); each user address space is one
 * process-table entry, selected by PIDR = pid, whose root is a radix tree.
 * The PID tags the TLB entries, so switching needs no flush.
 */
struct arch_aspace {
    uint64_t root_pa;   /* physical address of the level-0 radix table */
    uint32_t pid;       /* PIDR value and process-table index: the TLB tag */
};

/* arch_aspace_activate, inline (arch.h): PIDR (SPR 48) selects the user
 * radix tree and tags the TLB; isync. */
#define ARCH_ASPACE_INLINE 1
#define PPC_SPR_PID 48
static inline void arch_aspace_activate_inline(const struct arch_aspace *as)
{
    __asm__ volatile("mtspr %0, %1\n\tisync" : : "i"(PPC_SPR_PID), "r"((uint64_t)as->pid)
                     : "memory");
}

/* A radix page-table entry; note that the MMU reads them big-endian. */
typedef uint64_t arch_pte_t;

/* The entry tests of a page-table walk, inline (arch.h, ARCH_PTE_INLINE):
 * kernel/vm.c's walks then make no call per level. */
#define ARCH_PTE_INLINE 1
#define PPC_PTE_VALID (1ull << 63)
#define PPC_PTE_LEAF (1ull << 62)
#define PPC_PTE_RPN 0x01fffffffffff000ull  /* leaf: real page number */
#define PPC_RPDB_MASK 0x0fffffffffffff00ull /* table: next-level base */
#define PPC_PTE_REF (1ull << 8)             /* R: preset, so QEMU never stores */
#define PPC_PTE_CHG (1ull << 7)             /* C: ditto */
#define PPC_PTE_ATT_IO (2ull << 4)          /* ATT 0b10: non-idempotent I/O (cache-inhibited, guarded) */
#define PPC_PTE_PRIV (1ull << 3)            /* no problem-state access */
#define PPC_PTE_READ (1ull << 2)
#define PPC_PTE_WRITE (1ull << 1)
#define PPC_PTE_EXEC (1ull << 0)

/* Entries are big-endian; the kernel runs little-endian. */
static inline bool arch_pte_valid(arch_pte_t pte)
{
    return (__builtin_bswap64(pte) & PPC_PTE_VALID) != 0;
}

static inline bool arch_pte_is_table(arch_pte_t pte)
{
    return (__builtin_bswap64(pte) & (PPC_PTE_VALID | PPC_PTE_LEAF)) == PPC_PTE_VALID;
}

static inline uint64_t arch_pte_addr(arch_pte_t pte)
{
    uint64_t v = __builtin_bswap64(pte);
    return v & (v & PPC_PTE_LEAF ? PPC_PTE_RPN : PPC_RPDB_MASK);
}

static inline arch_pte_t arch_pte_leaf(uint64_t pa, uint32_t rights)
{
    uint64_t pte = PPC_PTE_VALID | PPC_PTE_LEAF | (pa & PPC_PTE_RPN) | PPC_PTE_REF | PPC_PTE_CHG;
    if (rights & PTE_R)
        pte |= PPC_PTE_READ;
    if (rights & PTE_W)
        pte |= PPC_PTE_WRITE;
    if (rights & PTE_X)
        pte |= PPC_PTE_EXEC;
    if (!(rights & PTE_USER))
        pte |= PPC_PTE_PRIV;
    if (rights & PTE_DEVICE)
        pte |= PPC_PTE_ATT_IO;
    return __builtin_bswap64(pte);
}

static inline uint32_t arch_pte_rights(arch_pte_t pte)
{
    uint64_t v = __builtin_bswap64(pte);
    return (v & PPC_PTE_READ ? PTE_R : 0) | (v & PPC_PTE_WRITE ? PTE_W : 0) |
           (v & PPC_PTE_EXEC ? PTE_X : 0) | (v & PPC_PTE_PRIV ? 0 : PTE_USER);
}

/* A thread's FP, VMX and VSX registers: VSR0-63 (FPR n is the high half of
 * VSR n, VR n is VSR 32 + n), FPSCR, VRSAVE and VSCR, as arch/ppc/fpu.S
 * stores them. */
struct arch_fpu {
    uint64_t vsr[64][2];
    uint64_t fpscr;
    uint64_t vrsave;
    uint64_t vscr[2];               /* as stored from a vector register */
} __attribute__((aligned(16)));
#endif

#ifndef __ASSEMBLY__
/* Device registers (kernel/include/mmio.h): the kernel runs untranslated,
 * so device accesses use the cache-inhibited forms. */
#define ARCH_MMIO_ACCESSORS 1

static inline uint8_t arch_mmio_read8(uintptr_t addr)
{
    uint8_t v;
    __asm__ volatile("lbzcix %0, 0, %1" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

static inline void arch_mmio_write8(uintptr_t addr, uint8_t v)
{
    __asm__ volatile("sync; stbcix %0, 0, %1" :: "r"(v), "r"(addr) : "memory");
}
#endif

/* The fast path's return (trap.S) sets the user frame itself:
 * kernel/fastpath.c skips arch_set_user_frame. */
#define ARCH_FASTPATH_SETS_USER_FRAME 1
/* FP/SIMD registers switch lazily (arch.h): MSR[FP,VEC,VSX] in each
 * frame say whether its thread owns them (user.c); interrupts 0x800, 0xf20
 * and 0xf40 report another thread's first use. */
#define ARCH_FPU_LAZY 1
#ifndef __ASSEMBLY__
/* In the frame, inline (arch.h, ARCH_FPU_ACCESS_INLINE): the return to
 * problem state takes MSR from it, and every interrupt clears the bits for
 * the kernel.  MSR[FP] | MSR[VEC] | MSR[VSX] (ppc_spr.h; user.c checks). */
#define ARCH_FPU_ACCESS_INLINE 1
#define PPC_MSR_FPU ((1ull << 13) | (1ull << 25) | (1ull << 23))
static inline void arch_fpu_access(struct arch_regs *regs, bool on)
{
    regs->msr = on ? regs->msr | PPC_MSR_FPU : regs->msr & ~PPC_MSR_FPU;
}
#endif
/* The fast path's return has no ptesync (trap.S, fast_return): after a
 * map item, page-table stores reach the table walk first (arch.h). */
#define ARCH_PT_STORES_VISIBLE() __asm__ volatile("ptesync" ::: "memory")

/* The fast path's UTCB word copy (kernel/fastpath.c): trap.S's unrolled
 * lq/stq run (two words a pair), entered at the pair that leaves n (at
 * most 60, the words beyond the four registers); a call, made directly.  It takes the UTCBs'
 * mr arrays and the whole count, which the fast path has at hand (to and
 * from are &mr[4], n = words - 4: the compiler folds the arithmetic). */
#define ARCH_COPY_WORDS_MAX 60
#define ARCH_COPY_WORDS_IS_CALL 1
#ifndef __ASSEMBLY__
void ppc_copy_mr(uint64_t *to, const uint64_t *from, uint32_t words);
#endif
/* lq/stq need mr[4] 16-byte aligned: the UTCB is a page, mr[4] 32 bytes in. */
#define ARCH_COPY_WORDS(to, from, n)                                                   \
    do {                                                                               \
        _Static_assert(__builtin_offsetof(struct keel_utcb, mr[4]) % 16 == 0,          \
                       "ppc_copy_mr's lq/stq: mr[4] quadword-aligned");                \
        ppc_copy_mr((to) - 4, (from) - 4, (n) + 4);                                    \
    } while (0)

/* Port facts arch.h checks.  Word width; the user-space window [base, end)
 * and the width of user addresses (radix with RTS 52: a 52-bit process address space);
 * the frame's resume address and stack pointer. */
#define ARCH_WORD_BITS 64
#define ARCH_USER_BASE 0x0000008000000000ull   /* 512 GiB: below it the kernel's 1:1 map */
#define ARCH_USER_END 0x0000800000000000ull    /* 128 TiB, the same window on every port */
#define ARCH_USER_VA_BITS 52
#define ARCH_REGS_IP_OFFSET offsetof(struct arch_regs, nip)
#define ARCH_REGS_SP_OFFSET offsetof(struct arch_regs, gpr[1])
/* ELFv2: a function's global entry computes its TOC pointer from r12, so
 * arch_regs_set_entry sets r12 too. */
#define ARCH_REGS_ENTRY_OFFSET offsetof(struct arch_regs, gpr[12])

/* System-call registers (arch.h): selector and words 0-7. */
#define ARCH_SYSCALL_NUMBER_OFFSET offsetof(struct arch_regs, gpr[0])
#define ARCH_SYSCALL_WORD_OFF_(i) offsetof(struct arch_regs, gpr[3 + (i)])
#define ARCH_SYSCALL_WORD_OFFSETS { ARCH_SYSCALL_WORD_OFF_(0), ARCH_SYSCALL_WORD_OFF_(1), \
    ARCH_SYSCALL_WORD_OFF_(2), ARCH_SYSCALL_WORD_OFF_(3), ARCH_SYSCALL_WORD_OFF_(4), \
    ARCH_SYSCALL_WORD_OFF_(5), ARCH_SYSCALL_WORD_OFF_(6), ARCH_SYSCALL_WORD_OFF_(7) }
