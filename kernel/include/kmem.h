/* Kernel memory: the page allocator over usable RAM, reached 1:1, and the
 * frame table (one owner word per page: the factory that paid for it). */
#pragma once

#include <bootinfo.h>
#include <pagealloc.h>
#include <vm.h>

/* Hand every usable page of d to the allocator and set up the frame table
 * (taken from the same RAM first). */
enum kerr kmem_init(const struct boot_desc *d);
/* A zeroed page; KERR_NOMEM when RAM is exhausted. */
enum kerr kmem_page(uint64_t *pa);
/* Pages still free. */
uint64_t kmem_free_pages(void);
/* Give a page back; its owner entry is cleared.  The page allocator's
 * error if it was free already or is not RAM it manages. */
enum kerr kmem_free(uint64_t pa);
/* The kernel's pointer to physical address pa (RAM is mapped 1:1). */
void *kmem_ptr(uint64_t pa);
/* bytes (a power-of-two number of pages) of zeroed, naturally aligned,
 * contiguous memory; 0 if none (POWER9's page-table roots). */
uint64_t kmem_block(size_t bytes);
/* Record owner (NULL: none) as the payer of the managed page at pa; pages
 * the allocator does not manage are ignored. */
void kmem_set_owner(uint64_t pa, void *owner);
/* The owner recorded for the page at pa, or NULL. */
void *kmem_owner(uint64_t pa);
