/*
 * pagealloc.h - physical page-frame allocator.
 *
 * Manages the usable RAM of a struct memmap in ARCH_PAGE_SIZE pages.  Freed
 * pages form a LIFO list threaded through their own first 16 bytes (next
 * and previous); pages
 * never handed out come from a cursor in address order, so allocating and
 * freeing are O(1) (plus a binary search over at most MEMMAP_MAX ranges)
 * and start-up touches only the bitmaps, not all of RAM.  A bitmap per range, carved from the range's first
 * pages, records which pages are free: freeing a page twice or one the
 * allocator does not manage is reported, not obeyed.
 *
 * The allocator touches RAM only through the caller's phys_to_virt(), which
 * must map each usable range contiguously (the kernel maps RAM 1:1 today).
 */
#pragma once

#include <memmap.h>

/** Translates a physical address to a pointer the kernel can use. */
typedef void *(*phys_to_virt_fn)(uint64_t pa);

/** One managed range: pages [base, base + pages * ARCH_PAGE_SIZE). */
struct pagealloc_range {
    uint64_t base;
    uint64_t pages;
    uint64_t *bitmap;       /**< bit i set: page i is free */
    uint64_t top;           /**< never-used pages of it lie below this index (huge
                                 blocks are cut from the top down) */
};

struct pagealloc {
    struct pagealloc_range range[MEMMAP_MAX];   /**< sorted by address */
    uint32_t count;         /**< ranges used */
    uint64_t free_head;     /**< physical address of the first free page */
    uint64_t free_pages;
    uint64_t total_pages;   /**< pages managed (excluding the bitmaps) */
    uint32_t fresh_range;   /**< range of the next never-used page */
    uint64_t fresh_next;    /**< its index in that range */
    phys_to_virt_fn phys_to_virt;
};

/**
 * Take over the usable ranges of m: their whole pages, less the bitmap pages
 * at the start of each range (a range too small to hold its own bitmap and a
 * page is left alone).  Only the bitmaps are written.  Errors:
 * KERR_INVAL without phys_to_virt.
 */
enum kerr pagealloc_init(struct pagealloc *pa, const struct memmap *m, phys_to_virt_fn p2v);

/**
 * Allocate one page (contents undefined); *phys gets its physical address.
 * Errors: KERR_NOMEM when none is free; KERR_BADFMT if the free list was
 * found overwritten (a use after free: the allocator stops handing out pages).
 */
enum kerr page_alloc(struct pagealloc *pa, uint64_t *phys);

/**
 * Allocate pages (a power of two) contiguous pages aligned to their total
 * size, for a page-table root larger than a page (POWER9: 64 KiB).  A block
 * of freed pages is reused first (found in the bitmaps of the memory used
 * so far, taken out of the free list, which is doubly linked for this);
 * else it comes from never-used memory (pages skipped to align join the
 * free list).  Freed one page at a time with page_free.  Errors:
 * KERR_INVAL if pages is not a power of two, KERR_NOMEM if no such block
 * is left.
 */
enum kerr page_alloc_block(struct pagealloc *pa, uint64_t pages, uint64_t *phys);

/**
 * Return the page at phys.  Errors: KERR_INVAL if phys is not page aligned,
 * KERR_RANGE if no managed page is there (outside the ranges, or a bitmap
 * page), KERR_NOENT if it is already free (a double free).
 */
enum kerr page_free(struct pagealloc *pa, uint64_t phys);

/** Number of free pages. */
uint64_t pagealloc_free_count(const struct pagealloc *pa);
