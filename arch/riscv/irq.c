/* Interrupts: the sstatus.SIE switch and the virt machine's PLIC, seen from
 * hart 0's supervisor context. */
#include <arch.h>
#include <riscv.h>

#define PLIC_BASE 0x0c000000UL
#define PLIC_PRIORITY(irq) (PLIC_BASE + 4 * (uintptr_t)(irq))
#define PLIC_SCTX 1                     /* hart 0, S-mode */
#define PLIC_ENABLE(word) (PLIC_BASE + 0x2000 + 0x80 * PLIC_SCTX + 4 * (uintptr_t)(word))
#define PLIC_CLAIM (PLIC_BASE + 0x200004 + 0x1000 * PLIC_SCTX)
#define PLIC_MAX_IRQ 1023

static volatile uint32_t *reg(uintptr_t addr)
{
    return (volatile uint32_t *)addr;
}

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
    if (irq == 0 || irq > PLIC_MAX_IRQ)
        return;
    *reg(PLIC_PRIORITY(irq)) = 1;
    *reg(PLIC_ENABLE(irq / 32)) |= 1u << (irq % 32);
    csr_set(sie, SIE_SEIE);
}

void arch_irq_mask(uint32_t irq)
{
    if (irq == 0 || irq > PLIC_MAX_IRQ)
        return;
    *reg(PLIC_ENABLE(irq / 32)) &= ~(1u << (irq % 32));
}

void arch_irq_ack(uint32_t irq)
{
    if (irq && irq <= PLIC_MAX_IRQ)
        *reg(PLIC_CLAIM) = irq;     /* completion */
}

uint32_t plic_claim(void)
{
    return *reg(PLIC_CLAIM);
}
