/* Interrupts: the sstatus.SIE switch and the virt machine's PLIC, seen from
 * hart 0's supervisor context. */
#include <arch.h>
#include <keelbase/fdt.h>
#include <riscv.h>

#define PLIC_BASE 0x0c000000UL
#define PLIC_PRIORITY(irq) (PLIC_BASE + 4 * (uintptr_t)(irq))
#define PLIC_SCTX 1                     /* hart 0, S-mode */
#define PLIC_ENABLE(word) (PLIC_BASE + 0x2000 + 0x80 * PLIC_SCTX + 4 * (uintptr_t)(word))
#define PLIC_THRESHOLD (PLIC_BASE + 0x200000 + 0x1000 * PLIC_SCTX)
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
    *reg(PLIC_THRESHOLD) = 0;   /* OpenSBI leaves 7 there: nothing would pass */
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

/* Sources 1 .. riscv,ndev of the device tree's PLIC (95 on virt), and
 * source 0, which the PLIC reserves. */
uint32_t arch_irq_lines(void)
{
    static uint32_t lines;
    struct fdt f;
    uint64_t ndev;
    int node;
    if (!lines && riscv_fdt && fdt_open(&f, riscv_fdt, fdt_claimed_size(riscv_fdt)) == KERR_OK &&
        ((node = fdt_find_compatible(&f, "riscv,plic0")) >= 0 ||
         (node = fdt_find_compatible(&f, "sifive,plic-1.0.0")) >= 0) &&
        fdt_prop_uint(&f, node, "riscv,ndev", &ndev) == KERR_OK && ndev <= PLIC_MAX_IRQ)
        lines = (uint32_t)ndev + 1;
    return lines;
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

uint32_t plic_claim(void)
{
    return *reg(PLIC_CLAIM);
}
