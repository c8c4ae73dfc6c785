/*
 * Stage-1 EL1 translation: the kernel's 1:1 map through TTBR0_EL1 L0[0],
 * the descriptor format generic code builds user tables from (kernel/vm.c),
 * and ASID-tagged address-space switching.  4 KiB granule, 48-bit VA,
 * 4 levels of 9 bits; TTBR1 is unused (EPD1).
 */
#include <arm.h>
#include <kernel.h>
#include <kstack.h>

#define PT_ENTRIES 512
#define PT_INDEX_BITS 9
#define L1_BLOCK_SHIFT 30               /* 1 GiB per L1 entry */
#define L2_BLOCK_SHIFT 21               /* 2 MiB per L2 entry */
#define L1_BLOCK_SIZE ((uint64_t)1 << L1_BLOCK_SHIFT)
#define L2_BLOCK_SIZE ((uint64_t)1 << L2_BLOCK_SHIFT)
#define RAM_BASE 0x40000000ull          /* QEMU virt: below it only devices */
#define KERNEL_MAP_END USER_BASE        /* what L0[0] covers: 512 GiB */

/* Descriptor bits (ARM ARM D8.3). */
#define DESC_VALID ARM_DESC_VALID
#define DESC_TABLE ARM_DESC_TABLE
#define DESC_BLOCK DESC_VALID           /* L1/L2 block: bits[1:0] = 01 */
#define DESC_PAGE (DESC_VALID | DESC_TABLE)
#define DESC_ATTR ARM_DESC_ATTR
#define DESC_AP_EL0 ARM_DESC_AP_EL0
#define DESC_AP_RO ARM_DESC_AP_RO
#define DESC_SH_INNER ARM_DESC_SH_INNER
#define DESC_AF ARM_DESC_AF
#define DESC_NG ARM_DESC_NG
#define DESC_PXN ARM_DESC_PXN
#define DESC_UXN ARM_DESC_UXN
#define DESC_ADDR_MASK ARM_DESC_ADDR_MASK

/* MAIR_EL1 slots. */
#define MAIR_DEVICE ARM_MAIR_DEVICE     /* Device-nGnRnE */
#define MAIR_NORMAL ARM_MAIR_NORMAL     /* Normal, write-back RW-allocate */
#define MAIR_VALUE ((0x00ull << (8 * MAIR_DEVICE)) | (0xffull << (8 * MAIR_NORMAL)))

#define KERNEL_DEVICE (DESC_BLOCK | DESC_ATTR(MAIR_DEVICE) | DESC_AF | DESC_PXN | DESC_UXN)
#define KERNEL_RAM (DESC_BLOCK | DESC_ATTR(MAIR_NORMAL) | DESC_SH_INNER | DESC_AF | DESC_UXN)
#define KERNEL_RAM_PAGE ((KERNEL_RAM & ~DESC_BLOCK) | DESC_PAGE)

/* TCR_EL1 fields. */
#define TCR_T0SZ(bits) (64ull - (bits))
#define TCR_IRGN0_WBWA (1ull << 8)
#define TCR_ORGN0_WBWA (1ull << 10)
#define TCR_SH0_INNER (3ull << 12)
#define TCR_TG0_4K (0ull << 14)
#define TCR_T1SZ(bits) ((64ull - (bits)) << 16)
#define TCR_EPD1 (1ull << 23)           /* no walks through TTBR1 */
#define TCR_TG1_4K (2ull << 30)
#define TCR_IPS_SHIFT 32
#define TCR_AS16 (1ull << 36)           /* 16-bit ASIDs */
#define VA_BITS 48
#define TCR_BASE (TCR_T0SZ(VA_BITS) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | \
                  TCR_TG0_4K | TCR_T1SZ(VA_BITS) | TCR_EPD1 | TCR_TG1_4K)

/* ID_AA64MMFR0_EL1 fields. */
#define MMFR0_PARANGE(v) ((v) & 0xf)
#define MMFR0_PARANGE_48 5              /* larger needs TCR.DS with 4 KiB pages */
#define MMFR0_ASIDBITS(v) (((v) >> 4) & 0xf)
#define MMFR0_ASID16 2
#define MMFR0_TGRAN4(v) (((v) >> 28) & 0xf)
#define MMFR0_TGRAN4_NONE 0xf           /* 4 KiB granule not implemented */

#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_I (1ull << 12)

#define TTBR_ASID_SHIFT ARM_TTBR_ASID_SHIFT
#define TLBI_VA(va) (((uint64_t)(va) >> ARCH_PAGE_SHIFT) & ((1ull << 44) - 1))

static arch_pte_t kernel_l0[PT_ENTRIES] __attribute__((aligned(ARCH_PAGE_SIZE)));
static arch_pte_t kernel_l1[PT_ENTRIES] __attribute__((aligned(ARCH_PAGE_SIZE)));
/* Only the last, partial GiB of RAM is split into 2 MiB blocks, so nothing
 * past phys_end is mapped as Normal memory (speculation could touch it). */
static arch_pte_t kernel_l2_tail[PT_ENTRIES] __attribute__((aligned(ARCH_PAGE_SIZE)));
/* The 1 GiB and the 2 MiB around the kernel stack's guard page, split down
 * to 4 KiB pages so that the guard alone stays unmapped. */
static arch_pte_t guard_l2[PT_ENTRIES] __attribute__((aligned(ARCH_PAGE_SIZE)));
static arch_pte_t guard_l3[PT_ENTRIES] __attribute__((aligned(ARCH_PAGE_SIZE)));
static uint32_t asid_bits;

/* Physical address bits of each ID_AA64MMFR0_EL1.PARange value. */
static const uint8_t parange_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

/* The translation regime the kernel builds must exist on this CPU: the
 * 4 KiB granule, and a physical range (as TCR.IPS will be set) that
 * reaches all of RAM.  Returns the IPS value. */
static uint64_t check_mmu_features(uint64_t mmfr0, uint64_t phys_end)
{
    if (MMFR0_TGRAN4(mmfr0) == MMFR0_TGRAN4_NONE)
        panic("mmu: this CPU has no 4 KiB translation granule "
              "(ID_AA64MMFR0_EL1 %llx); Keel needs it", (unsigned long long)mmfr0);
    uint64_t ips = MMFR0_PARANGE(mmfr0);
    if (ips > MMFR0_PARANGE_48)
        ips = MMFR0_PARANGE_48;
    if (phys_end > (uint64_t)1 << parange_bits[ips])
        panic("mmu: RAM ends at %p, beyond this CPU's %u-bit physical range",
              (void *)(uintptr_t)phys_end, parange_bits[ips]);
    return ips;
}

/* Leave the page below the kernel stack unmapped: an overflow faults there,
 * and the kernel vectors see sp in it (trap.S) and report it.  Its GiB (if
 * not the tail one, already in 2 MiB blocks) and its 2 MiB block are split. */
static void unmap_stack_guard(void)
{
    uint64_t guard = (uintptr_t)kernel_stack_guard;
    uint64_t gib = guard & ~(L1_BLOCK_SIZE - 1), block = guard & ~(L2_BLOCK_SIZE - 1);
    arch_pte_t *l1e = &kernel_l1[gib >> L1_BLOCK_SHIFT], *l2 = guard_l2;
    if (arch_pte_is_table(*l1e)) {
        l2 = (arch_pte_t *)(uintptr_t)arch_pte_addr(*l1e);
    } else {
        for (uint64_t i = 0; i < PT_ENTRIES; i++)
            guard_l2[i] = (gib + i * L2_BLOCK_SIZE) | KERNEL_RAM;
        *l1e = arch_pte_table((uintptr_t)guard_l2);
    }
    for (uint64_t i = 0; i < PT_ENTRIES; i++)
        guard_l3[i] = (block + i * ARCH_PAGE_SIZE) | KERNEL_RAM_PAGE;
    guard_l3[(guard - block) >> ARCH_PAGE_SHIFT] = 0;
    l2[(block - gib) >> L2_BLOCK_SHIFT] = arch_pte_table((uintptr_t)guard_l3);
}

void arch_mmu_init(uint64_t phys_end)
{
    phys_end = (phys_end + L2_BLOCK_SIZE - 1) & ~(L2_BLOCK_SIZE - 1);
    if (phys_end > KERNEL_MAP_END)
        panic("mmu: RAM up to %p does not fit below USER_BASE", (void *)(uintptr_t)phys_end);

    kernel_l1[0] = 0 | KERNEL_DEVICE;   /* GIC, PL011, flash, virtio... */
    uint64_t pa = RAM_BASE;
    for (; pa + L1_BLOCK_SIZE <= phys_end; pa += L1_BLOCK_SIZE)
        kernel_l1[pa >> L1_BLOCK_SHIFT] = pa | KERNEL_RAM;
    if (pa < phys_end) {
        for (uint64_t b = pa; b < phys_end; b += L2_BLOCK_SIZE)
            kernel_l2_tail[(b - pa) >> L2_BLOCK_SHIFT] = b | KERNEL_RAM;
        kernel_l1[pa >> L1_BLOCK_SHIFT] = arch_pte_table((uintptr_t)kernel_l2_tail);
    }
    unmap_stack_guard();
    kernel_l0[0] = arch_pte_table((uintptr_t)kernel_l1);

    uint64_t mmfr0 = sysreg_read(id_aa64mmfr0_el1);
    uint64_t ips = check_mmu_features(mmfr0, phys_end);
    uint64_t tcr = TCR_BASE | ips << TCR_IPS_SHIFT;
    asid_bits = 8;
    if (MMFR0_ASIDBITS(mmfr0) == MMFR0_ASID16) {
        tcr |= TCR_AS16;
        asid_bits = 16;
    }

    sysreg_write(mair_el1, MAIR_VALUE);
    sysreg_write(tcr_el1, tcr);
    sysreg_write(ttbr0_el1, (uintptr_t)kernel_l0);     /* ASID 0: the kernel's */
    /* The tables were written with the MMU off (non-cacheable): make them
     * visible to the walker and drop anything the TLBs held from before. */
    __asm__ volatile("dsb ish; tlbi vmalle1; dsb ish; isb" : : : "memory");
    sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) | SCTLR_M | SCTLR_C | SCTLR_I);
    __asm__ volatile("isb" : : : "memory");
}

uint32_t arch_pt_index_bits(uint32_t level)
{
    (void)level;
    return PT_INDEX_BITS;
}

arch_pte_t arch_pte_table(uint64_t pa)
{
    return (pa & DESC_ADDR_MASK) | DESC_VALID | DESC_TABLE;
}

/* EL0-writable pages are never EL1-executable anyway; user pages get PXN so
 * the kernel never runs user code, and nG so their TLB entries carry the
 * ASID. */
/* 4 KiB granule: block descriptors at L1 (1 GiB) and L2 (2 MiB), not L0. */
bool arch_pt_leaf_ok(uint32_t level)
{
    return level == 1 || level == 2;
}

/* A block descriptor: the page format with bits[1:0] = 01. */
arch_pte_t arch_pte_leaf_at(uint64_t pa, uint32_t rights, uint32_t level)
{
    (void)level;
    return (arch_pte_leaf(pa, rights) & ~DESC_PAGE) | DESC_BLOCK;
}

/* arch_pte_valid, _is_table, _addr, _leaf and _rights are inline in arch_port.h. */

void arch_aspace_init(struct arch_aspace *as, uint64_t root_pa)
{
    ((arch_pte_t *)(uintptr_t)root_pa)[0] = kernel_l0[0];
    as->root_pa = root_pa;
    as->asid = 0;
}

/* ID_AA64MMFR0_EL1.ASIDBits, as far as TCR_EL1.AS was set to use it. */
uint32_t arch_tag_bits(void)
{
    return asid_bits;
}

void arch_aspace_set_tag(struct arch_aspace *as, uint32_t tag)
{
    if (tag >= (1u << asid_bits))
        panic("mmu: ASID %u out of range (%u-bit ASIDs)", tag, asid_bits);
    as->asid = (uint16_t)tag;
    uint64_t arg = (uint64_t)tag << TTBR_ASID_SHIFT;
    __asm__ volatile("dsb ishst; tlbi aside1is, %0; dsb ish; isb" : : "r"(arg) : "memory");
}

/* Kernel entries are global and user ones ASID-tagged, so no flush. */
void arch_aspace_activate(const struct arch_aspace *as)
{
    arch_aspace_activate_inline(as);     /* arch_port.h */
}

void arch_tlb_flush_page(const struct arch_aspace *as, uintptr_t va)
{
    uint64_t arg = TLBI_VA(va) | (uint64_t)as->asid << TTBR_ASID_SHIFT;
    __asm__ volatile("dsb ishst; tlbi vae1is, %0; dsb ish; isb" : : "r"(arg) : "memory");
}

/* TLBI VAE1IS drops whatever entry translates va, a block's included. */
void arch_tlb_flush_leaf(const struct arch_aspace *as, uintptr_t va, uint32_t level)
{
    (void)level;
    arch_tlb_flush_page(as, va);
}
