/* x86-64 types and constants that generic code sees through <arch.h>. */
#pragma once

#define ARCH_NAME "x86_64"
#define ARCH_PAGE_SHIFT 12
#define ARCH_PT_LEVELS 4            /* PML4, PDPT, PD, PT: 48-bit virtual addresses */
#define ARCH_ELF_MACHINE 62         /* EM_X86_64 */

#ifndef __ASSEMBLY__
#include <types.h>

/*
 * The trap frame, lowest address first.  trap.S pushes the general registers
 * (rax lowest) on top of vector and error code; the CPU pushed error code
 * (or the stub a 0) and rip..ss.  Keep in step with trap.S and X86_FRAME_*.
 * A trap from ring 3 builds it in place in the thread's frame: the TSS's rsp0
 * points just past that frame, where the CPU pushes ss first.  The CPU
 * aligns rsp0 down to 16 bytes, hence the alignment.
 */
struct arch_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector;                /* IDT vector taken, or X86_VEC_SYSCALL */
    uint64_t error;                 /* CPU error code, 0 if the vector has none */
    uint64_t rip, cs, rflags, rsp, ss; /* the CPU's interrupt frame */
} __attribute__((aligned(16)));

/* A user address space: PML4 physical address and its PCID (CR3 bits 0-11). */
struct arch_aspace {
    uint64_t pml4_pa;
    uint64_t cr3;       /* pml4_pa | pcid (if PCIDs are on): what its CR3 reads */
    uint16_t pcid;
    bool com1_io;       /* its tasks may use COM1's I/O ports (arch_io_grant) */
};

/* What the address-space switch reads besides the space (mmu.c). */
struct x86_as_state {
    /* Tags whose TLB entries may be stale (tag reused, or a page unmapped
     * while another space was current): flushed on their next activation. */
    uint8_t stale[4096];            /* a byte a tag (PCID): one load tests it */
    bool io_allowed;                /* what x86_tss_allow_io was last told */
    uint64_t noflush;               /* CR3_NOFLUSH with PCIDs, else 0 */
};
extern struct x86_as_state x86_as;
void x86_aspace_activate_slow(const struct arch_aspace *as);

/* arch_aspace_activate, inline (arch.h): two tests for the rare cases (the
 * I/O bitmap changes, a stale tag: out of line), then CR3 (as->cr3, computed
 * when the space was tagged) written with the no-flush bit if it differs. */
#define ARCH_ASPACE_INLINE 1
static inline void arch_aspace_activate_inline(const struct arch_aspace *as)
{
    if (__builtin_expect(as->com1_io != x86_as.io_allowed || x86_as.stale[as->pcid], 0)) {
        x86_aspace_activate_slow(as);
        return;
    }
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    if (cr3 != as->cr3)
        __asm__ volatile("mov %0, %%cr3" : : "r"(as->cr3 | x86_as.noflush) : "memory");
}

typedef uint64_t arch_pte_t;

/* The entry tests of a page-table walk, inline (arch.h, ARCH_PTE_INLINE):
 * kernel/vm.c's walks then make no call per level. */
#define ARCH_PTE_INLINE 1
#define X86_PTE_P (1ull << 0)              /* present */
#define X86_PTE_PS (1ull << 7)             /* large page (PDPT/PD levels) */
#define X86_PTE_ADDR_MASK 0x000ffffffffff000ull
#define X86_PTE_RW (1ull << 1)
#define X86_PTE_US (1ull << 2)
#define X86_PTE_PWT (1ull << 3)
#define X86_PTE_PCD (1ull << 4)
#define X86_PTE_NX (1ull << 63)

/* X86_PTE_NX if the CPU has NX (EFER.NXE is on), else 0: set once by
 * arch_mmu_init (mmu.c), read by arch_pte_leaf. */
extern uint64_t x86_nx_mask;

static inline bool arch_pte_valid(arch_pte_t pte)
{
    return pte & X86_PTE_P;
}

/* Only asked above the last level, where PS marks a large leaf. */
static inline bool arch_pte_is_table(arch_pte_t pte)
{
    return (pte & (X86_PTE_P | X86_PTE_PS)) == X86_PTE_P;
}

static inline uint64_t arch_pte_addr(arch_pte_t pte)
{
    return pte & X86_PTE_ADDR_MASK;
}

static inline arch_pte_t arch_pte_leaf(uint64_t pa, uint32_t rights)
{
    arch_pte_t e = (pa & X86_PTE_ADDR_MASK) | X86_PTE_P;
    if (rights & PTE_W)
        e |= X86_PTE_RW;
    if (!(rights & PTE_X))
        e |= x86_nx_mask;
    if (rights & PTE_USER)
        e |= X86_PTE_US;
    if (rights & PTE_DEVICE)
        e |= X86_PTE_PCD | X86_PTE_PWT;     /* PAT entry 3: uncached (the reset PAT) */
    return e;
}

static inline uint32_t arch_pte_rights(arch_pte_t pte)
{
    return PTE_R | (pte & X86_PTE_RW ? PTE_W : 0) | (pte & X86_PTE_NX ? 0 : PTE_X) |
           (pte & X86_PTE_US ? PTE_USER : 0);
}

/* The machine has port I/O: arch_io_grant and arch_has_port_io are the
 * port's (gdt.c), not kernel/device.c's "none". */
#define ARCH_PORT_IO 1

/* ACPI names the devices the kernel drives: arch_device_regions is the
 * port's (irq.c), not kernel/device.c's "none". */
#define ARCH_DEVICE_REGIONS 1

/* A thread's x87/MMX/SSE registers in the FXSAVE layout (arch/x86/fpu.c). */
struct arch_fpu {
    uint16_t fcw, fsw;              /* x87 control and status */
    uint8_t ftw, reserved1;         /* abridged tag word: 0 = all empty */
    uint16_t fop;
    uint64_t fip, fdp;
    uint32_t mxcsr, mxcsr_mask;     /* SSE control and status */
    uint8_t regs[512 - 32];         /* st0-7/mm0-7, xmm0-15, reserved */
} __attribute__((aligned(16)));
#endif

/* The fast path's return (syscall.S, x86_fast_sysret) sets the TSS's rsp0
 * itself: kernel/fastpath.c skips arch_set_user_frame. */
#define ARCH_FASTPATH_SETS_USER_FRAME 1

/* The fast path's UTCB word copy (kernel/fastpath.c): one rep movsq, DF
 * being clear in the kernel (SFMASK, and cld on every trap). */
#define ARCH_COPY_WORDS(to, from, n)                                            \
    do {                                                                        \
        void *to_ = (to);                                                       \
        const void *from_ = (from);                                             \
        size_t n_ = (n);                                                        \
        __asm__ volatile("rep movsq" : "+D"(to_), "+S"(from_), "+c"(n_) : : "memory"); \
    } while (0)

/* Port facts arch.h checks.  Word width; the user-space window [base, end)
 * and the width of user addresses (the canonical lower half: bits 63..47 equal, 4-level paging);
 * the frame's resume address and stack pointer. */
#define ARCH_WORD_BITS 64
#define ARCH_USER_BASE 0x0000008000000000ull   /* 512 GiB: below it the kernel's 1:1 map */
#define ARCH_USER_END 0x0000800000000000ull    /* 128 TiB, the same window on every port */
#define ARCH_USER_VA_BITS 47
#define ARCH_REGS_IP_OFFSET offsetof(struct arch_regs, rip)
#define ARCH_REGS_SP_OFFSET offsetof(struct arch_regs, rsp)

/* System-call registers (arch.h): selector rax, words in the order of the
 * SysV argument registers with r10 for rcx (which syscall clobbers), then
 * r12 and r13. */
#define ARCH_SYSCALL_NUMBER_OFFSET offsetof(struct arch_regs, rax)
#define ARCH_SYSCALL_WORD_OFFSETS { offsetof(struct arch_regs, rdi), \
    offsetof(struct arch_regs, rsi), offsetof(struct arch_regs, rdx), \
    offsetof(struct arch_regs, r10), offsetof(struct arch_regs, r8), \
    offsetof(struct arch_regs, r9), offsetof(struct arch_regs, r12), \
    offsetof(struct arch_regs, r13) }
