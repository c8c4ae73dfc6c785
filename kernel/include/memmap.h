/* A set of physical address ranges, kept sorted, merged and non-overlapping. */
#pragma once

#include <arch.h>

#define MEMMAP_MAX 64

struct memmap {
    struct mem_range r[MEMMAP_MAX];
    uint32_t count;
};

/* Empty the set. */
void memmap_clear(struct memmap *m);
/* Add [base, base + size) to the set, merging with neighbours. */
enum kerr memmap_add(struct memmap *m, uint64_t base, uint64_t size);
/* Remove [base, base + size) from the set, splitting ranges as needed. */
enum kerr memmap_remove(struct memmap *m, uint64_t base, uint64_t size);
/* Shrink every range to whole multiples of align, dropping empty ones. */
void memmap_align(struct memmap *m, uint64_t align);
/* Sum of the sizes of all ranges. */
uint64_t memmap_total(const struct memmap *m);
/* True if [base, base + size) lies entirely inside one range. */
bool memmap_contains(const struct memmap *m, uint64_t base, uint64_t size);
/* True if [base, base + size) overlaps any range. */
bool memmap_overlaps(const struct memmap *m, uint64_t base, uint64_t size);
