/* Interrupt-controller drivers for the ARM GIC (GICv2 and GICv3; kernel/drivers/,
 * selected by the AArch64 port's DRIVERS) and
 * what they share: the distributor's register layout and the driver table
 * gic.c chooses from by the device tree's "compatible". */
#pragma once

#include <arm.h>
#include <keelbase/fdt.h>

/* Distributor registers common to GICv2 and GICv3 (offsets from GICD base). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_TYPER_LINES(t) ((((t) & 0x1f) + 1) * 32)

#define GIC_IRQS_PER_WORD 32
#define GIC_PRIO_DEFAULT 0xa0           /* one priority for all: no preemption */
#define GIC_PMR_ALL 0xff                /* lowest mask: let every priority through */
#define GIC_FIRST_SPI 32                /* 0-15 SGIs, 16-31 PPIs (per CPU) */
#define GIC_SPURIOUS_FIRST 1020         /* 1020-1023: special, no interrupt */

/* Where bit irq of a one-bit-per-interrupt register bank (reg) lives. */
static inline uintptr_t gic_bank(uintptr_t base, uint32_t reg, uint32_t irq)
{
    return base + reg + irq / GIC_IRQS_PER_WORD * 4;
}

static inline uint32_t gic_bit(uint32_t irq)
{
    return 1u << (irq % GIC_IRQS_PER_WORD);
}

/* One interrupt-controller driver. */
struct gic_driver {
    const char *name;
    const char *const *compatible;      /* NULL-terminated device-tree names */
    /* Take over the controller described by node (reg decoded with the
     * parent's cells); panics if the hardware is not what it should be. */
    void (*init)(const struct fdt *f, int node, uint32_t addr_cells, uint32_t size_cells);
    uint32_t (*ack)(void);              /* highest pending ID, acknowledged */
    void (*eoi)(uint32_t id);           /* end of handling of id */
    void (*set_enabled)(uint32_t id, bool on);
};

extern const struct gic_driver gicv2_driver, gicv3_driver;
/* Interrupt IDs the distributor implements (GICD_TYPER), set by init. */
extern uint32_t gic_lines;

/* Base (and size, if asked) of entry idx of node's reg, or a panic naming
 * what is missing. */
uintptr_t gic_reg(const struct fdt *f, int node, uint32_t idx, uint32_t addr_cells,
                  uint32_t size_cells, const char *what, uint64_t *size);
