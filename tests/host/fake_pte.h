/* The made-up page-table entry format of the host tests that walk real page
 * tables (vm.c): valid bit 0, table bit 1, rights bits 2-5, address above
 * bit 12.  The walker must not care what the real formats (the ports') are. */
#pragma once

#include <vm.h>

enum { V = 1, T = 2, RIGHTS_SHIFT = 2 };
#define ADDR_MASK (~0xfffull)

arch_pte_t arch_pte_table(uint64_t pa) { return pa | V | T; }
arch_pte_t arch_pte_leaf(uint64_t pa, uint32_t r) { return pa | V | (uint64_t)r << RIGHTS_SHIFT; }
/* Large leaves at levels 1 and 2 (1 GiB and 2 MiB with 9-bit levels). */
bool arch_pt_leaf_ok(uint32_t level) { return level == 1 || level == 2; }
arch_pte_t arch_pte_leaf_at(uint64_t pa, uint32_t r, uint32_t level) { return arch_pte_leaf(pa, r); }
bool arch_pte_valid(arch_pte_t p) { return p & V; }
bool arch_pte_is_table(arch_pte_t p) { return p & T; }
uint64_t arch_pte_addr(arch_pte_t p) { return p & ADDR_MASK; }
uint32_t arch_pte_rights(arch_pte_t p) { return (p >> RIGHTS_SHIFT) & 0xf; }
