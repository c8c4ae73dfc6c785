/* Kernel memory: the page allocator over usable RAM, reached 1:1. */
#pragma once

#include <bootinfo.h>
#include <pagealloc.h>
#include <vm.h>

/* Hand every usable page of d to the allocator. */
enum kerr kmem_init(const struct boot_desc *d);
/* A zeroed page; KERR_NOMEM when RAM is exhausted. */
enum kerr kmem_page(uint64_t *pa);
/* Pages still free. */
uint64_t kmem_free_pages(void);
/* Give a page back. */
void kmem_free(uint64_t pa);
/* The kernel's pointer to physical address pa (RAM is mapped 1:1). */
void *kmem_ptr(uint64_t pa);
/* bytes (a power-of-two number of pages) of zeroed, naturally aligned,
 * contiguous memory; 0 if none (POWER9's page-table roots). */
uint64_t kmem_block(size_t bytes);
