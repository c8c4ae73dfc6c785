/* Sv48 translation: the kernel's 1:1 gigapages and the PTE format that
 * generic code builds user tables with. */
#include <arch.h>
#include <keelbase/fdt.h>
#include <kernel.h>
#include <kstack.h>
#include <keelbase/string.h>
#include <riscv.h>

#define PTE_V RISCV_PTE_V
#define PTE_RD RISCV_PTE_RD
#define PTE_WR RISCV_PTE_WR
#define PTE_EX RISCV_PTE_EX
#define PTE_U RISCV_PTE_U
#define PTE_G (1u << 5)
#define PTE_A RISCV_PTE_A
#define PTE_D RISCV_PTE_D
#define PTE_PPN_SHIFT RISCV_PTE_PPN_SHIFT
#define SATP_MODE_SHIFT 60
#define SATP_SV48 (9ull << SATP_MODE_SHIFT)
#define GIB_SHIFT 30
#define MIB2_SHIFT 21
#define ENTRIES 512
#define KERNEL_LEAF (PTE_V | PTE_RD | PTE_WR | PTE_EX | PTE_G | PTE_A | PTE_D)

/* The kernel's tables: root[0] -> l1, whose entries are 1 GiB pages. */
static arch_pte_t kernel_root[ENTRIES] __attribute__((aligned(4096)));
static arch_pte_t kernel_l1[ENTRIES] __attribute__((aligned(4096)));
/* The GiB and the 2 MiB around the kernel stack's guard page, split down to
 * 4 KiB pages so that the guard alone stays unmapped. */
static arch_pte_t guard_l2[ENTRIES] __attribute__((aligned(4096)));
static arch_pte_t guard_l3[ENTRIES] __attribute__((aligned(4096)));

static arch_pte_t make_pte(uint64_t pa, uint64_t flags)
{
    return (pa >> ARCH_PAGE_SHIFT) << PTE_PPN_SHIFT | flags;
}

/* The boot hart's device-tree node under /cpus (reg = hart id), or -1. */
static int boot_cpu_node(const struct fdt *f)
{
    int cpus = fdt_path(f, "/cpus"), depth = 0;
    uint64_t reg;
    if (cpus < 0)
        return -1;
    for (int n = fdt_next_node(f, cpus, &depth); n >= 0 && depth > 0;
         n = fdt_next_node(f, n, &depth))
        if (depth == 1 && fdt_prop_uint(f, n, "reg", &reg) == KERR_OK && reg == riscv_boot_hart)
            return n;
    return -1;
}

/* mmu-type names the widest mode a hart has; a hart with Sv57 has Sv48. */
static bool mmu_type_has_sv48(const char *type)
{
    return strcmp(type, "riscv,sv48") == 0 || strcmp(type, "riscv,sv57") == 0;
}

/* Stop with a clear message if the device tree says this hart cannot do
 * Sv48 ("riscv,none" with -cpu rv64,mmu=false, "riscv,sv39", ...).  No
 * property or no tree: the satp probe in arch_mmu_init decides. */
static void check_dt_mmu_type(void)
{
    struct fdt f;
    if (!riscv_fdt || fdt_open(&f, riscv_fdt, fdt_claimed_size(riscv_fdt)) != KERR_OK)
        return;
    const char *type = fdt_prop_string(&f, boot_cpu_node(&f), "mmu-type");
    if (type && !mmu_type_has_sv48(type))
        panic("mmu: the device tree gives hart %llu mmu-type \"%s\"; Keel needs Sv48 "
              "paging (an MMU)", (unsigned long long)riscv_boot_hart, type);
}

/* Turn translation on; a hart without Sv48 ignores the whole satp write
 * (the privileged spec: an unsupported MODE leaves satp unchanged), so
 * reading it back tells. */
static void enable_sv48(uint64_t want)
{
    csr_write(satp, want);
    uint64_t got = csr_read(satp);
    if (got != want)
        panic("mmu: this hart has no Sv48 paging (satp reads %llx after writing %llx); "
              "Keel needs an MMU", (unsigned long long)got, (unsigned long long)want);
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* Leave the page below the kernel stack unmapped: an overflow faults there,
 * and the trap entry sees sp in it (trap.S) and reports it. */
static void unmap_stack_guard(void)
{
    uint64_t guard = (uintptr_t)kernel_stack_guard;
    uint64_t gib = ALIGN_DOWN(guard, GIB(1)), block = ALIGN_DOWN(guard, MIB(2));
    for (uint64_t i = 0; i < ENTRIES; i++) {
        guard_l2[i] = make_pte(gib + (i << MIB2_SHIFT), KERNEL_LEAF);
        guard_l3[i] = make_pte(block + (i << ARCH_PAGE_SHIFT), KERNEL_LEAF);
    }
    guard_l3[(guard - block) >> ARCH_PAGE_SHIFT] = 0;
    guard_l2[(block - gib) >> MIB2_SHIFT] = make_pte((uintptr_t)guard_l3, PTE_V);
    kernel_l1[gib >> GIB_SHIFT] = make_pte((uintptr_t)guard_l2, PTE_V);
}

void arch_mmu_init(uint64_t phys_end)
{
    check_dt_mmu_type();
    uint64_t gigs = MIN((phys_end + GIB(1) - 1) >> GIB_SHIFT, (uint64_t)ENTRIES);
    for (uint64_t i = 0; i < gigs; i++)
        kernel_l1[i] = make_pte(i << GIB_SHIFT, KERNEL_LEAF);
    unmap_stack_guard();
    kernel_root[0] = make_pte((uintptr_t)kernel_l1, PTE_V);
    enable_sv48(SATP_SV48 | (uintptr_t)kernel_root >> ARCH_PAGE_SHIFT);
}

uint32_t arch_pt_index_bits(uint32_t level)
{
    return 9;
}

arch_pte_t arch_pte_table(uint64_t pa)
{
    return make_pte(pa, PTE_V);
}

/* Sv48: megapages (level 2) and gigapages (level 1); no terapages at the
 * root, whose user entries stay tables. */
bool arch_pt_leaf_ok(uint32_t level)
{
    return level == 1 || level == 2;
}

/* A leaf has the same format at every level (R, W or X set). */
arch_pte_t arch_pte_leaf_at(uint64_t pa, uint32_t rights, uint32_t level)
{
    (void)level;
    return arch_pte_leaf(pa, rights);
}

/* arch_pte_valid, _is_table, _addr, _leaf and _rights are inline in arch_port.h. */
_Static_assert((PTE_RD | PTE_WR | PTE_EX) == RISCV_PTE_RWX, "arch_pte_is_table's bits");

void arch_aspace_init(struct arch_aspace *as, uint64_t root_pa)
{
    arch_pte_t *root = (arch_pte_t *)(uintptr_t)root_pa;
    root[0] = kernel_root[0]; /* the kernel's 1:1 half, shared and global */
    as->satp = SATP_SV48 | root_pa >> ARCH_PAGE_SHIFT;
    as->untagged = true;    /* until arch_aspace_set_tag gives it an ASID */
}

/* ASIDLEN: the satp.ASID bits that keep a written 1 (privileged spec,
 * "satp"); probed once with the kernel's table, which is global anyway. */
uint32_t arch_tag_bits(void)
{
    static uint32_t bits = UINT32_MAX;
    if (bits == UINT32_MAX) {
        uint64_t kernel = csr_read(satp);
        csr_write(satp, kernel | SATP_ASID_MASK << SATP_ASID_SHIFT);
        uint64_t asid = (csr_read(satp) >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
        for (bits = 0; asid & 1; asid >>= 1)
            bits++; /* the implemented bits are the low ones */
        csr_write(satp, kernel);
        __asm__ volatile("sfence.vma" ::: "memory");
    }
    return bits;
}

void arch_aspace_set_tag(struct arch_aspace *as, uint32_t tag)
{
    as->satp = (as->satp & ~(SATP_ASID_MASK << SATP_ASID_SHIFT)) | (uint64_t)tag << SATP_ASID_SHIFT;
    as->untagged = tag == 0;
    __asm__ volatile("sfence.vma x0, %0" :: "r"((uint64_t)tag) : "memory");
}

/* ASID-tagged: no flush.  Without ASIDs (ASIDLEN 0: arch_tag_bits() says
 * 0, and every space has ASID 0) the TLB may still hold the previous
 * space's user entries under the same ASID: a switch to another table
 * drops them (ASID 0's non-global entries: the kernel's are global). */
/* Without ASIDs a switch to another space drops the user entries. */
void riscv_aspace_activate_untagged(const struct arch_aspace *as)
{
    if (csr_read(satp) != as->satp) {
        csr_write(satp, as->satp);
        /* rs2 a register holding 0, not x0 (which would drop every entry) */
        __asm__ volatile("li t0, 0\n\tsfence.vma x0, t0" ::: "t0", "memory");
    }
}

void arch_aspace_activate(const struct arch_aspace *as)
{
    arch_aspace_activate_inline(as);     /* arch_port.h */
}

void arch_tlb_flush_page(const struct arch_aspace *as, uintptr_t va)
{
    uint64_t asid = (as->satp >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
    __asm__ volatile("sfence.vma %0, %1" :: "r"(va), "r"(asid) : "memory");
}

/* arch_pt_fence_new: inline in arch_port.h. */

/* SFENCE.VMA with an address covers the leaf translating it, at any level. */
void arch_tlb_flush_leaf(const struct arch_aspace *as, uintptr_t va, uint32_t level)
{
    (void)level;
    arch_tlb_flush_page(as, va);
}
