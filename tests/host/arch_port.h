/* The "host" port: just enough of arch_port.h for generic code to compile
 * into host unit tests (tests/host/). */
#pragma once

#include <types.h>

#define ARCH_NAME "host"
#define ARCH_PAGE_SHIFT 12
#define ARCH_PT_LEVELS 4

struct arch_regs { uint64_t r[32]; };
struct arch_context { uint64_t r[16]; };
struct arch_aspace { uint64_t root; };
typedef uint64_t arch_pte_t;
