/* The guest's processes: ordinary code of the guest, run by the guest
 * kernel in a task of its own; every service comes from the guest kernel
 * through keel_vmm_syscall() (a trap: an exception message to the guest
 * kernel, its exception handler), none from Keel. */
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

/* The hostile scenario's messengers (tests/target/vmbad): VM 1's floods
 * the channel until SYS_SEND fails (its ring is full: VM 2 takes nothing
 * until then), waits for VM 2's answer and sends once more; VM 2's drains
 * the ring, checks the order, answers and takes the last message.  Exit 0
 * if all went as expected. */
/* The message of n bytes in the system-call page, as a string in to. */
static const char *message(char *to, size_t size, intptr_t n)
{
    intptr_t k = 0;
    for (; k < n && k < (intptr_t)size - 1; k++)
        to[k] = page->data[k];
    to[k] = 0;
    return to;
}

static _Noreturn void flood(const char *me, uintptr_t vm)
{
    char line[200], text[80];
    intptr_t n = 0, sent = 0, got = 0;
    bool ok = true;
    if (vm == 1) {
        while (sent <= RING_SLOTS) {
            n = keel_snprintf((char *)page->data, 64, "flood %ld", (long)sent);
            if ((n = sys(SYS_SEND, (uintptr_t)n)) < 0)
                break;
            sent++;
        }
        keel_snprintf(line, sizeof(line), "%s: flood: %ld messages sent, then SYS_SEND "
                      "answered %ld: the ring is full\n", me, (long)sent, (long)n);
        print(line);
        ok = sent == RING_SLOTS && n == -1;
        n = sys(SYS_RECV, 0);
        ok = ok && n > 0;
        keel_snprintf(line, sizeof(line), "%s: VM 2 answered \"%s\"\n", me,
                      message(text, sizeof(text), n));
        print(line);
        n = keel_snprintf((char *)page->data, 64, "after the flood");
        n = sys(SYS_SEND, (uintptr_t)n);
        ok = ok && n == 0;
        keel_snprintf(line, sizeof(line), "%s: a message after the drain: SYS_SEND answered "
                      "%ld\n", me, (long)n);
        print(line);
    } else {
        char want[32];
        for (; got < RING_SLOTS; got++) {
            n = sys(SYS_RECV, 0);
            keel_snprintf(want, sizeof(want), "flood %ld", (long)got);
            for (intptr_t k = 0; n >= 0 && k <= n && ok; k++)
                ok = k == n ? !want[k] : page->data[k] == want[k];
            if (n < 0 || !ok)
                break;
        }
        keel_snprintf(line, sizeof(line), "%s: drained %ld messages from the full ring (%s)\n",
                      me, (long)got, ok && got == RING_SLOTS ? "in order" : "NOT as sent");
        print(line);
        n = keel_snprintf((char *)page->data, 64, "drained %ld", (long)got);
        ok = sys(SYS_SEND, (uintptr_t)n) == 0 && ok && got == RING_SLOTS;
        n = sys(SYS_RECV, 0);
        keel_snprintf(line, sizeof(line), "%s: VM 1 says \"%s\"\n", me,
                      message(text, sizeof(text), n));
        print(line);
        ok = ok && n > 0;
    }
    for (;;)
        sys(SYS_EXIT, ok ? 0 : 4);
}

/* Role ROLE_MESSENGER: a message to the other VM's messenger and its
 * answer, over the inter-VM channel; exits 0, or 3 if the other VM is
 * gone. */
static _Noreturn void messenger(const char *me, uintptr_t vm)
{
    char line[200];
    intptr_t pid = sys(SYS_GETPID, 0), n;
    if (guest_scenario() == SCENARIO_HOSTILE)
        flood(me, vm);
    if (vm == 1) {
        n = keel_snprintf((char *)page->data, 64, "ping from VM 1 (pid %ld)", (long)pid);
        bool sent = sys(SYS_SEND, (uintptr_t)n) >= 0;
        if (!sent)
            print("guest-proc3: cannot send to VM 2\n");
        /* Spin without a system call until a virtual interrupt from VM 2
         * (its answer, or its end) stops this VM's processes: an upcall.
         * Not where our VMM is killed once the whole system idles
         * (tests/target/vmmkill), and may be restarted with no VM 2: we
         * wait in SYS_RECV. */
        if (sent && guest_scenario() != SCENARIO_KILL_VMM) {
            while (!GUEST_VIRQS(page))
                ;
            print("guest-proc3: a virtual interrupt from VM 2 stopped us (an upcall); "
                  "receiving\n");
        }
    }
    n = sys(SYS_RECV, 0);
    if (n < 0) {
        keel_snprintf(line, sizeof(line), "%s: no answer: VM %lu is gone\n", me,
                      (unsigned long)(3 - vm));
        print(line);
        for (;;)
            sys(SYS_EXIT, 3);
    }
    char got[100];
    for (intptr_t k = 0; k < n && k < (intptr_t)sizeof(got) - 1; k++)
        got[k] = page->data[k], got[k + 1] = 0;
    keel_snprintf(line, sizeof(line), "%s: VM %lu %s \"%s\"\n", me, (unsigned long)(3 - vm),
                  vm == 1 ? "answered" : "says", n ? got : "");
    print(line);
    if (vm == 2) {
        n = keel_snprintf((char *)page->data, 64, "pong from VM 2 (pid %ld)", (long)pid);
        if (sys(SYS_SEND, (uintptr_t)n) < 0)
            print("guest2-proc3: cannot answer VM 1\n");
        if (guest_scenario() == SCENARIO_KILL_VMM && sys(SYS_RECV, 0) < 0) {
            /* VM 1 sends nothing more; its VMM is killed while we wait. */
            keel_snprintf(line, sizeof(line), "%s: no second message: VM 1 is gone\n", me);
            print(line);
            for (;;)
                sys(SYS_EXIT, 3);
        }
    }
    for (;;)
        sys(SYS_EXIT, 0);
}

_Noreturn void guest_process(uintptr_t arg)
{
    char line[128], me[32];
    uintptr_t id = arg & 0xff, vm = arg >> 8;
    intptr_t pid = sys(SYS_GETPID, 0);
    /* VM 1's lines keep the sample's original names. */
    keel_snprintf(me, sizeof(me), vm == 2 ? "guest2-proc%ld" : "guest-proc%ld", (long)pid);
    if (id == ROLE_MESSENGER)
        messenger(me, vm);
    if (id == ROLE_READER)
        guest_reader(me, (uint32_t)vm);       /* the devices' process (reader.c) */
    if (id == ROLE_WILD) {
        /* Memory our kernel never backs: it hears the fault (an
         * exception message) and ends us; the next line is never printed. */
        keel_snprintf(line, sizeof(line), "%s: touching 0x%lx, which our kernel never backs\n",
                      me, (unsigned long)GUEST_WILD);
        print(line);
        (void)*(volatile uintptr_t *)GUEST_WILD;
        print("guest-proc5: NOT stopped\n");
        for (;;)
            sys(SYS_EXIT, 5);
    }
    if (id == ROLE_HOG) {
        /* Until the VM's factory has no page left for our page tables. */
        for (uintptr_t k = 0; k < GUEST_HOG_PAGES; k++)
            *(volatile uintptr_t *)(GUEST_HOG + k * GUEST_HOG_STRIDE) = k;
        keel_snprintf(line, sizeof(line), "%s: the VM's factory did NOT run out\n", me);
        print(line);
        for (;;)
            sys(SYS_EXIT, 6);
    }
    if (id == ROLE_PLAIN) {
        keel_snprintf(line, sizeof(line), "%s: hello from a process made after the hog\n", me);
        print(line);
        for (;;)
            sys(SYS_EXIT, 0);
    }
    keel_snprintf(line, sizeof(line), "%s: hello from guest user mode (pid %ld)\n", me,
                  (long)pid);
    print(line);
    sys(SYS_YIELD, 0);
    /* A page of its own at the same address in both processes: the first
     * touch faults, the guest kernel picks a guest-physical page and maps
     * it. */
    volatile uintptr_t *heap = (volatile uintptr_t *)GUEST_HEAP;
    heap[0] = 0x1000 + id;
    keel_snprintf(line, sizeof(line), "%s: heap page 0x%lx holds 0x%lx\n", me,
                  (unsigned long)GUEST_HEAP, (unsigned long)heap[0]);
    print(line);
    if (id == ROLE_FIRST && vm == 1) {
        /* ./keel bench: each system call's round trip (process -> guest
         * kernel -> process: an exception IPC and its reply), then each
         * page fault resolved by the guest kernel (a map item), between
         * benchmark markers. */
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
    if (id == ROLE_FIRST) {
        /* A process starts another: the messenger, which talks to the
         * other VM. */
        intptr_t child = sys(SYS_SPAWN, ROLE_MESSENGER);
        keel_snprintf(line, sizeof(line), "%s: spawned the messenger (pid %ld)\n", me,
                      (long)child);
        print(line);
    }
    if (id == ROLE_SPINNER) {
        /* Spin without a system call: only the virtual timer takes the
         * processor back. */
        while (GUEST_TICKS(page) < 2)
            ;
        keel_snprintf(line, sizeof(line),
                      "%s: preempted twice by the virtual timer while spinning\n", me);
        print(line);
    }
    for (;;)
        sys(SYS_EXIT, id == ROLE_FIRST ? 0 : 7);
}
