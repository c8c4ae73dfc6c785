/* The guest's processes: ordinary code of the guest, run by the guest
 * kernel in a task of its own; every service comes from the guest kernel
 * through keel_vmm_syscall() (a trap the VMM forwards), none from Keel. */
#include <keel/keel.h>
#include <keel/mark.h>
#include "guest.h"
#include "virtio.h"

static volatile struct keel_vmm_syspage *const page =
    (volatile struct keel_vmm_syspage *)KEEL_VMM_SYSPAGE_VA;

static intptr_t sys(uintptr_t nr, uintptr_t a0)
{
    return keel_vmm_syscall(nr, a0, 0, 0, 0);
}

static void print(const char *s)
{
    uintptr_t n = 0;
    while (s[n] && n < sizeof(page->data) - sizeof(uintptr_t))
        page->data[n] = s[n], n++;
    sys(SYS_WRITE, n);
}

_Noreturn void guest_process(uintptr_t id)
{
    char line[128];
    if (id == 3)
        guest_reader(id);       /* the devices' process (reader.c) */
    intptr_t pid = sys(SYS_GETPID, 0);
    keel_snprintf(line, sizeof(line), "guest-proc%lu: hello from guest user mode (pid %ld)\n",
                  (unsigned long)id, (long)pid);
    print(line);
    sys(SYS_YIELD, 0);
    /* A page of its own at the same address in both processes: the first
     * touch faults, the guest kernel picks a guest-physical page, the VMM
     * maps it. */
    volatile uintptr_t *heap = (volatile uintptr_t *)GUEST_HEAP;
    heap[0] = 0x1000 + id;
    keel_snprintf(line, sizeof(line), "guest-proc%lu: heap page 0x%lx holds 0x%lx\n",
                  (unsigned long)id, (unsigned long)GUEST_HEAP, (unsigned long)heap[0]);
    print(line);
    if (id == 1) {
        /* ./keel bench: each system call's round trip (process -> VMM ->
         * guest kernel -> VMM -> process), then each page fault resolved by
         * the guest kernel and the VMM, between benchmark markers. */
        for (uint32_t i = 0; i < GUEST_BENCH_ROUNDS; i++) {
            keel_mark_start();
            sys(SYS_GETPID, 0);
            keel_mark_stop();
        }
        keel_mark_report();
        for (uint32_t i = 1; i <= GUEST_BENCH_ROUNDS; i++) {
            keel_mark_start();
            heap[i * 4096 / sizeof(uintptr_t)] = i;
            keel_mark_stop();
        }
        keel_mark_report();
        print("guest-proc1: case guest-syscall\n");
        print("guest-proc1: case guest-page-fault\n");
    }
    if (id == 2) {
        /* Spin without a system call: only the virtual timer takes the
         * processor back. */
        while (GUEST_TICKS(page) < 2)
            ;
        print("guest-proc2: preempted twice by the virtual timer while spinning\n");
    }
    for (;;)
        sys(SYS_EXIT, id == 1 ? 0 : 7);
}
