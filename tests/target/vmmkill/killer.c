/* The killer of tests/target/vmmkill: it runs below every other thread of
 * the system, so it first runs when all of them wait: VM 2's messenger for
 * a message from VM 1, VM 1's kernel for nothing.  Then it makes VM 1's VMM
 * (its first thread, cap=thread:vmmkill-1) fault as a bug would: stopped,
 * pointed at an unmapped address, started.  Root hears the fault. */
#include <keel/keel.h>
#include <keel/system.h>

#define VMM_THREAD KEEL_SLOT_GIVEN
#define BAD_ADDR ((uintptr_t)0x0000009000000000ull) /* user space, never mapped */

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    keel_printf("vmmkill-k: the system idles (VM 2 waits for a message from VM 1); making VM 1's "
                "VMM fault\n");
    uint32_t e = keel_invoke(u, VMM_THREAD, KEEL_THREAD_STOP, 0, 0, 0, 0);
    if (!e)
        e = keel_invoke(u, VMM_THREAD, KEEL_THREAD_SET_REGS, BAD_ADDR, 0, 0, 0);
    if (!e)
        e = keel_invoke(u, VMM_THREAD, KEEL_THREAD_START, 0, 0, 0, 0);
    keel_printf("vmmkill-k: %s (error %u)\n", e ? "FAILED" : "done", e);
    return e ? 1 : 0;
}
