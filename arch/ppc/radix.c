/*
 * Radix translation for user mode (Power ISA 3.0B book III, "Radix Tree
 * Translation").  The kernel itself stays in hypervisor real mode; user
 * threads run in problem state with MSR[HV] = 1, so their quadrant-0
 * addresses translate as LPID 0, PID = PIDR: partition table (PTCR) entry
 * 0 -> process table -> entry PID -> that PID's radix tree.  Every table the
 * MMU reads is big-endian.
 */
#include <kernel.h>
#include <ppc.h>

/* LPCR: host radix (HR) with a process table (UPRT); AIL = 0 keeps
 * hypervisor interrupts at 0x100.. with translation off. */
#define LPCR_HR     (1ull << 20)
#define LPCR_UPRT   (1ull << 22)
#define LPCR_AIL    (3ull << 23)

/* Tables hold 2^(12 + size field) bytes and are aligned to their size. */
#define TABLE_SIZE_FIELD(bytes) (__builtin_ctzll(bytes) - 12)
#define PARTITION_ENTRIES 256       /* 4 KiB, the minimum; only LPID 0 used */
#define PROCESS_ENTRIES   4096      /* PIDs 0..4095 (arch_aspace_set_tag) */

#define PATE0_HR    (1ull << 63)    /* partition uses radix translation */
/* Radix tree size: 2^(31 + RTS) bytes of EA; 52 bits (RTS = 21 = 0b10101)
 * is the size POWER9 implements, split into bits 62:61 and 7:5. */
#define RTS_52      ((2ull << 61) | (5ull << 5))
#define RPDB_MASK   PPC_RPDB_MASK           /* root / next-level table base */
#define ROOT_BITS   13                      /* RPDS: root index width */
#define LEVEL_BITS  9                       /* the three levels below */

/* Radix PTE / PDE bits. */
#define PTE_VALID   PPC_PTE_VALID
#define PTE_LEAF    PPC_PTE_LEAF
#define PTE_RPN     PPC_PTE_RPN             /* leaf: real page number */
#define PDE_NLS     0x1full                 /* table: next level size */
#define PTE_REF     PPC_PTE_REF
#define PTE_CHG     PPC_PTE_CHG
#define PTE_PRIV    PPC_PTE_PRIV
#define PTE_ATT_IO  PPC_PTE_ATT_IO
#define PTE_READ    PPC_PTE_READ
#define PTE_WRITE   PPC_PTE_WRITE
#define PTE_EXEC    PPC_PTE_EXEC

/* tlbie RB,RS,RIC,PRS,R (clang 14 lacks the 5-operand form): RB = EA and
 * IS, RS = PID << 32; RIC 0 = TLB only, 2 = also cached table entries;
 * PRS = 1 process-scoped, R = 1 radix. */
#define TLBIE_INSN(rb, rs, ric) \
    (0x7c000264u | (rs) << 21 | (ric) << 18 | 1u << 17 | 1u << 16 | (rb) << 11)
#define TLBIE_RS(pid)   ((uint64_t)(pid) << 32)
#define TLBIE_IS_VA     (0ull << 10)        /* one page of the PID (AP 0 = 4 KiB) */
#define TLBIE_IS_PID    (1ull << 10)        /* everything of the PID */
#define TLBIE_AP_SHIFT  5                   /* RB bits 56:58: the page size */
#define AP_2M           1ull                /* radix AP encodings (ISA 3.0B 6.7.8.4) */
#define AP_1G           2ull
#define LEVEL_1G        1                   /* levels below the root: 1 GiB, 2 MiB, 4 KiB */
#define LEVEL_2M        2
#define RIC_TLB         0
#define RIC_ALL         2

struct table_entry {
    uint64_t dw0, dw1;                      /* big-endian */
};

static struct table_entry partition_table[PARTITION_ENTRIES]
    __attribute__((aligned(PARTITION_ENTRIES * sizeof(struct table_entry))));
static struct table_entry process_table[PROCESS_ENTRIES]
    __attribute__((aligned(PROCESS_ENTRIES * sizeof(struct table_entry))));

static uint64_t be(uint64_t v)
{
    return __builtin_bswap64(v);
}

/* Broadcast invalidation, completed on every CPU before returning. */
#define TLBIE(ric, rb_val, pid) do {                                          \
        register uint64_t rb_ __asm__("r4") = (rb_val);                      \
        register uint64_t rs_ __asm__("r5") = TLBIE_RS(pid);                 \
        __asm__ volatile("ptesync\n\t.long %2\n\teieio\n\ttlbsync\n\tptesync" \
                         :: "r"(rb_), "r"(rs_), "n"(TLBIE_INSN(4, 5, ric))   \
                         : "memory");                                        \
    } while (0)

/* LPID 0's own (partition-scoped) tree.  The hypervisor never runs
 * translated, but QEMU 7.2 looks up the process-table entry of a host
 * access through it (the radix tree below it is read by real address), so
 * it maps RAM 1:1 with 1 GiB leaves: one root entry, one level-1 table, up
 * to 512 GiB (the kernel image holding the process table is far below). */
#define HOST_LEAF_SHIFT 30                  /* level-1 leaves: 1 GiB */
#define HOST_MAX_BYTES  ((uint64_t)1 << (HOST_LEAF_SHIFT + LEVEL_BITS))

static uint64_t host_root[1u << ROOT_BITS]
    __attribute__((aligned(sizeof(uint64_t) << ROOT_BITS)));
static uint64_t host_level1[1u << LEVEL_BITS]
    __attribute__((aligned(sizeof(uint64_t) << LEVEL_BITS)));

static void host_tree_init(uint64_t phys_end)
{
    uint64_t end = MIN(phys_end, HOST_MAX_BYTES);
    host_root[0] = be(PTE_VALID | (uintptr_t)host_level1 | LEVEL_BITS);
    for (uint64_t pa = 0, i = 0; pa < end; pa += (uint64_t)1 << HOST_LEAF_SHIFT, i++)
        host_level1[i] = be(PTE_VALID | PTE_LEAF | pa | PTE_REF | PTE_CHG |
                            PTE_READ | PTE_WRITE | PTE_EXEC);
}

/* PVR version field (bits 0:15) of the first processor with ISA 3.0 radix
 * translation (POWER9, 0x004e; POWER10 is 0x0080).  Every earlier server
 * processor (POWER7 0x003f ... POWER8 0x004d) has a lower one. */
#define PVR_VERSION(pvr) ((pvr) >> 16)
#define PVR_VERSION_POWER9 0x004e

/* The kernel needs radix translation (and ISA 3.0's "stop"): refuse an
 * older processor with a message instead of faulting somewhere later. */
static void check_radix(void)
{
    uint64_t pvr = mfspr(SPRN_PVR);
    if (PVR_VERSION(pvr) < PVR_VERSION_POWER9)
        panic("radix: PVR %08llx is older than POWER9: no radix translation (ISA 3.0); "
              "Keel needs it", (unsigned long long)pvr);
}

void arch_mmu_init(uint64_t phys_end)
{
    check_radix();
    host_tree_init(phys_end);
    partition_table[0].dw0 = be(PATE0_HR | RTS_52 | (uintptr_t)host_root | ROOT_BITS);
    partition_table[0].dw1 = be((uintptr_t)process_table |
                                TABLE_SIZE_FIELD(sizeof process_table));
    __asm__ volatile("ptesync" ::: "memory");
    mtspr(SPRN_PTCR, (uintptr_t)partition_table | TABLE_SIZE_FIELD(sizeof partition_table));
    mtspr(SPRN_LPIDR, 0);
    mtspr(SPRN_PID, 0);     /* PID 0's entry stays invalid */
    mtspr(SPRN_LPCR, (mfspr(SPRN_LPCR) & ~LPCR_AIL) | LPCR_HR | LPCR_UPRT);
    __asm__ volatile("isync" ::: "memory");
}

uint32_t arch_pt_index_bits(uint32_t level)
{
    return level == 0 ? ROOT_BITS : LEVEL_BITS;
}

arch_pte_t arch_pte_table(uint64_t pa)
{
    return be(PTE_VALID | (pa & RPDB_MASK) | LEVEL_BITS);
}

/* Radix leaf PDEs: 1 GiB at level 1, 2 MiB at level 2 (POWER9's sizes). */
bool arch_pt_leaf_ok(uint32_t level)
{
    return level == LEVEL_1G || level == LEVEL_2M;
}

/* A leaf has the same format at every level (the L bit set). */
arch_pte_t arch_pte_leaf_at(uint64_t pa, uint32_t rights, uint32_t level)
{
    (void)level;
    return arch_pte_leaf(pa, rights);
}

/* arch_pte_valid, _is_table, _addr, _leaf and _rights are inline in arch_port.h. */

void arch_aspace_init(struct arch_aspace *as, uint64_t root_pa)
{
    as->root_pa = root_pa;
    as->pid = 0;
}

/* The process table this port sets up has PROCESS_ENTRIES entries: the PIDs
 * it can use (PIDR itself is 20 bits). */
uint32_t arch_tag_bits(void)
{
    uint32_t bits = 0;
    while ((1u << bits) < PROCESS_ENTRIES)
        bits++;
    return bits;
}

void arch_aspace_set_tag(struct arch_aspace *as, uint32_t tag)
{
    if (tag == 0 || tag >= PROCESS_ENTRIES)
        panic("radix: PID %u outside 1..%u", tag, PROCESS_ENTRIES - 1);
    as->pid = tag;
    process_table[tag].dw0 = be(RTS_52 | (as->root_pa & RPDB_MASK) | ROOT_BITS);
    process_table[tag].dw1 = 0;
    /* The PID may have served an older tree: drop its translations and
     * any cached copy of its process-table entry. */
    TLBIE(RIC_ALL, TLBIE_IS_PID, tag);
}

void arch_aspace_activate(const struct arch_aspace *as)
{
    _Static_assert(SPRN_PID == PPC_SPR_PID, "PIDR");
    arch_aspace_activate_inline(as);     /* arch_port.h */
}

void arch_tlb_flush_page(const struct arch_aspace *as, uintptr_t va)
{
    TLBIE(RIC_TLB, (va & ~(ARCH_PAGE_SIZE - 1)) | TLBIE_IS_VA, as->pid);
}

/* tlbie must name the size of the page it drops (AP); the EA is aligned to it. */
void arch_tlb_flush_leaf(const struct arch_aspace *as, uintptr_t va, uint32_t level)
{
    uint64_t ap = level == LEVEL_1G ? AP_1G : AP_2M;
    uint64_t size = level == LEVEL_1G ? GIB(1) : MIB(2);
    TLBIE(RIC_TLB, (va & ~(size - 1)) | TLBIE_IS_VA | ap << TLBIE_AP_SHIFT, as->pid);
}
