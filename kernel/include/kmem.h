/* Kernel memory: the page allocator over usable RAM, reached 1:1. */
#pragma once

#include <bootinfo.h>
#include <pagealloc.h>
#include <vm.h>

/* Hand every usable page of d to the allocator. */
enum kerr kmem_init(const struct boot_desc *d);
/* A zeroed page; KERR_NOMEM when RAM is exhausted. */
enum kerr kmem_page(uint64_t *pa);
/* Give a page back. */
void kmem_free(uint64_t pa);
/* The kernel's pointer to physical address pa (RAM is mapped 1:1). */
void *kmem_ptr(uint64_t pa);
/* Page-table pages for kernel/vm.c come from here. */
extern const struct vm_pt_alloc kmem_pt_alloc;
