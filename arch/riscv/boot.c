/* First C code: collect what OpenSBI handed over and enter the kernel. */
#include <arch.h>
#include <console.h>
#include <keelbase/fdt.h>
#include <keelbase/string.h>
#include <riscv.h>

extern char __kernel_start[], __kernel_end[];
extern const char riscv_hart_stop_again[];
void riscv_boot(uint64_t hartid, const void *fdt);

const void *riscv_fdt;
uint64_t riscv_boot_hart;

/*
 * OpenSBI 1.1 (Debian 12) can leave a machine software interrupt (MSIP)
 * pending on a hart it parks in its HSM wait loop, the IPI that released it
 * from cold boot: MSIE is on, so that hart's wfi returns at once and it
 * spins.  Under -icount every spin advances guest time, so with -smp 2 the
 * kernel's idle waits took 35 times their length (a 0.5 s demo, 20-60 s).
 * Starting each other hart takes it out of the loop into S-mode, where
 * OpenSBI takes and clears the pending IPI; riscv_hart_stop_again then
 * stops it, and it waits in OpenSBI again, really asleep.
 */
static void restart_parked_harts(const void *fdt)
{
    struct fdt f;
    int cpus, depth = 0;
    uint64_t hart;
    if (fdt_open(&f, fdt, fdt_claimed_size(fdt)) != KERR_OK || (cpus = fdt_path(&f, "/cpus")) < 0)
        return;
    for (int n = fdt_next_node(&f, cpus, &depth); n >= 0 && depth > 0;
         n = fdt_next_node(&f, n, &depth)) {
        const char *type = fdt_prop_string(&f, n, "device_type");
        if (depth == 1 && type && strcmp(type, "cpu") == 0 &&
            fdt_prop_uint(&f, n, "reg", &hart) == KERR_OK && hart != riscv_boot_hart)
            sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hart, (uintptr_t)riscv_hart_stop_again, 0);
    }
}

void riscv_boot(uint64_t hartid, const void *fdt)
{
    static struct boot_info bi;

    riscv_boot_hart = hartid; /* secondary harts stay parked in OpenSBI */
    riscv_fdt = fdt;
    console_attach_fdt(fdt);
    restart_parked_harts(fdt);
    bi.fdt = fdt;
    bi.kernel_base = (uintptr_t)__kernel_start;
    bi.kernel_end = (uintptr_t)__kernel_end;
    kernel_main(&bi);
}
