/*
 * Factories: quotas of kernel memory, counted in pages.  Every kernel page
 * is charged to one factory, the one the request that needed it named; the
 * frame table (kmem.h) records which, and every free gives the page back
 * to it (quota.c).  factory.c holds the factory's own operations.
 */
#pragma once

#include <types.h>

struct factory {
    struct factory *parent;     /* quota comes from, and returns to, the parent */
    uint64_t pages_left;
    uint64_t used;              /* pages charged to it and not yet freed */
    uint32_t refs;              /* capabilities naming it */
    bool dead;                  /* no capability left: quota flows back to the parent */
    bool memory;                /* may pay for fresh user memory (MAP_ANON, LOAD_ELF): a
                                   share of the root task's memory, not only kernel objects */
};

/* ---- quotas (quota.c) ---- */
/* Charge one page to f and allocate it zeroed, recording f as its payer in
 * the frame table; KEEL_E_QUOTA if f's quota or memory ran out. */
uint32_t factory_page(struct factory *f, uint64_t *pa);
/* bytes (a power-of-two number of pages) of zeroed, aligned, contiguous
 * memory charged to f page by page; 0 if quota or memory ran out. */
uint64_t factory_block(struct factory *f, size_t bytes);
/* Free a page, giving it back to the factory that paid for it. */
void factory_free(uint64_t pa);
/* Move pages of f's quota to child (a new sub-factory); KEEL_E_QUOTA if f
 * has fewer. */
uint32_t factory_split(struct factory *f, uint64_t pages, struct factory *child);

/* ---- factories (factory.c) ---- */
/* A new sub-factory holding pages of f's quota, its own page charged to f
 * first; KEEL_E_QUOTA if f cannot pay for both. */
uint32_t factory_create(struct factory *f, uint64_t pages, struct factory **out);
/* Give back a sub-factory never handed out (its quota and its page). */
void factory_discard(struct factory *child);
/* cap_object_ref() for factory capabilities.  When the last one goes, the
 * factory is dead: its quota left goes back to its parent, and so does
 * every page charged to it as it is freed (the objects it paid for live
 * on); once none is left, its own page goes back too.  The root factory
 * (no parent) never dies. */
void factory_ref(struct factory *f, int delta);
/* Dead factory f settles with its parent (quota back; its own page too if
 * nothing charged to it is left), and so on up (quota.c). */
void factory_settle(struct factory *f);
