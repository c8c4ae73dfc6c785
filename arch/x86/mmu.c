/*
 * Paging.  The kernel's PML4[0] maps physical memory 1:1 with 2 MiB global
 * pages; every user root gets a copy of that entry (the same PDPT), and
 * PML4[1..255] are user space.  Address spaces are tagged with their PCID
 * when the CPU has PCIDs, so switching does not flush the TLB.
 */
#include <kernel.h>
#include <kstack.h>
#include <print.h>
#include <x86.h>

#define PT_ENTRIES 512
#define PT_INDEX_BITS 9
#define PTE_P X86_PTE_P
#define PTE_RW X86_PTE_RW
#define PTE_US X86_PTE_US
#define PTE_PWT X86_PTE_PWT
#define PTE_PCD X86_PTE_PCD
#define PTE_PS X86_PTE_PS
#define PTE_G (1ull << 8)
#define PTE_NX X86_PTE_NX
#define PTE_ADDR_MASK X86_PTE_ADDR_MASK

/* Static tables for the 1:1 map: enough page directories for 64 GiB. */
#define KERNEL_MAP_MAX_GIB 64
#define KERNEL_MAP_MIN GIB(4)       /* always include the 3-4 GiB device hole */
/* q35 never has RAM in 3-4 GiB (PCI MMIO, IOAPIC, HPET, LAPIC): uncached.
 * The firmware's MTRRs make the PCI hole uncached as well. */
#define DEVICE_BASE GIB(3)
#define DEVICE_END GIB(4)

#define CR3_NOFLUSH (1ull << 63)    /* with PCIDE: keep the new PCID's entries */
#define CR3_PCID_MASK 0xfffull
#define CR4_PGE (1ull << 7)
#define CR4_PCIDE (1ull << 17)
#define CPUID_FEATURES 1
#define CPUID_1_ECX_PCID (1u << 17)
#define CPUID_EXTENDED 7
#define CPUID_7_EBX_INVPCID (1u << 10)
#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EXT_EDX_NX (1u << 20)
#define CPUID_EXT_EDX_PDPE1GB (1u << 26)  /* 1 GiB pages */
#define LEVEL_PDPT 1                /* user levels: 0 PML4, 1 PDPT, 2 PD, 3 PT */
#define LEVEL_PD 2
#define INVPCID_ADDRESS 0           /* INVPCID type: one address of one PCID */
#define TAGS 4096                   /* PCIDs 0..4095; 0 is the kernel's */

static arch_pte_t kernel_pml4[PT_ENTRIES] __attribute__((aligned(4096)));
static arch_pte_t kernel_pdpt[PT_ENTRIES] __attribute__((aligned(4096)));
static arch_pte_t kernel_pd[KERNEL_MAP_MAX_GIB][PT_ENTRIES] __attribute__((aligned(4096)));
/* The 2 MiB around the kernel stack's guard page, in 4 KiB pages. */
static arch_pte_t guard_pt[PT_ENTRIES] __attribute__((aligned(4096)));

static struct {
    bool nx, pcid, invpcid, gib_pages;
    uint64_t map_end;               /* first byte the kernel does not map */
} mmu = { .map_end = GIB(4) };      /* entry.S's boot map until arch_mmu_init */

struct x86_as_state x86_as;         /* arch_port.h: what the inline switch reads */
_Static_assert(sizeof(x86_as.stale) == TAGS, "a stale byte per tag");

uint64_t x86_nx_mask;               /* arch_port.h: PTE_NX once NX is found, else 0 */

static uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static void write_cr3(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static void set_cr4(uint64_t bits)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    __asm__ volatile("mov %0, %%cr4" : : "r"(v | bits) : "memory");
}

static void find_features(void)
{
    uint32_t r[4];
    cpuid(CPUID_EXT_FEATURES, 0, r);
    mmu.nx = r[3] & CPUID_EXT_EDX_NX;
    x86_nx_mask = mmu.nx ? PTE_NX : 0;
    mmu.gib_pages = r[3] & CPUID_EXT_EDX_PDPE1GB;
    cpuid(CPUID_FEATURES, 0, r);
    mmu.pcid = r[2] & CPUID_1_ECX_PCID;
    cpuid(0, 0, r);
    if (r[0] >= CPUID_EXTENDED) {
        cpuid(CPUID_EXTENDED, 0, r);
        mmu.invpcid = mmu.pcid && (r[1] & CPUID_7_EBX_INVPCID); /* #GP without PCIDE */
    }
}

/* Leave the page below the kernel stack unmapped: an overflow then faults
 * there (as a #DF on its own stack, trap.c) instead of overwriting what lies
 * below.  Its 2 MiB page becomes a table of 4 KiB pages. */
static void unmap_stack_guard(void)
{
    uint64_t guard = (uintptr_t)kernel_stack_guard, base = ALIGN_DOWN(guard, MIB(2));
    for (uint64_t i = 0; i < PT_ENTRIES; i++)
        guard_pt[i] = (base + i * ARCH_PAGE_SIZE) | PTE_P | PTE_RW | PTE_G;
    guard_pt[(guard - base) / ARCH_PAGE_SIZE] = 0;
    kernel_pd[base / GIB(1)][base % GIB(1) / MIB(2)] = (uintptr_t)guard_pt | PTE_P | PTE_RW;
}

void arch_mmu_init(uint64_t phys_end)
{
    uint64_t end = ALIGN_UP(MAX(phys_end, KERNEL_MAP_MIN), GIB(1));
    if (end > GIB(KERNEL_MAP_MAX_GIB))
        panic("memory up to 0x%llx; the kernel maps only %u GiB",
              (unsigned long long)phys_end, KERNEL_MAP_MAX_GIB);
    find_features();
    for (uint64_t g = 0; g < end / GIB(1); g++) {
        kernel_pdpt[g] = (uintptr_t)kernel_pd[g] | PTE_P | PTE_RW;
        for (uint64_t i = 0; i < PT_ENTRIES; i++) {
            uint64_t pa = GIB(g) + i * MIB(2);
            arch_pte_t e = pa | PTE_P | PTE_RW | PTE_PS | PTE_G;
            if (pa >= DEVICE_BASE && pa < DEVICE_END)
                e |= PTE_PCD | PTE_PWT | (mmu.nx ? PTE_NX : 0);
            kernel_pd[g][i] = e;
        }
    }
    unmap_stack_guard();
    kernel_pml4[0] = (uintptr_t)kernel_pdpt | PTE_P | PTE_RW; /* no US: kernel-only */
    if (mmu.nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    write_cr3((uintptr_t)kernel_pml4);  /* PCID 0, as CR4.PCIDE requires */
    set_cr4(CR4_PGE | (mmu.pcid ? CR4_PCIDE : 0));
    x86_as.noflush = mmu.pcid ? CR3_NOFLUSH : 0;
    mmu.map_end = end;
    kprintf("mmu: 0-%llu GiB 1:1 (2 MiB global pages; no page below the kernel stack), "
            "NX %s, PCID %s\n",
            (unsigned long long)(end / GIB(1)), mmu.nx ? "on" : "off",
            mmu.pcid ? (mmu.invpcid ? "on (INVPCID)" : "on") : "off (CPU lacks it)");
}

/* The first byte past the 1:1 map: canonical but unmapped, so a load there is
 * a page fault (a non-canonical one would be a #GP). */
uintptr_t arch_bad_address(void)
{
    return (uintptr_t)mmu.map_end;
}

uint32_t arch_pt_index_bits(uint32_t level)
{
    return PT_INDEX_BITS;
}

/* Tables grant everything; the leaf (and PML4[0] for the kernel) decides. */
arch_pte_t arch_pte_table(uint64_t pa)
{
    return (pa & PTE_ADDR_MASK) | PTE_P | PTE_RW | PTE_US;
}

/* 2 MiB pages always (long mode has PSE); 1 GiB ones where CPUID says so. */
bool arch_pt_leaf_ok(uint32_t level)
{
    return level == LEVEL_PD || (level == LEVEL_PDPT && mmu.gib_pages);
}

/* PS marks the leaf; bit 12 (PAT in a large entry) stays 0 as pa is aligned. */
arch_pte_t arch_pte_leaf_at(uint64_t pa, uint32_t rights, uint32_t level)
{
    (void)level;
    return arch_pte_leaf(pa, rights) | PTE_PS;
}

/* arch_pte_valid, _is_table, _addr, _leaf and _rights are inline in
 * arch_port.h.  Present pages are always readable; NX only exists with
 * EFER.NXE (x86_nx_mask). */

static void mark_stale(uint32_t tag)
{
    x86_as.stale[tag] = 1;
}

void arch_aspace_init(struct arch_aspace *as, uint64_t root_pa)
{
    arch_pte_t *root = (arch_pte_t *)(uintptr_t)root_pa;  /* 1:1 */
    root[0] = kernel_pml4[0];
    as->pml4_pa = root_pa;
    as->cr3 = root_pa;
    as->pcid = 0;
    as->com1_io = false;
}

/* 12-bit PCIDs if CPUID has them; none otherwise (every CR3 load flushes). */
uint32_t arch_tag_bits(void)
{
    return mmu.pcid ? 12 : 0;
}

/* A reused tag may have old entries: its next CR3 load flushes them. */
void arch_aspace_set_tag(struct arch_aspace *as, uint32_t tag)
{
    as->pcid = (uint16_t)(tag & CR3_PCID_MASK);
    as->cr3 = as->pml4_pa | (mmu.pcid ? as->pcid : 0);
    mark_stale(as->pcid);
}

/* The rare part of arch_aspace_activate (arch_port.h): the TSS's I/O
 * bitmap follows the space, and a stale tag's entries are dropped (CR3
 * loaded without the no-flush bit). */
void x86_aspace_activate_slow(const struct arch_aspace *as)
{
    if (as->com1_io != x86_as.io_allowed) {
        x86_tss_allow_io(as->com1_io);
        x86_as.io_allowed = as->com1_io;
    }
    if (x86_as.stale[as->pcid]) {
        x86_as.stale[as->pcid] = 0;
        write_cr3(as->cr3);                 /* flushes the tag's old entries */
    } else if (read_cr3() != as->cr3) {
        write_cr3(as->cr3 | x86_as.noflush);
    }
}

/* Without PCIDs every CR3 load drops all non-global entries; with them only
 * a stale tag's entries are dropped.  The code: arch_port.h. */
void arch_aspace_activate(const struct arch_aspace *as)
{
    arch_aspace_activate_inline(as);
}

void arch_tlb_flush_page(const struct arch_aspace *as, uintptr_t va)
{
    if (read_cr3() == as->cr3) {
        __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
    } else if (mmu.invpcid) {
        struct { uint64_t pcid, va; } desc = { as->pcid, va };
        __asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"((uint64_t)INVPCID_ADDRESS)
                         : "memory");
    } else if (mmu.pcid) {
        mark_stale(as->pcid);
    }
    /* else: not current, and its next CR3 load flushes everything of it. */
}

/* INVLPG (and INVPCID's single-address form) of any address in a large page
 * drops that page's entry. */
void arch_tlb_flush_leaf(const struct arch_aspace *as, uintptr_t va, uint32_t level)
{
    (void)level;
    arch_tlb_flush_page(as, va);
}
