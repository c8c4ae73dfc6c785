/* C entry on the boot CPU: remember OPAL, make interrupts arrive
 * little-endian, describe the hand-over, enter the generic kernel. */
#include <console.h>
#include <kernel.h>
#include <kstack.h>
#include <ppc.h>

uint64_t ppc_opal_base, ppc_opal_entry;
const void *ppc_fdt;

extern char __kernel_start[], __kernel_end[];
extern char __vectors_start[], __vectors_end[];

noreturn void ppc_boot(const void *fdt, uint64_t opal_base, uint64_t opal_entry)
{
    static struct boot_info bi;

    kstack_canary_fill();           /* before anything runs deep (trap.c) */
    ppc_opal_base = opal_base;
    ppc_opal_entry = opal_entry;
    ppc_fdt = fdt;
    console_attach_fdt(fdt);

    /* HID0[HILE] is set by firmware: without it every interrupt would be
     * taken big-endian, into little-endian vectors. */
    int64_t rc = opal_call(OPAL_REINIT_CPUS, OPAL_REINIT_CPUS_HILE_LE, 0, 0, 0, 0);
    if (rc != OPAL_SUCCESS)
        panic("OPAL_REINIT_CPUS(HILE_LE) failed: %lld", (long long)rc);

    bi.fdt = fdt;
    bi.kernel_base = (uintptr_t)__kernel_start;
    bi.kernel_end = (uintptr_t)__kernel_end;
    /* arch_trap_init copies the vectors to real address 0 and up: keep that
     * memory out of the allocator (skiboot does not reserve it). */
    bi.reserved[0] = (struct mem_range){ 0, (uint64_t)(__vectors_end - __vectors_start) };
    bi.reserved_count = 1;
    kernel_main(&bi);
}
