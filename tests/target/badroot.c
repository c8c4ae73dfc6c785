/* A root task that goes wrong on purpose, for the harness: booted as "root"
 * it faults at once (bad/badroot.cpio); with a file "hang" beside it in the
 * boot image (bad/roothang.cpio) it waits for a message no one can send.
 * Either way the kernel must end the boot, failed, instead of idling forever. */
#include <keel/keel.h>

#define BAD_ADDR ((uintptr_t)0x0000009000000000ull) /* user space, never mapped */

int main(void)
{
    const void *data;
    size_t size;
    if (keel_boot_module("hang", &data, &size) == KEEL_OK) {
        keel_printf("badroot: waiting for a message that never comes\n");
        keel_recv(keel_utcb(), KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        keel_printf("badroot: the wait ended\n");
        return 0;
    }
    keel_printf("badroot: writing to an unmapped address on purpose\n");
    *(volatile uintptr_t *)BAD_ADDR = 1;
    keel_printf("badroot: the write did not fault\n");
    return 0;
}
