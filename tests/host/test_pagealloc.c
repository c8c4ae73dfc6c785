/* Host tests for kernel/pagealloc.c.  "Physical" RAM is a few ranges at
 * made-up addresses, each backed by its own exact-size allocation; the
 * phys_to_virt() given to the allocator fails the test on any address
 * outside them, and ASan catches any access past their ends. */
#include <pagealloc.h>
#include <sys/mman.h>
#include "check.h"

#define PG 4096ull

/* The fake machine: usable RAM as the memory map would report it. */
static const struct mem_range ram[] = {
    { 0x80000000, 64 * PG },            /* 1 bitmap page + 63 pages */
    { 0x80100800, 10 * PG },            /* unaligned: 9 whole pages, 8 managed */
    { 0x80200000, PG },                 /* 1 page: all bitmap, left alone */
    { 0x80300000, 33000 * PG },         /* needs 2 bitmap pages: 32998 managed */
    { UINT64_MAX - 0x800, 0x800 },      /* no whole page (and ALIGN_UP would wrap) */
};
#define MANAGED (63 + 8 + 32998)

static unsigned char *backing[ARRAY_SIZE(ram)];
static int stray;

static void *p2v(uint64_t pa)
{
    for (size_t i = 0; i < ARRAY_SIZE(ram); i++)
        if (pa >= ram[i].base && pa - ram[i].base < ram[i].size)
            return backing[i] + (pa - ram[i].base);
    stray++;
    static uint64_t sink[PG / 8];
    return sink;
}

static void setup(struct memmap *m)
{
    memmap_clear(m);
    for (size_t i = 0; i < ARRAY_SIZE(ram); i++) {
        backing[i] = malloc((size_t)ram[i].size);
        CHECK(backing[i] != NULL);
        m->r[m->count++] = ram[i];
    }
}

/* Page addresses a caller may get: managed pages, not bitmaps. */
static bool is_managed(uint64_t pa)
{
    return (pa >= 0x80001000 && pa < 0x80040000) ||
           (pa >= 0x80102000 && pa < 0x8010a000) ||
           (pa >= 0x80302000 && pa < 0x80300000 + 33000 * PG);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_exhaust(struct pagealloc *pa, uint64_t *pages)
{
    uint64_t n = 0, bad = 0, phys;
    while (page_alloc(pa, &phys) == KERR_OK && n <= MANAGED) {
        bad += phys % PG != 0 || !is_managed(phys);
        bad += n > 0 && phys <= pages[n - 1];   /* lowest addresses first */
        memset(p2v(phys), (int)(n & 0xff), PG); /* a user scribbles all over it */
        pages[n++] = phys;
    }
    CHECK_EQ_U(n, MANAGED);
    CHECK_EQ_U(bad, 0);
    CHECK_EQ_U(pagealloc_free_count(pa), 0);
    CHECK_EQ_U(page_alloc(pa, &phys), KERR_NOMEM);
}

static void test_errors(struct pagealloc *pa, const uint64_t *pages)
{
    uint64_t before = pagealloc_free_count(pa);
    CHECK_EQ_U(page_free(pa, pages[0] + 8), KERR_INVAL);       /* misaligned */
    CHECK_EQ_U(page_free(pa, UINT64_MAX), KERR_INVAL);
    CHECK_EQ_U(page_free(pa, 0), KERR_RANGE);
    CHECK_EQ_U(page_free(pa, 0x80000000), KERR_RANGE);         /* a bitmap page */
    CHECK_EQ_U(page_free(pa, 0x80301000), KERR_RANGE);         /* the second one */
    CHECK_EQ_U(page_free(pa, 0x80040000), KERR_RANGE);         /* just past a range */
    CHECK_EQ_U(page_free(pa, 0x80100000), KERR_RANGE);         /* partial first page */
    CHECK_EQ_U(page_free(pa, 0x80101000), KERR_RANGE);         /* bitmap page */
    CHECK_EQ_U(page_free(pa, 0x8010a000), KERR_RANGE);         /* partial last page */
    CHECK_EQ_U(page_free(pa, 0x80200000), KERR_RANGE);         /* range left alone */
    CHECK_EQ_U(page_free(pa, UINT64_MAX - 0xfff), KERR_RANGE);
    CHECK_EQ_U(pagealloc_free_count(pa), before);
}

static void test_free_realloc(struct pagealloc *pa, uint64_t *pages)
{
    uint64_t phys, bad = 0, last = 0;

    /* Free every other page, then all of them: double frees refused. */
    for (uint64_t i = 0; i < MANAGED; i += 2)
        bad += page_free(pa, pages[i]) != KERR_OK;
    CHECK_EQ_U(pagealloc_free_count(pa), (MANAGED + 1) / 2);
    CHECK_EQ_U(page_free(pa, pages[0]), KERR_NOENT);
    CHECK_EQ_U(page_free(pa, pages[MANAGED - 2]), KERR_OK);  /* MANAGED is odd */
    CHECK_EQ_U(page_free(pa, pages[MANAGED - 2]), KERR_NOENT);
    CHECK_EQ_U(pagealloc_free_count(pa), (MANAGED + 1) / 2 + 1);
    for (uint64_t i = 1; i < MANAGED - 2; i += 2) {
        bad += page_free(pa, pages[i]) != KERR_OK;
        last = pages[i];
    }
    CHECK_EQ_U(bad, 0);
    CHECK_EQ_U(pagealloc_free_count(pa), MANAGED);

    /* LIFO: the last freed comes back first. */
    CHECK_EQ_U(page_alloc(pa, &phys), KERR_OK);
    CHECK_EQ_U(phys, last);
    CHECK_EQ_U(page_free(pa, phys), KERR_OK);

    /* Reallocate everything: the same set of pages, each once. */
    uint64_t *again = malloc(sizeof(uint64_t) * MANAGED);
    uint64_t n = 0;
    while (n < MANAGED && page_alloc(pa, &again[n]) == KERR_OK)
        n++;
    CHECK_EQ_U(n, MANAGED);
    qsort(again, MANAGED, sizeof(uint64_t), cmp_u64);
    CHECK(memcmp(again, pages, sizeof(uint64_t) * MANAGED) == 0);
    CHECK_EQ_U(page_alloc(pa, &phys), KERR_NOMEM);
    for (uint64_t i = 0; i < MANAGED; i++)
        bad += page_free(pa, again[i]) != KERR_OK;
    CHECK_EQ_U(bad, 0);
    free(again);
}

/* A write to a freed page (use after free) breaks the link in it: detected
 * when the page comes up, and nothing is handed out twice. */
static void test_use_after_free(struct pagealloc *pa)
{
    uint64_t a, b, phys;
    CHECK_EQ_U(page_alloc(pa, &a), KERR_OK);
    CHECK_EQ_U(page_alloc(pa, &b), KERR_OK);            /* b stays allocated */
    CHECK_EQ_U(page_free(pa, a), KERR_OK);              /* list: a, ... */
    uint64_t free_before = pagealloc_free_count(pa);
    uint64_t *link = p2v(a), saved = *link;
    const uint64_t wrong[] = { a, a + 8, 0x1000, 0x80000000, b };
    for (size_t i = 0; i < ARRAY_SIZE(wrong); i++) {
        *link = wrong[i];       /* itself, misaligned, outside, bitmap, allocated */
        CHECK_EQ_U(page_alloc(pa, &phys), KERR_BADFMT);
        CHECK_EQ_U(pagealloc_free_count(pa), free_before);
    }
    *link = saved;
    CHECK_EQ_U(page_alloc(pa, &phys), KERR_OK);
    CHECK_EQ_U(phys, a);
    CHECK_EQ_U(page_free(pa, a), KERR_OK);
    CHECK_EQ_U(page_free(pa, b), KERR_OK);
    CHECK_EQ_U(pagealloc_free_count(pa), free_before + 1);
}

/* Random allocations and frees against a model of which pages are out. */
static void test_random(struct pagealloc *pa)
{
    static uint64_t out[MANAGED];
    uint64_t n = 0, bad = 0, rng = 12345;
    for (long op = 0; op < 100000; op++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        if (rng % 3 && n < MANAGED) {
            bad += page_alloc(pa, &out[n]) != KERR_OK;
            bad += !is_managed(out[n]);
            n++;
        } else if (n > 0) {
            uint64_t i = (rng >> 8) % n, phys = out[i];
            out[i] = out[--n];
            bad += page_free(pa, phys) != KERR_OK;
            bad += page_free(pa, phys) != KERR_NOENT;
        }
        bad += pagealloc_free_count(pa) != MANAGED - n;
    }
    CHECK_EQ_U(bad, 0);
    while (n > 0)
        bad += page_free(pa, out[--n]) != KERR_OK;
    CHECK_EQ_U(bad, 0);
    CHECK_EQ_U(pagealloc_free_count(pa), MANAGED);
}

/* Aligned blocks (page-table roots above a page) from never-used memory:
 * skipped pages stay allocatable, nothing is lost or handed out twice. */
static void test_block(struct pagealloc *pa, const struct memmap *m, uint64_t *pages)
{
    enum { BLOCK = 16, BLOCKS = 5 };
    uint64_t blocks[BLOCKS], phys;
    CHECK_EQ_U(pagealloc_init(pa, m, p2v), KERR_OK);
    CHECK_EQ_U(page_alloc_block(pa, 0, &phys), KERR_INVAL);
    CHECK_EQ_U(page_alloc_block(pa, 3, &phys), KERR_INVAL);
    for (int i = 0; i < BLOCKS; i++) {
        CHECK_EQ_U(page_alloc_block(pa, BLOCK, &blocks[i]), KERR_OK);
        CHECK_EQ_U(blocks[i] % (BLOCK * PG), 0);
        CHECK(is_managed(blocks[i]) && is_managed(blocks[i] + (BLOCK - 1) * PG));
        CHECK_EQ_U(pagealloc_free_count(pa), MANAGED - (uint64_t)(i + 1) * BLOCK);
    }
    CHECK_EQ_U(blocks[0], 0x80010000);      /* 15 pages skipped to align */
    CHECK_EQ_U(blocks[3], 0x80310000);      /* range 2 too small: skipped whole */
    for (int i = 0; i < BLOCKS; i++)
        for (int p = 0; p < BLOCK; p++)
            CHECK_EQ_U(page_free(pa, blocks[i] + (uint64_t)p * PG), KERR_OK);
    CHECK_EQ_U(pagealloc_free_count(pa), MANAGED);
    uint64_t n = 0;
    while (n <= MANAGED && page_alloc(pa, &pages[n]) == KERR_OK)
        n++;
    CHECK_EQ_U(n, MANAGED);
    qsort(pages, n, sizeof(uint64_t), cmp_u64);
    uint64_t dup = 0;
    for (uint64_t i = 1; i < n; i++)
        dup += pages[i] == pages[i - 1];
    CHECK_EQ_U(dup, 0);
    CHECK_EQ_U(page_alloc_block(pa, BLOCK, &phys), KERR_NOMEM);

    /* Nothing never-used is left: blocks come from freed pages.  Free every
     * other page, then two aligned blocks' worth (out of order): exactly
     * those two blocks come back, and pages no block covers stay listed. */
    for (uint64_t i = 0; i < n; i += 2)
        CHECK_EQ_U(page_free(pa, pages[i]), KERR_OK);
    CHECK_EQ_U(page_alloc_block(pa, BLOCK, &phys), KERR_NOMEM);
    uint64_t want[2] = { 0x80320000, 0x80400000 };
    for (int b = 1; b >= 0; b--)        /* their odd pages are free already */
        for (uint64_t p = 0; p < BLOCK; p += 2)
            CHECK_EQ_U(page_free(pa, want[b] + p * PG), KERR_OK);
    uint64_t free_before = pagealloc_free_count(pa);
    CHECK_EQ_U(page_alloc_block(pa, BLOCK, &phys), KERR_OK);
    CHECK_EQ_U(phys, want[0]);
    CHECK_EQ_U(page_alloc_block(pa, BLOCK, &phys), KERR_OK);
    CHECK_EQ_U(phys, want[1]);
    CHECK_EQ_U(page_alloc_block(pa, BLOCK, &phys), KERR_NOMEM);
    CHECK_EQ_U(pagealloc_free_count(pa), free_before - 2 * BLOCK);
    /* The list is intact: every page left free comes out once, none of the
     * blocks' pages among them. */
    uint64_t got = 0, inside = 0;
    while (got <= MANAGED && page_alloc(pa, &phys) == KERR_OK) {
        got++;
        inside += (phys >= want[0] && phys < want[0] + BLOCK * PG) ||
                  (phys >= want[1] && phys < want[1] + BLOCK * PG);
    }
    CHECK_EQ_U(got, free_before - 2 * BLOCK);
    CHECK_EQ_U(inside, 0);
}

/* A huge block (1 GiB: TOP_BLOCK_PAGES) is cut from the top of never-used
 * memory: no page below it is touched or listed, the bottom cursor never
 * hands out a page of it, and when no aligned one is left the answer is
 * KERR_NOMEM with nothing changed.  Its own machine, backed by mappings
 * that only commit what is touched. */
#define HUGE_PG ((uint64_t)1 << 18)
static const struct mem_range huge_ram[] = {
    { 0x40000000, (HUGE_PG + 64) * PG },        /* bitmap first: no aligned 1 GiB */
    { 0x100000000, (2 * HUGE_PG + 3) * PG },    /* ends 3 pages past 0x180000000 */
};
static unsigned char *huge_backing[2];

static void *huge_p2v(uint64_t pa)
{
    for (size_t i = 0; i < 2; i++)
        if (pa >= huge_ram[i].base && pa - huge_ram[i].base < huge_ram[i].size)
            return huge_backing[i] + (pa - huge_ram[i].base);
    stray++;
    static uint64_t sink[PG / 8];
    return sink;
}

static void test_huge_block(void)
{
    static struct pagealloc pa;
    struct memmap m;
    memmap_clear(&m);
    for (size_t i = 0; i < 2; i++) {
        huge_backing[i] = mmap(NULL, (size_t)huge_ram[i].size, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        CHECK(huge_backing[i] != MAP_FAILED);
        m.r[m.count++] = huge_ram[i];
    }
    CHECK_EQ_U(pagealloc_init(&pa, &m, huge_p2v), KERR_OK);
    uint64_t total = pagealloc_free_count(&pa), phys = 0;
    CHECK_EQ_U(page_alloc_block(&pa, HUGE_PG, &phys), KERR_OK);
    CHECK_EQ_U(phys, 0x140000000);              /* the highest aligned one */
    CHECK_EQ_U(pagealloc_free_count(&pa), total - HUGE_PG);
    uint64_t again = 0;
    CHECK_EQ_U(page_alloc_block(&pa, HUGE_PG, &again), KERR_NOMEM);    /* none left */
    CHECK_EQ_U(pagealloc_free_count(&pa), total - HUGE_PG);
    CHECK_EQ_U(page_free(&pa, phys + 5 * PG), KERR_OK);   /* give one page of it back */
    CHECK_EQ_U(page_alloc(&pa, &again), KERR_OK);
    CHECK_EQ_U(again, phys + 5 * PG);                     /* listed: it comes first */
    /* Every other page, then: the 3 pages above the block, and every
     * never-used page from the bottom cursor, none inside the block. */
    uint64_t n = 0, inside = 0, above = 0;
    while (page_alloc(&pa, &again) == KERR_OK) {
        n++;
        inside += again >= phys && again < phys + HUGE_PG * PG;
        above += again >= phys + HUGE_PG * PG;
    }
    CHECK_EQ_U(n, total - HUGE_PG);
    CHECK_EQ_U(inside, 0);
    CHECK_EQ_U(above, 3);
    CHECK_EQ_U(pagealloc_free_count(&pa), 0);
    CHECK_EQ_U(stray, 0);
    for (size_t i = 0; i < 2; i++)
        munmap(huge_backing[i], (size_t)huge_ram[i].size);
}

int main(void)
{
    static struct pagealloc pa;
    struct memmap m;
    uint64_t *pages = malloc(sizeof(uint64_t) * (MANAGED + 1));

    setup(&m);
    CHECK_EQ_U(pagealloc_init(&pa, &m, NULL), KERR_INVAL);
    CHECK_EQ_U(pagealloc_init(&pa, &m, p2v), KERR_OK);
    CHECK_EQ_U(pa.count, 3);
    CHECK_EQ_U(pa.total_pages, MANAGED);
    CHECK_EQ_U(pagealloc_free_count(&pa), MANAGED);
    test_exhaust(&pa, pages);
    test_errors(&pa, pages);
    test_free_realloc(&pa, pages);
    test_errors(&pa, pages);
    test_use_after_free(&pa);
    test_random(&pa);
    test_block(&pa, &m, pages);
    CHECK_EQ_U(stray, 0);
    test_huge_block();

    struct memmap empty;
    memmap_clear(&empty);
    uint64_t phys;
    CHECK_EQ_U(pagealloc_init(&pa, &empty, p2v), KERR_OK);
    CHECK_EQ_U(page_alloc(&pa, &phys), KERR_NOMEM);
    CHECK_EQ_U(page_free(&pa, 0x80001000), KERR_RANGE);

    for (size_t i = 0; i < ARRAY_SIZE(ram); i++)
        free(backing[i]);
    free(pages);
    return check_summary("test_pagealloc");
}
