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
    SYS_SEND = 20,      /* a0 = length of a message in the data: to the other VM's processes */
    SYS_RECV = 21,      /* wait for a message from the other VM into the data; its length,
                           or -1 once the other VM is gone */
    SYS_SPAWN = 22,     /* a0 = the new process's role (enum guest_role); its pid, or -1 */
};

/* What a process does (its argument: role | vm << 8). */
enum guest_role {
    ROLE_FIRST = 1,     /* hello, heap, the benchmarks (VM 1), then spawns the messenger */
    ROLE_SPINNER = 2,   /* spins until the virtual timer took the processor twice */
    ROLE_MESSENGER = 3, /* VM 1: sends to VM 2 and waits for the answer; VM 2: the reverse */
    ROLE_READER = 4,    /* reads a file of the virtual disk and a typed line (reader.c) */
    /* Hostile processes (tests/target/vmbad, scenario 3), made by the kernel: */
    ROLE_WILD = 5,      /* touches memory its kernel never backs (GUEST_WILD) */
    ROLE_HOG = 6,       /* touches GUEST_HOG_PAGES pages GUEST_HOG_STRIDE apart until the
                           page tables behind them use up the VM's factory */
    ROLE_PLAIN = 7,     /* says hello and exits 0 (made once the hog is gone) */
};
#define GUEST_ARG(role, vm) ((uintptr_t)(role) | (uintptr_t)(vm) << 8)

/* The inter-VM channel page (KEEL_VMM_CHANNEL_GPA, the same frame in both
 * VMs): one ring of messages per direction, ring v - 1 written by VM v. */
#define RING_SLOTS 14
#define RING_MSG 136
struct ring {
    uint32_t head, tail;        /* written by the reader, by the writer */
    struct {
        uint32_t len;
        char text[RING_MSG - sizeof(uint32_t)];
    } msg[RING_SLOTS];
};
#define GUEST_VIRQ_CHANNEL 1u   /* the peer VM's interrupt bit: a message is in its ring */
#define GUEST_VIRQ_BENCH 2u     /* ... ./keel bench's virtual interrupts at boot */

/* A guest process's stack (its pages are mapped on demand by its kernel)
 * and a heap page it touches once. */
#define GUEST_STACK_TOP ((uintptr_t)0x0000400000100000ull)
#define GUEST_STACK_PAGES 16
#define GUEST_HEAP ((uintptr_t)0x0000400000200000ull)
/* Where the guest kernel receives the VM image's pages for its processes
 * from the VMM (KEEL_VMM_HC_IMAGE), to map them on: process i's at
 * GUEST_PAGER_VA + i * GUEST_PAGER_SPAN + the address modulo the span. */
#define GUEST_PAGER_VA ((uintptr_t)0x0000580000000000ull)
#define GUEST_PAGER_SPAN ((uintptr_t)1 << 36)
/* Heap pages a process may touch (from GUEST_HEAP). */
#define GUEST_HEAP_PAGES 24
/* An address no guest kernel ever backs (ROLE_WILD touches it). */
#define GUEST_WILD ((uintptr_t)0x0000300000000000ull)
/* ROLE_HOG's pages, all backed by one guest-physical page: each needs page
 * tables of its own (a stride of 1 GiB), paid by the VM's factory. */
#define GUEST_HOG ((uintptr_t)0x0000200000000000ull)
#define GUEST_HOG_STRIDE ((uintptr_t)1 << 30)
#define GUEST_HOG_PAGES 2048u
/* Marked operations of each ./keel bench case. */
#define GUEST_BENCH_ROUNDS 16

/* The scenario the image is linked for (kernel.c's weak default: 0, the
 * sample's; tests/target/vmkill links 1: VM 2's kernel is killed;
 * tests/target/vmmkill 2: VM 2's VMM is killed; tests/target/vmbad 3:
 * hostile processes in VM 1, a flood of the channel). */
enum guest_scenarios {
    SCENARIO_SAMPLE = 0,
    SCENARIO_KILL_VM = 1,
    SCENARIO_KILL_VMM = 2,
    SCENARIO_HOSTILE = 3,
};
uint32_t guest_scenario(void);

/* The entry of the guest's processes (user.c). */
_Noreturn void guest_process(uintptr_t arg);

/* The last word of a process's system-call page: how many times its time
 * slice ran out, written by its kernel (a process spins on it). */
#define GUEST_TICKS(p) (*(volatile uintptr_t *)&(p)->data[sizeof((p)->data) - sizeof(uintptr_t)])
/* The word before: how many virtual-interrupt upcalls (from the other VM)
 * stopped this VM's processes, written by its kernel into every process's
 * page. */
#define GUEST_VIRQS(p) \
    (*(volatile uintptr_t *)&(p)->data[sizeof((p)->data) - 2 * sizeof(uintptr_t)])
