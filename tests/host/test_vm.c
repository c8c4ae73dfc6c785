/* Host tests for kernel/vm.c, over a made-up 4-level entry format (the real
 * formats are the ports'; the walker must not care). */
#include <stdlib.h>
#include <vm.h>
#include "check.h"
#include "fake_pte.h"

/* ---- the test "port": the entry format of fake_pte.h, and a root level
 * of 8 index bits (a walker must not assume 9 everywhere) ---- */
uint32_t arch_pt_index_bits(uint32_t level) { return level == 0 ? 8 : 9; }
static int flushes;
void arch_tlb_flush_page(const struct arch_aspace *as, uintptr_t va) { flushes++; }
void arch_tlb_flush_leaf(const struct arch_aspace *as, uintptr_t va, uint32_t level) { flushes++; }

/* ---- table pages from a small arena, "physical" = offset + 4 KiB ---- */
#define ARENA_PAGES 64
struct arena {
    uint8_t (*pages)[4096];
    bool used[ARENA_PAGES];
    int live, limit;
};

static uint64_t arena_alloc(void *ctx)
{
    struct arena *a = ctx;
    if (a->live >= a->limit)
        return 0;
    for (int i = 0; i < ARENA_PAGES; i++) {
        if (!a->used[i]) {
            a->used[i] = true;
            a->live++;
            memset(a->pages[i], 0, 4096);
            return (uint64_t)(i + 1) * 4096;
        }
    }
    return 0;
}

static void arena_free(void *ctx, uint64_t pa)
{
    struct arena *a = ctx;
    int i = (int)(pa / 4096) - 1;
    CHECK(i >= 0 && i < ARENA_PAGES && a->used[i]); /* no double or wild free */
    a->used[i] = false;
    a->live--;
}

static int virt_calls;   /* tables reached by a walk (test_last_table) */
static void *arena_virt(void *ctx, uint64_t pa)
{
    struct arena *a = ctx;
    virt_calls++;
    return a->pages[pa / 4096 - 1];
}

static struct arena arena;
static const struct vm_pt_alloc pt = {
    .alloc = arena_alloc, .free = arena_free, .phys_to_virt = arena_virt, .ctx = &arena,
};

/* Like a real port, a new root gets the kernel's shared entry 0; it points
 * outside the arena, so following or freeing it trips a CHECK or ASan. */
#define KERNEL_TABLE_PA ((uint64_t)(ARENA_PAGES + 8) * 4096)
static bool flat;       /* the space being made is 1:1 (test_one_to_one) */
void arch_aspace_init(struct arch_aspace *as, uint64_t root)
{
    arch_pte_t *r = flat ? (arch_pte_t *)(uintptr_t)root : arena_virt(&arena, root);
    r[0] = arch_pte_table(KERNEL_TABLE_PA);
    as->root = root;
}

/* ---- 1:1 table pages (phys_to_virt NULL, as the kernel's tasks have):
 * the "physical" address is the host address ---- */
static int flat_live;

static uint64_t flat_alloc(void *ctx)
{
    void *p = aligned_alloc(4096, 4096);
    CHECK(p != NULL);
    memset(p, 0, 4096);
    flat_live++;
    return (uint64_t)(uintptr_t)p;
}

static void flat_free(void *ctx, uint64_t pa)
{
    free((void *)(uintptr_t)pa);
    flat_live--;
}

static const struct vm_pt_alloc flat_pt = { .alloc = flat_alloc, .free = flat_free };

static void setup(int limit)
{
    free(arena.pages);
    memset(&arena, 0, sizeof(arena));
    arena.pages = malloc(ARENA_PAGES * 4096);
    arena.limit = limit;
}

#define U USER_BASE

static void test_map_lookup_unmap(void)
{
    struct vm_space vs;
    uint64_t pa;
    uint32_t r;
    setup(ARENA_PAGES);
    CHECK_EQ_U(vm_va_bits(), 12 + 9 * 3 + 8);
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_OK);
    CHECK_EQ_U(vs.arch.root, vs.root);

    CHECK_EQ_U(vm_map(&vs, U + 0x400000, 0x80001000, PTE_R | PTE_X | PTE_USER), KERR_OK);
    CHECK_EQ_U(arena.live, 4); /* root + three levels below it */
    CHECK_EQ_U(vm_lookup(&vs, U + 0x400abc, &pa, &r), KERR_OK);
    CHECK_EQ_U(pa, 0x80001000);
    CHECK_EQ_U(r, PTE_R | PTE_X | PTE_USER);
    CHECK_EQ_U(vm_map(&vs, U + 0x401000, 0x80002000, PTE_R | PTE_W), KERR_OK);
    CHECK_EQ_U(arena.live, 4); /* same leaf table */
    CHECK_EQ_U(vm_map(&vs, U + 0x400000, 0x80003000, PTE_R), KERR_EXIST);

    CHECK_EQ_U(vm_map(&vs, U + 0x400001, 0x80001000, PTE_R), KERR_INVAL);
    CHECK_EQ_U(vm_map(&vs, U + 0x402000, 0x80001001, PTE_R), KERR_INVAL);
    CHECK_EQ_U(vm_map(&vs, U + 0x402000, 0x80001000, PTE_USER), KERR_INVAL);
    CHECK_EQ_U(vm_map(&vs, 1ULL << 47, 0x80001000, PTE_R), KERR_RANGE);
    CHECK_EQ_U(vm_map(&vs, U - 0x1000, 0x80001000, PTE_R), KERR_RANGE); /* kernel's */
    CHECK_EQ_U(vm_map(&vs, 0, 0x80001000, PTE_R), KERR_RANGE);
    CHECK_EQ_U(vm_lookup(&vs, 1ULL << 47, &pa, &r), KERR_NOENT);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x7000000000, &pa, &r), KERR_NOENT);

    CHECK(vm_range_ok(&vs, U + 0x400ff0, 0x20, PTE_R));      /* spans two pages */
    CHECK(!vm_range_ok(&vs, U + 0x400ff0, 0x20, PTE_W));         /* first page read-only */
    CHECK(!vm_range_ok(&vs, U + 0x401ff0, 0x20, PTE_R));         /* runs off the end */
    CHECK(vm_range_ok(&vs, 0x123, 0, PTE_R));                /* empty range */
    CHECK(!vm_range_ok(&vs, UINTPTR_MAX - 4, 16, PTE_R));    /* wraps */

    flushes = 0;
    CHECK_EQ_U(vm_unmap(&vs, U + 0x400000), KERR_OK);
    CHECK_EQ_U(flushes, 1);
    CHECK_EQ_U(vm_unmap(&vs, U + 0x400000), KERR_NOENT);
    CHECK_EQ_U(vm_unmap(&vs, U + 0x5000000), KERR_NOENT);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x400000, &pa, &r), KERR_NOENT);
    vm_destroy(&vs, false);
    CHECK_EQ_U(arena.live, 0); /* every table page returned */
}

static void test_out_of_memory(void)
{
    struct vm_space vs;
    setup(2);
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_OK);
    CHECK_EQ_U(vm_map(&vs, U + 0x1000, 0x2000, PTE_R), KERR_NOMEM);
    arena.limit = ARENA_PAGES;
    CHECK_EQ_U(vm_map(&vs, U + 0x1000, 0x2000, PTE_R), KERR_OK); /* recovers */
    vm_destroy(&vs, false);
    CHECK_EQ_U(arena.live, 0);
    setup(0);
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_NOMEM);
}

/* Random maps and unmaps against a plain array model. */
static void test_random(void)
{
    enum { SLOTS = 512, OPS = 20000 };
    static uint64_t model[SLOTS]; /* 0: unmapped, else pa | rights */
    struct vm_space vs;
    setup(ARENA_PAGES);
    memset(model, 0, sizeof(model));
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_OK);
    srand(7);
    int mismatches = 0;
    for (int i = 0; i < OPS; i++) {
        int s = rand() % SLOTS;
        /* Spread slots across several leaf tables and upper levels. */
        uintptr_t va = ((uintptr_t)(s % 8 + 1) << 39) | ((uintptr_t)(s / 8) << 12);
        uint64_t pa = (uint64_t)(rand() % 100000 + 1) << 12;
        uint32_t r = (uint32_t)(rand() % 7 + 1);
        if (rand() % 2) {
            enum kerr e = vm_map(&vs, va, pa, r);
            mismatches += e != (model[s] ? KERR_EXIST : KERR_OK);
            if (!model[s])
                model[s] = pa | r;
        } else {
            enum kerr e = vm_unmap(&vs, va);
            mismatches += e != (model[s] ? KERR_OK : KERR_NOENT);
            model[s] = 0;
        }
        uint64_t got;
        uint32_t gr;
        enum kerr e = vm_lookup(&vs, va, &got, &gr);
        mismatches += model[s] ? (e != KERR_OK || (got | gr) != model[s]) : e != KERR_NOENT;
    }
    CHECK_EQ_U(mismatches, 0);
    vm_destroy(&vs, false);
    CHECK_EQ_U(arena.live, 0);
}

/* Large pages: leaves at levels 1 and 2 (fake_pte.h's arch_pt_leaf_ok). */
static void test_large_pages(void)
{
    struct vm_space vs;
    uint64_t pa;
    uint32_t r, order;
    setup(ARENA_PAGES);
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_OK);
    CHECK_EQ_U(vm_leaf_orders(), (1ull << 12) | (1ull << 21) | (1ull << 30));
    CHECK_EQ_U(vm_map_order(&vs, U + 0x200000, 0x40200000, PTE_R | PTE_W, 21), KERR_OK);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x201234, &pa, &r), KERR_OK);
    CHECK_EQ_U(pa, 0x40201000);                 /* the 4 KiB page within it */
    CHECK_EQ_U(r, PTE_R | PTE_W);
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x3fffff, &pa, &r, &order), KERR_OK);
    CHECK(pa == 0x40200000 && order == 21);
    CHECK(vm_range_ok(&vs, U + 0x200000, 0x200000, PTE_W));
    /* Sizes the machine lacks, misalignment, something in the way. */
    CHECK_EQ_U(vm_map_order(&vs, U + 0x400000, 0x40400000, PTE_R, 13), KERR_INVAL);
    CHECK_EQ_U(vm_map_order(&vs, U, 0x40000000, PTE_R, 39), KERR_INVAL);  /* root level */
    CHECK_EQ_U(vm_map_order(&vs, U + 0x401000, 0x40400000, PTE_R, 21), KERR_INVAL);
    CHECK_EQ_U(vm_map_order(&vs, U + 0x400000, 0x40401000, PTE_R, 21), KERR_INVAL);
    CHECK_EQ_U(vm_map_order(&vs, U + 0x400000, 0x40400000, 0, 21), KERR_INVAL);
    CHECK_EQ_U(vm_map(&vs, U + 0x203000, 0x1000, PTE_R), KERR_EXIST);   /* inside the large one */
    CHECK_EQ_U(vm_map_order(&vs, U + 0x200000, 0x40200000, PTE_R, 21), KERR_EXIST);
    CHECK_EQ_U(vm_map(&vs, U + 0x605000, 0x1000, PTE_R), KERR_OK);
    CHECK_EQ_U(vm_map_order(&vs, U + 0x600000, 0x40600000, PTE_R, 21), KERR_EXIST); /* a table */
    CHECK_EQ_U(vm_unmap(&vs, U + 0x605000), KERR_OK);
    CHECK_EQ_U(vm_map_order(&vs, U + 0x600000, 0x40600000, PTE_R, 21), KERR_EXIST); /* kept */
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x605000, &pa, &r, &order), KERR_NOENT);
    CHECK_EQ_U(order, 12);                      /* the empty slot is one page */
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x800000, &pa, &r, &order), KERR_NOENT);
    CHECK_EQ_U(order, 21);                      /* an empty 2 MiB slot */
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x40000000, &pa, &r, &order), KERR_NOENT);
    CHECK_EQ_U(order, 30);                      /* an empty 1 GiB slot */
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + (1ull << 39), &pa, &r, &order), KERR_NOENT);
    CHECK_EQ_U(order, 39);                      /* an empty root entry */
    /* A large page goes whole or not at all. */
    int before = flushes;
    CHECK_EQ_U(vm_unmap(&vs, U + 0x201000), KERR_INVAL);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x201000, &pa, &r), KERR_OK);
    CHECK_EQ_U(vm_unmap(&vs, U + 0x200000), KERR_OK);
    CHECK_EQ_U(flushes, before + 1);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x3ff000, &pa, &r), KERR_NOENT);
    CHECK_EQ_U(vm_map_order(&vs, U + 0x200000, 0x40800000, PTE_R, 21), KERR_OK);   /* again */
    CHECK_EQ_U(vm_lookup(&vs, U + 0x200000, &pa, &r), KERR_OK);
    CHECK_EQ_U(pa, 0x40800000);
    /* 1 GiB at level 1. */
    CHECK_EQ_U(vm_map_order(&vs, U + 0x40000000, 0x80000000, PTE_R | PTE_X, 30), KERR_OK);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x7ffff000, &pa, &r), KERR_OK);
    CHECK(pa == 0xbffff000 && r == (PTE_R | PTE_X));
    CHECK_EQ_U(vm_map_order(&vs, USER_END - 0x200000, 0x40000000, PTE_R, 21), KERR_OK);
    /* Destroying walks past large leaves (their "frames" lie outside the
     * arena: descending into one would trip ASan or a CHECK). */
    vm_destroy(&vs, false);
    CHECK_EQ_U(arena.live, 0);
}

/* Without phys_to_virt the walker reaches each table at its physical
 * address: the entries it stores are where a hand walk through the host
 * pointers finds them, and it frees exactly what it allocated. */
static void test_one_to_one(void)
{
    struct vm_space vs;
    uint64_t pa;
    uint32_t r, order;
    flat = true;
    CHECK_EQ_U(vm_init(&vs, &flat_pt), KERR_OK);
    flat = false;
    uintptr_t va = U + 0x1234000;
    CHECK_EQ_U(vm_map(&vs, va, 0x80005000, PTE_R | PTE_W | PTE_USER), KERR_OK);
    CHECK_EQ_U(flat_live, 4);
    uint64_t t = vs.root;
    uint32_t shift = 12 + 9 * 3;
    for (int level = 0; level < 3; level++, shift -= 9) {
        arch_pte_t e = ((arch_pte_t *)(uintptr_t)t)[(va >> shift) & (level ? 511 : 255)];
        CHECK(arch_pte_valid(e) && arch_pte_is_table(e));
        t = arch_pte_addr(e);
    }
    arch_pte_t leaf = ((arch_pte_t *)(uintptr_t)t)[(va >> 12) & 511];
    CHECK_EQ_U(arch_pte_addr(leaf), 0x80005000);
    CHECK_EQ_U(vm_lookup_leaf(&vs, va + 0x10, &pa, &r, &order), KERR_OK);
    CHECK_EQ_U(pa, 0x80005000);
    CHECK_EQ_U(r, PTE_R | PTE_W | PTE_USER);
    CHECK_EQ_U(order, 12);
    CHECK_EQ_U(vm_lookup_leaf(&vs, va + 0x1000, &pa, &r, &order), KERR_NOENT);
    CHECK_EQ_U(vm_unmap(&vs, va), KERR_OK);
    CHECK_EQ_U(((arch_pte_t *)(uintptr_t)t)[(va >> 12) & 511], 0);
    CHECK_EQ_U(vm_lookup(&vs, va, &pa, &r), KERR_NOENT);
    vm_destroy(&vs, false);
    CHECK_EQ_U(flat_live, 0);
}

/* The last table (vm.c): a walk in the region of the last last-level table
 * a walk went through reads its slot there, reaching no table through
 * phys_to_virt; a walk elsewhere goes from the root (and moves the hint
 * only if it reaches a last-level table); answers are the same either way;
 * a space made anew in the same struct forgets the hint. */
static void test_last_table(void)
{
    struct vm_space vs;
    uint64_t pa;
    uint32_t r, order;
    setup(ARENA_PAGES);
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_OK);
    CHECK_EQ_U(vm_map(&vs, U + 0x400000, 0x80001000, PTE_R | PTE_USER), KERR_OK);
    virt_calls = 0;
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x401000, &pa, &r, &order), KERR_NOENT);
    CHECK_EQ_U(order, 12);                          /* the empty slot: one page */
    CHECK_EQ_U(vm_map(&vs, U + 0x5ff000, 0x80002000, PTE_R | PTE_W), KERR_OK);
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x5ff123, &pa, &r, &order), KERR_OK);
    CHECK(pa == 0x80002000 && r == (PTE_R | PTE_W) && order == 12);
    CHECK_EQ_U(vm_map(&vs, U + 0x5ff000, 0x80003000, PTE_R), KERR_EXIST);
    flushes = 0;
    CHECK_EQ_U(vm_unmap(&vs, U + 0x5ff000), KERR_OK);
    CHECK_EQ_U(flushes, 1);
    CHECK_EQ_U(vm_unmap(&vs, U + 0x5ff000), KERR_NOENT);
    CHECK_EQ_U(virt_calls, 0);                      /* all from the hint */

    /* Elsewhere: an empty 2 MiB slot (no last-level table: the hint stays),
     * a large page (a leaf above the last level: stays too). */
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x600000, &pa, &r, &order), KERR_NOENT);
    CHECK_EQ_U(order, 21);
    CHECK_EQ_U(vm_map_order(&vs, U + 0x800000, 0x40800000, PTE_R, 21), KERR_OK);
    CHECK_EQ_U(vm_lookup_leaf(&vs, U + 0x9ff000, &pa, &r, &order), KERR_OK);
    CHECK(pa == 0x40800000 && order == 21);
    CHECK_EQ_U(vm_map(&vs, U + 0x801000, 0x1000, PTE_R), KERR_EXIST);  /* inside it */
    CHECK(virt_calls > 0);
    virt_calls = 0;
    CHECK_EQ_U(vm_lookup(&vs, U + 0x400000, &pa, &r), KERR_OK);
    CHECK_EQ_U(pa, 0x80001000);
    CHECK_EQ_U(virt_calls, 0);
    /* A page in another region moves the hint there; back, a walk again. */
    CHECK_EQ_U(vm_map(&vs, U + 0x605000, 0x80004000, PTE_R), KERR_OK);
    virt_calls = 0;
    CHECK_EQ_U(vm_lookup(&vs, U + 0x605000, &pa, &r), KERR_OK);
    CHECK_EQ_U(pa, 0x80004000);
    CHECK_EQ_U(virt_calls, 0);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x400000, &pa, &r), KERR_OK);
    CHECK_EQ_U(pa, 0x80001000);
    CHECK_EQ_U(virt_calls, 4);                      /* root to the last level */
    /* The table under a hint stays: no large page can take its slot. */
    CHECK_EQ_U(vm_unmap(&vs, U + 0x400000), KERR_OK);
    CHECK_EQ_U(vm_map_order(&vs, U + 0x400000, 0x40400000, PTE_R, 21), KERR_EXIST);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x400000, &pa, &r), KERR_NOENT);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x605000, &pa, &r), KERR_OK);    /* hint: its table */

    /* Made anew in the same struct (the old tables freed, their pages handed
     * out again zeroed): nothing of the old hint is used. */
    vm_destroy(&vs, false);
    CHECK_EQ_U(arena.live, 0);
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_OK);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x605000, &pa, &r), KERR_NOENT);
    CHECK_EQ_U(vm_map(&vs, U + 0x605000, 0x80005000, PTE_R), KERR_OK);
    CHECK_EQ_U(vm_lookup(&vs, U + 0x605000, &pa, &r), KERR_OK);
    CHECK_EQ_U(pa, 0x80005000);
    vm_destroy(&vs, false);
    CHECK_EQ_U(arena.live, 0);
}

/* vm_range_empty answers by the tables: an empty entry skips what it
 * covers (a 1 GiB range with no tables is one walk), a leaf anywhere in the
 * range (of any size, even one starting before it) makes it non-empty, and
 * it agrees with a page-by-page lookup over random small ranges. */
static bool empty_by_pages(const struct vm_space *vs, uintptr_t va, size_t len)
{
    uint64_t pa;
    uint32_t r;
    for (size_t off = 0; off < len; off += 4096)
        if (vm_lookup(vs, va + off, &pa, &r) == KERR_OK)
            return false;
    return true;
}

static void test_range_empty(void)
{
    const uintptr_t G = 0x40000000;
    struct vm_space vs;
    setup(ARENA_PAGES);
    CHECK_EQ_U(vm_init(&vs, &pt), KERR_OK);
    virt_calls = 0;
    CHECK(vm_range_empty(&vs, U + G, G));
    CHECK(virt_calls <= 2);                     /* one walk: the root's empty entry */
    CHECK(vm_range_empty(&vs, USER_END - G, G));  /* up to the end of user space */
    /* Bad ranges are never "empty". */
    CHECK(!vm_range_empty(&vs, U + G + 1, 4096));
    CHECK(!vm_range_empty(&vs, U + G, 0));
    CHECK(!vm_range_empty(&vs, U + G, 4095));
    CHECK(!vm_range_empty(&vs, U - 4096, 4096));
    CHECK(!vm_range_empty(&vs, USER_END - 4096, 8192));
    CHECK(!vm_range_empty(&vs, U, SIZE_MAX & ~(size_t)4095));
    /* A page inside. */
    CHECK_EQ_U(vm_map(&vs, U + G + 0x12345000, 0x5000, PTE_R), KERR_OK);
    CHECK(!vm_range_empty(&vs, U + G, G));
    CHECK(vm_range_empty(&vs, U, G));
    CHECK(vm_range_empty(&vs, U + 2 * G, G));
    CHECK(vm_range_empty(&vs, U + G, 0x12345000));
    CHECK(!vm_range_empty(&vs, U + G, 0x12346000));
    CHECK(vm_range_empty(&vs, U + G + 0x12346000, G - 0x12346000));
    /* Unmapped, its tables stay: empty again, found in one table's entries. */
    CHECK_EQ_U(vm_unmap(&vs, U + G + 0x12345000), KERR_OK);
    virt_calls = 0;
    CHECK(vm_range_empty(&vs, U + G, G));
    CHECK(virt_calls <= 4 * (512 + 2));
    /* Large leaves: in the range, or covering its start. */
    CHECK_EQ_U(vm_map_order(&vs, U + 2 * G + 0x200000, 0x40200000, PTE_R, 21), KERR_OK);
    CHECK(!vm_range_empty(&vs, U + 2 * G, G));
    CHECK(!vm_range_empty(&vs, U + 2 * G + 0x3ff000, 4096));
    CHECK(vm_range_empty(&vs, U + 2 * G, 0x200000));
    CHECK(vm_range_empty(&vs, U + 2 * G + 0x400000, G - 0x400000));
    CHECK_EQ_U(vm_map_order(&vs, U + 3 * G, 0x80000000, PTE_R, 30), KERR_OK);
    CHECK(!vm_range_empty(&vs, U + 3 * G, G));
    CHECK(!vm_range_empty(&vs, U + 3 * G + 0x7654000, 4096));
    CHECK(!vm_range_empty(&vs, U + 2 * G + 0x400000, G));     /* runs into the 1 GiB leaf */
    /* Random pages in a 16 MiB window against page-by-page lookups. */
    srand(11);
    int mismatches = 0;
    uintptr_t w = U + 4 * G;
    for (int i = 0; i < 3000; i++) {
        uintptr_t at = w + ((uintptr_t)(rand() % 4096) << 12);
        if (rand() % 3 == 0) {
            if (rand() % 2)
                vm_map(&vs, at, 0x1000, PTE_R);
            else
                vm_unmap(&vs, at);
        }
        uintptr_t from = w + ((uintptr_t)(rand() % 4096) << 12);
        size_t len = (size_t)(rand() % 64 + 1) << 12;
        if (rand() % 8 == 0)
            len = (size_t)(rand() % 1024 + 1) << 12;
        if (from + len > w + (4096u << 12))
            continue;
        mismatches += vm_range_empty(&vs, from, len) != empty_by_pages(&vs, from, len);
    }
    CHECK_EQ_U(mismatches, 0);
    vm_destroy(&vs, false);
    CHECK_EQ_U(arena.live, 0);
}

int main(void)
{
    test_map_lookup_unmap();
    test_out_of_memory();
    test_large_pages();
    test_random();
    test_one_to_one();
    test_last_table();
    test_range_empty();
    free(arena.pages);
    return check_summary("test_vm");
}
