/*
 * Factories: quotas of kernel memory, counted in pages.  Every kernel page
 * is charged to one factory, the one the request that needed it named; the
 * frame table (kmem.h) records which, and every free gives the page back
 * to it (quota.c).  factory.c holds the factory's own operation.
 */
#pragma once

#include <types.h>

struct factory {
    struct factory *parent;     /* quota comes from, and returns to, the parent */
    uint64_t pages_left;
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
