/* GICv2 (QEMU virt's default, "arm,cortex-a15-gic"): distributor and
 * memory-mapped CPU interface, boot CPU only.  Without the security
 * extensions (virt's default) every interrupt is in group 0, signalled as
 * IRQ. */
#include <gic.h>

#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_BPR 0x008
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010
#define GICC_CTLR_ENABLE 1u
#define GICD_ITARGETSR 0x800
#define GICD_CTLR_ENABLE 1u
#define GICC_IAR_ID(v) ((v) & 0x3ff)

/* reg: distributor, CPU interface (then the virtualization frames, unused). */
#define REG_DIST 0
#define REG_CPU 1

static uintptr_t gicd, gicc;

static void gicv2_init(const struct fdt *f, int node, uint32_t ac, uint32_t sc)
{
    gicd = gic_reg(f, node, REG_DIST, ac, sc, "GICv2 distributor", NULL);
    gicc = gic_reg(f, node, REG_CPU, ac, sc, "GICv2 CPU interface", NULL);

    uint32_t lines = GICD_TYPER_LINES(mmio_read32(gicd + GICD_TYPER));
    gic_lines = lines;
    mmio_write32(gicd + GICD_CTLR, 0);
    for (uint32_t irq = 0; irq < lines; irq += GIC_IRQS_PER_WORD) {
        mmio_write32(gic_bank(gicd, GICD_ICENABLER, irq), ~0u);
        mmio_write32(gic_bank(gicd, GICD_ICPENDR, irq), ~0u);
        mmio_write32(gic_bank(gicd, GICD_IGROUPR, irq), 0);
    }
    /* SPIs go to the CPUs their target byte names (none after reset on a
     * multiprocessor GIC): this CPU, whose own bit the banked bytes of
     * interrupts 0-31 read back. */
    uint8_t self = (uint8_t)mmio_read32(gicd + GICD_ITARGETSR);
    for (uint32_t irq = 0; irq < lines; irq++) {
        mmio_write8(gicd + GICD_IPRIORITYR + irq, GIC_PRIO_DEFAULT);
        if (irq >= GIC_FIRST_SPI)
            mmio_write8(gicd + GICD_ITARGETSR + irq, self);
    }
    mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ENABLE);

    mmio_write32(gicc + GICC_PMR, GIC_PMR_ALL);
    mmio_write32(gicc + GICC_BPR, 0);
    mmio_write32(gicc + GICC_CTLR, GICC_CTLR_ENABLE);
}

static uint32_t gicv2_ack(void)
{
    return GICC_IAR_ID(mmio_read32(gicc + GICC_IAR));
}

/* IDs of PPIs and SPIs carry no source-CPU bits, so the ID is the whole
 * EOIR value.  (SGIs, when they arrive, will need the full IAR value.) */
static void gicv2_eoi(uint32_t id)
{
    mmio_write32(gicc + GICC_EOIR, id);
}

/* The distributor banks SGI/PPI enables per CPU at the same addresses. */
static void gicv2_set_enabled(uint32_t id, bool on)
{
    mmio_write32(gic_bank(gicd, on ? GICD_ISENABLER : GICD_ICENABLER, id), gic_bit(id));
}

static const char *const gicv2_compatible[] = {
    "arm,cortex-a15-gic", "arm,gic-400", NULL,
};

const struct gic_driver gicv2_driver = {
    .name = "GICv2",
    .compatible = gicv2_compatible,
    .init = gicv2_init,
    .ack = gicv2_ack,
    .eoi = gicv2_eoi,
    .set_enabled = gicv2_set_enabled,
};
