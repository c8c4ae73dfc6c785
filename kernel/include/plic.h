/*
 * The RISC-V platform-level interrupt controller (kernel/drivers/plic.c,
 * selected by a port's DRIVERS), seen from one hart context.  Its address,
 * its number of sources and the context come from the device tree.
 */
#pragma once

#include <arch.h>

/* Take over the device tree's PLIC for hart's context whose interrupt is
 * cause (9: supervisor external); false, and no lines, if the tree names
 * none. */
bool plic_init(const void *fdt, uint64_t hart, uint32_t cause);
/* Sources 1 .. riscv,ndev, and source 0, which the PLIC reserves. */
uint32_t plic_lines(void);
void plic_enable(uint32_t irq);
void plic_mask(uint32_t irq);
/* The highest pending source, claimed (0: none); complete ends it. */
uint32_t plic_claim(void);
void plic_complete(uint32_t irq);
