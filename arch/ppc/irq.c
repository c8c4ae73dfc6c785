/* Interrupt delivery on this CPU: MSR[EE], and waiting in "stop" (the
 * interrupt controller is xive.c's). */
#include <keel/irq.h>
#include <ppc.h>

void arch_irqs_enable(void)
{
    /* mtmsrd with L=1 changes only EE and RI. */
    __asm__ volatile("mtmsrd %0, 1" :: "r"((uint64_t)(MSR_EE | MSR_RI)) : "memory");
}

void arch_irqs_disable(void)
{
    __asm__ volatile("mtmsrd %0, 1" :: "r"((uint64_t)MSR_RI) : "memory");
}

void arch_wait_for_interrupt(void)
{
    /* With PSSCR[ESL] = PSSCR[EC] = 0, "stop" sleeps until an exception is
     * pending, even one MSR[EE] = 0 masks, then goes on with the next
     * instruction: so an interrupt arriving before the stop cannot be
     * missed.  Opening EE afterwards takes it. */
    mtspr(SPRN_PSSCR, 0);
    __asm__ volatile("stop" ::: "memory");
    arch_irqs_enable();
    arch_irqs_disable();
}
