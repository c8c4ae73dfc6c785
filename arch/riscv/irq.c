/* Interrupts: the sstatus.SIE switch, and the device tree's PLIC
 * (kernel/drivers/plic.c) seen from the boot hart's supervisor context. */
#include <arch.h>
#include <plic.h>
#include <riscv.h>

void arch_irqs_enable(void)
{
    csr_set(sstatus, SSTATUS_SIE);
}

void arch_irqs_disable(void)
{
    csr_clear(sstatus, SSTATUS_SIE);
}

void arch_wait_for_interrupt(void)
{
    /* wfi wakes on a pending enabled interrupt even with SIE clear; open
     * the window to take it, then close it again. */
    __asm__ volatile("wfi");
    arch_irqs_enable();
    arch_irqs_disable();
}

void arch_irq_enable(uint32_t irq)
{
    plic_enable(irq);
    csr_set(sie, SIE_SEIE);
}

void arch_irq_mask(uint32_t irq)
{
    plic_mask(irq);
}

void arch_irq_ack(uint32_t irq)
{
    plic_complete(irq);
}

uint32_t arch_irq_lines(void)
{
    return plic_lines();
}

/* Source 0 is the PLIC's "no interrupt": the controller reserves it. */
bool arch_irq_kernel_line(uint32_t irq)
{
    return irq == 0;
}

uint32_t arch_irq_kernel_example(void)
{
    return 0;
}
