/*
 * Generic page tables.  The kernel builds and walks every address space's
 * tables here; the port supplies only the entry format (arch_pte_*), the
 * index width of each level and the activation of a root (see arch.h).
 */
#pragma once

#include <arch.h>

/* Where page-table pages come from, and how the kernel reaches them. */
struct vm_pt_alloc {
    uint64_t (*alloc)(void *ctx);               /* a zeroed page, or 0 if none */
    void (*free)(void *ctx, uint64_t pa);       /* give a table page back */
    /* NULL: tables are reached at their physical address (the kernel runs
     * 1:1, kmem_ptr), with no call per level of a walk. */
    void *(*phys_to_virt)(void *ctx, uint64_t pa);
    void *ctx;
    /* A zeroed root of bytes (a power of two above a page, naturally
     * aligned: POWER9's is 64 KiB), or 0 if none; freed page by page.
     * Only needed where the root is larger than a page. */
    uint64_t (*alloc_root)(void *ctx, size_t bytes);
};

/* One address space. */
struct vm_space {
    struct arch_aspace arch;
    uint64_t root;                  /* physical address of the root table */
    const struct vm_pt_alloc *pt;
    uint32_t tag;                   /* hardware tag, valid in generation tag_gen */
    uint64_t tag_gen;               /* 0: never tagged */
    /* The last-level table the last walk went through and the aligned
     * region it covers (0: none yet; no user address lies in region 0):
     * the next walk in that region starts there.  A hint only: tables stay
     * until the space goes (vm_destroy), so it never goes stale (vm.c,
     * "The last table"). */
    uintptr_t last_region;
    arch_pte_t *last_table;
};

/* The current tag generation (kernel/tags.c): a space whose tag_gen differs
 * gets a fresh tag when it is next activated. */
extern uint64_t vm_tag_generation;

/* Give vs a tag of the current generation (rolling over to a new one, whose
 * tags are each flushed as they are handed out, when all are taken). */
void vm_retag(struct vm_space *vs);

/* Use at most max_bits (at least 1) of the tag width the hardware has (a
 * test setting: fewer tags roll over sooner); returns the width in use.  Optional: the
 * first activation uses the hardware's width otherwise. */
uint32_t vm_tags_init(uint32_t max_bits);

/* Width of the hardware tags in use (0: none). */
uint32_t vm_tag_bits(void);

/* Make vs the current user address space, tagging it first if its tag is
 * from an older generation. */
static inline void vm_activate(struct vm_space *vs)
{
    if (vs->tag_gen != vm_tag_generation)
        vm_retag(vs);
    arch_aspace_activate_inline(&vs->arch);
}

/* Bits of virtual address the tables translate (user half). */
uint32_t vm_va_bits(void);

/* Create an empty address space (tagged when first activated).  KERR_NOMEM
 * if no page. */
enum kerr vm_init(struct vm_space *vs, const struct vm_pt_alloc *pt);

/* Map the page at va to pa with rights (PTE_R/W/X/USER).  KERR_INVAL if va or
 * pa is not page aligned or rights is empty, KERR_RANGE if va is outside
 * [USER_BASE, USER_END), KERR_EXIST if va is mapped, KERR_NOMEM if a table page
 * could not be had. */
enum kerr vm_map(struct vm_space *vs, uintptr_t va, uint64_t pa, uint32_t rights);

/* Map the naturally aligned region of 2^order bytes at va to pa with one
 * leaf entry: a page (order ARCH_PAGE_SHIFT) or a large page (docs/design.md,
 * "Large pages").  KERR_INVAL if the machine has no leaf of that size or va
 * or pa is not aligned to it (or rights is empty), KERR_RANGE if the region
 * leaves user space, KERR_EXIST if anything of it is mapped, or a table
 * already sits in the slot (even one of no mapping: tables are kept until
 * the space goes), KERR_NOMEM if a table page could not be had. */
enum kerr vm_map_order(struct vm_space *vs, uintptr_t va, uint64_t pa, uint32_t rights,
                       uint32_t order);

/* True if nothing is mapped in [va, va + len): checked by the tables (an
 * empty table entry skips all it covers), not page by page.  False too if
 * the range is not page aligned or leaves user space. */
bool vm_range_empty(const struct vm_space *vs, uintptr_t va, size_t len);

/* The sizes of leaf the machine has: bit n set for 2^n bytes. */
uint64_t vm_leaf_orders(void);

/* Remove the mapping (of any size) that starts at va.  KERR_NOENT if there
 * is none, KERR_INVAL if va lies inside a large page but is not its start
 * (a large page goes whole or not at all). */
enum kerr vm_unmap(struct vm_space *vs, uintptr_t va);

/* Translate va: physical address of its page and the rights.  KERR_NOENT if
 * not mapped. */
enum kerr vm_lookup(const struct vm_space *vs, uintptr_t va, uint64_t *pa, uint32_t *rights);

/* The leaf that maps va: the physical address where it starts, its rights
 * and log2 of its size in *order.  KERR_NOENT if va is not mapped; *order
 * then gives the size of the aligned unmapped region around va that the
 * tables prove empty (a whole missing table: nothing to look up in it). */
enum kerr vm_lookup_leaf(const struct vm_space *vs, uintptr_t va, uint64_t *pa,
                         uint32_t *rights, uint32_t *order);

/* True if every byte of [va, va + len) is mapped with at least rights: how
 * the kernel checks a user pointer before it touches it. */
bool vm_range_ok(const struct vm_space *vs, uintptr_t va, size_t len, uint32_t rights);

/* Free every table page of the address space, and the mapped pages too if
 * free_pages (through the same allocator). */
void vm_destroy(struct vm_space *vs, bool free_pages);
