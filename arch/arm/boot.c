/* C side of the boot: describe what the loader handed over, run the kernel. */
#include <arm.h>
#include <console.h>

/* From kernel.ld: the loaded image including .bss and the boot stack. */
extern char __kernel_start[], __kernel_end[];

const void *arm_fdt;

noreturn void arm_boot(uint64_t fdt)
{
    static struct boot_info bi;

    /* The MMU is off: addresses are physical. */
    arm_fdt = (const void *)(uintptr_t)fdt;
    console_attach_fdt(arm_fdt);
    bi.fdt = arm_fdt;
    bi.kernel_base = (uintptr_t)__kernel_start;
    bi.kernel_end = (uintptr_t)__kernel_end;
    kernel_main(&bi);
}
