/* Power-off through Arm semihosting (QEMU -semihosting): SYS_EXIT with
 * ADP_Stopped_ApplicationExit makes QEMU exit with the given status. */
#include <arm.h>
#include <print.h>

#define SEMIHOST_SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

/* Stop this CPU for good (when power-off failed). */
static noreturn void halt(void)
{
    for (;;)
        __asm__ volatile("msr daifset, #0xf; wfi" : : : "memory");
}

noreturn void arch_poweroff(int status)
{
    /* AArch64 SYS_EXIT takes a pointer to {reason, subcode}. */
    static uint64_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint64_t)(int64_t)status;

    register uint64_t op __asm__("x0") = SEMIHOST_SYS_EXIT;
    register uint64_t arg __asm__("x1") = (uint64_t)(uintptr_t)block;
    /* Without -semihosting, HLT is an undefined instruction: the .extable
     * entry resumes after it (instead of panicking again, forever) and we
     * halt. */
    __asm__ volatile("1: hlt #0xf000\n"
                     ".pushsection .extable, \"a\"\n"
                     ".balign 8\n"
                     ".quad 1b, 2f\n"
                     ".popsection\n"
                     "2:"
                     : "+r"(op) : "r"(arg) : "memory");
    kprintf("poweroff: no semihosting (run QEMU with -semihosting); halting\n");
    halt();
}
