/* GICv2 on QEMU virt: distributor and CPU interface, boot CPU only.
 * Without the security extensions (virt's default) every interrupt is in
 * group 0 and is signalled as IRQ. */
#include <arm.h>

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IGROUPR 0x080
#define GICD_ICENABLER 0x180
#define GICD_ISENABLER 0x100
#define GICD_ICPENDR 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_CTLR_ENABLE 1u
#define GICD_TYPER_LINES(t) ((((t) & 0x1f) + 1) * 32)

#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_BPR 0x008
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010
#define GICC_CTLR_ENABLE 1u
#define GICC_PMR_ALL 0xff       /* lowest mask: let every priority through */
#define GICC_IAR_ID(v) ((v) & 0x3ff)

#define GIC_PRIO_DEFAULT 0xa0   /* one priority for all: no preemption */
#define IRQS_PER_WORD 32

static uintptr_t bank(uint32_t reg, uint32_t irq)
{
    return VIRT_GICD_BASE + reg + irq / IRQS_PER_WORD * 4;
}

void gic_init(void)
{
    uint32_t lines = GICD_TYPER_LINES(mmio_read32(VIRT_GICD_BASE + GICD_TYPER));

    mmio_write32(VIRT_GICD_BASE + GICD_CTLR, 0);
    for (uint32_t irq = 0; irq < lines; irq += IRQS_PER_WORD) {
        mmio_write32(bank(GICD_ICENABLER, irq), ~0u);
        mmio_write32(bank(GICD_ICPENDR, irq), ~0u);
        mmio_write32(bank(GICD_IGROUPR, irq), 0);
    }
    for (uint32_t irq = 0; irq < lines; irq++)
        mmio_write8(VIRT_GICD_BASE + GICD_IPRIORITYR + irq, GIC_PRIO_DEFAULT);
    mmio_write32(VIRT_GICD_BASE + GICD_CTLR, GICD_CTLR_ENABLE);

    mmio_write32(VIRT_GICC_BASE + GICC_PMR, GICC_PMR_ALL);
    mmio_write32(VIRT_GICC_BASE + GICC_BPR, 0);
    mmio_write32(VIRT_GICC_BASE + GICC_CTLR, GICC_CTLR_ENABLE);
}

uint32_t gic_ack(void)
{
    return GICC_IAR_ID(mmio_read32(VIRT_GICC_BASE + GICC_IAR));
}

void arch_irq_enable(uint32_t irq)
{
    mmio_write32(bank(GICD_ISENABLER, irq), 1u << (irq % IRQS_PER_WORD));
}

void arch_irq_mask(uint32_t irq)
{
    mmio_write32(bank(GICD_ICENABLER, irq), 1u << (irq % IRQS_PER_WORD));
}

/* IDs of PPIs and SPIs carry no source-CPU bits, so the ID is the whole
 * EOIR value.  (SGIs, when they arrive, will need the full IAR value.) */
void arch_irq_ack(uint32_t irq)
{
    mmio_write32(VIRT_GICC_BASE + GICC_EOIR, irq);
}
