/* Interrupt delivery on this CPU: MSR[EE], and waiting in "stop". */
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

/* Device interrupts go through XIVE, which the port does not drive yet: no
 * source is ever enabled, so these are deliberately no-ops for now, and no
 * line is offered to user drivers (arch_irq_lines() is 0). */
uint32_t arch_irq_lines(void)
{
    return 0;
}

bool arch_irq_kernel_line(uint32_t irq)
{
    (void)irq;
    return false;
}

uint32_t arch_irq_kernel_example(void)
{
    return KEEL_IRQ_NONE;
}

void arch_irq_enable(uint32_t irq)
{
    (void)irq;
}

void arch_irq_mask(uint32_t irq)
{
    (void)irq;
}

void arch_irq_ack(uint32_t irq)
{
    (void)irq;
}
