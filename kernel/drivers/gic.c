/* The interrupt controller: find it in the device tree, pick its driver
 * (GICv2 or GICv3) by "compatible", and route the arch hooks to it. */
#include <gic.h>
#include <kernel.h>
#include <print.h>

static const struct gic_driver *const drivers[] = { &gicv3_driver, &gicv2_driver };
static const struct gic_driver *gic;
uint32_t gic_lines;

uintptr_t gic_reg(const struct fdt *f, int node, uint32_t idx, uint32_t addr_cells,
                  uint32_t size_cells, const char *what, uint64_t *size)
{
    uint64_t base, len;
    if (fdt_reg(f, node, idx, addr_cells, size_cells, &base, &len) != KERR_OK)
        panic("gic: the device tree gives no %s (reg entry %u)", what, idx);
    if (size)
        *size = len;
    return (uintptr_t)base;
}

/* The first driver with a node in the tree, and that node. */
static const struct gic_driver *find_driver(const struct fdt *f, int *node)
{
    for (uint32_t d = 0; d < ARRAY_SIZE(drivers); d++)
        for (const char *const *c = drivers[d]->compatible; *c; c++)
            if ((*node = fdt_find_compatible(f, *c)) >= 0)
                return drivers[d];
    return NULL;
}

void gic_init(void)
{
    struct fdt f;
    int node;
    if (!arm_fdt || fdt_open(&f, arm_fdt, fdt_claimed_size(arm_fdt)) != KERR_OK)
        panic("gic: no device tree to find the interrupt controller in");
    const struct gic_driver *d = find_driver(&f, &node);
    if (!d)
        panic("gic: the device tree names no supported interrupt controller "
              "(arm,gic-v3, arm,cortex-a15-gic, arm,gic-400)");
    int parent = fdt_parent(&f, node);
    d->init(&f, node, fdt_address_cells(&f, parent), fdt_size_cells(&f, parent));
    gic = d;
    kprintf("gic: %s (%s)\n", d->name, fdt_node_name(&f, node));
}

uint32_t gic_ack(void)
{
    uint32_t id = gic->ack();
    return id >= GIC_SPURIOUS_FIRST && id <= GIC_SPURIOUS ? GIC_SPURIOUS : id;
}

uint32_t arch_irq_lines(void)
{
    /* What GICD_TYPER says, below the special IDs 1020-1023. */
    return gic_lines < GIC_SPURIOUS_FIRST ? gic_lines : GIC_SPURIOUS_FIRST;
}

/* SGIs and PPIs (the timer's among them) are per CPU: the kernel's. */
bool arch_irq_kernel_line(uint32_t irq)
{
    return irq < GIC_FIRST_SPI;
}

uint32_t arch_irq_kernel_example(void)
{
    return TIMER_VIRT_INTID;
}

void arch_irq_enable(uint32_t irq)
{
    gic->set_enabled(irq, true);
}

void arch_irq_mask(uint32_t irq)
{
    gic->set_enabled(irq, false);
}

void arch_irq_ack(uint32_t irq)
{
    gic->eoi(irq);
}
