/* First C code: collect what OpenSBI handed over and enter the kernel. */
#include <arch.h>
#include <riscv.h>

extern char __kernel_start[], __kernel_end[];
void riscv_boot(uint64_t hartid, const void *fdt);

const void *riscv_fdt;
uint64_t riscv_boot_hart;

void riscv_boot(uint64_t hartid, const void *fdt)
{
    static struct boot_info bi;

    riscv_boot_hart = hartid; /* secondary harts stay parked in OpenSBI */
    riscv_fdt = fdt;
    bi.fdt = fdt;
    bi.kernel_base = (uintptr_t)__kernel_start;
    bi.kernel_end = (uintptr_t)__kernel_end;
    kernel_main(&bi);
}
