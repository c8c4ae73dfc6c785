/* A root task that faults: the harness boots it as "root" (bad/badroot.cpio)
 * to check that the kernel ends the boot, failed, instead of idling forever. */
#include <keel/keel.h>

#define BAD_ADDR ((uintptr_t)0x0000009000000000ull) /* user space, never mapped */

int main(void)
{
    keel_printf("badroot: writing to an unmapped address on purpose\n");
    *(volatile uintptr_t *)BAD_ADDR = 1;
    keel_printf("badroot: the write did not fault\n");
    return 0;
}
