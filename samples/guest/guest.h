/* The guest's own ABI, between its kernel (kernel.c) and its processes
 * (user.c): system-call numbers and the processes' address-space layout.
 * Carried by keel_vmm_syscall() (keel/vmm/hypercall.h). */
#pragma once

#include <keel/vmm/hypercall.h>

/** Guest system calls. */
enum guest_sys {
    SYS_WRITE = 1,      /* a0 = length of the text in the system-call page's data */
    SYS_EXIT = 2,       /* a0 = status */
    SYS_GETPID = 3,     /* returns the process's number */
    SYS_YIELD = 4,      /* let the other processes run */
};

/* A guest process's stack (its pages are mapped on demand by its kernel)
 * and a heap page it touches once. */
#define GUEST_STACK_TOP ((uintptr_t)0x0000400000100000ull)
#define GUEST_STACK_PAGES 16
#define GUEST_HEAP ((uintptr_t)0x0000400000200000ull)
/* Heap pages a process may touch (from GUEST_HEAP). */
#define GUEST_HEAP_PAGES 24
/* Marked operations of each ./keel bench case. */
#define GUEST_BENCH_ROUNDS 16

/* The entry of the guest's processes (user.c). */
_Noreturn void guest_process(uintptr_t id);

/* The last word of a process's system-call page: how many times its time
 * slice ran out, written by its kernel (a process spins on it). */
#define GUEST_TICKS(p) (*(volatile uintptr_t *)&(p)->data[sizeof((p)->data) - sizeof(uintptr_t)])
