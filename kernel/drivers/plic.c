/* The RISC-V PLIC (plic.h): priorities, one context's enable bits, its
 * threshold and its claim/complete register. */
#include <keelbase/fdt.h>
#include <mmio.h>
#include <plic.h>

#define PLIC_PRIORITY(irq) (4 * (uintptr_t)(irq))
#define PLIC_ENABLE(ctx, word) (0x2000 + 0x80 * (uintptr_t)(ctx) + 4 * (uintptr_t)(word))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (uintptr_t)(ctx))
#define PLIC_CLAIM(ctx) (0x200004 + 0x1000 * (uintptr_t)(ctx))
#define PLIC_MAX_IRQ 1023

static struct {
    uintptr_t base;
    uint32_t ctx;
    uint32_t lines;
} plic;

/* The node whose phandle is ph, or -1. */
static int by_phandle(const struct fdt *f, uint32_t ph)
{
    int depth = 0;
    uint64_t v;
    for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth))
        if (fdt_prop_uint(f, n, "phandle", &v) == KERR_OK && v == ph)
            return n;
    return -1;
}

/* The context of hart's interrupt cause: the index of the pair (the hart's
 * interrupt-controller node, cause) in interrupts-extended. */
static bool find_context(const struct fdt *f, int node, uint64_t hart, uint32_t cause,
                         uint32_t *ctx)
{
    uint32_t len;
    const uint8_t *p = fdt_getprop(f, node, "interrupts-extended", &len);
    for (uint32_t i = 0; p && 8 * (i + 1) <= len; i++) {
        uint64_t reg;
        int cpu = fdt_parent(f, by_phandle(f, fdt_be32(p + 8 * i)));
        if (fdt_be32(p + 8 * i + 4) == cause && cpu >= 0 &&
            fdt_prop_uint(f, cpu, "reg", &reg) == KERR_OK && reg == hart) {
            *ctx = i;
            return true;
        }
    }
    return false;
}

bool plic_init(const void *blob, uint64_t hart, uint32_t cause)
{
    struct fdt f;
    uint64_t base, size, ndev;
    int node = -1;
    if (!blob || fdt_open(&f, blob, fdt_claimed_size(blob)) != KERR_OK)
        return false;
    if ((node = fdt_find_compatible(&f, "riscv,plic0")) < 0)
        node = fdt_find_compatible(&f, "sifive,plic-1.0.0");
    if (node < 0 || fdt_reg_phys(&f, node, 0, &base, &size) != KERR_OK ||
        fdt_prop_uint(&f, node, "riscv,ndev", &ndev) != KERR_OK || ndev > PLIC_MAX_IRQ ||
        !find_context(&f, node, hart, cause, &plic.ctx))
        return false;
    plic.base = (uintptr_t)base;
    plic.lines = (uint32_t)ndev + 1;
    return true;
}

uint32_t plic_lines(void)
{
    return plic.lines;
}

void plic_enable(uint32_t irq)
{
    if (irq == 0 || irq >= plic.lines)
        return;
    uintptr_t en = plic.base + PLIC_ENABLE(plic.ctx, irq / 32);
    arch_mmio_write32(plic.base + PLIC_PRIORITY(irq), 1);
    arch_mmio_write32(en, arch_mmio_read32(en) | 1u << (irq % 32));
    /* OpenSBI leaves 7 there: nothing would pass. */
    arch_mmio_write32(plic.base + PLIC_THRESHOLD(plic.ctx), 0);
}

void plic_mask(uint32_t irq)
{
    if (irq == 0 || irq >= plic.lines)
        return;
    uintptr_t en = plic.base + PLIC_ENABLE(plic.ctx, irq / 32);
    arch_mmio_write32(en, arch_mmio_read32(en) & ~(1u << (irq % 32)));
}

uint32_t plic_claim(void)
{
    return plic.lines ? arch_mmio_read32(plic.base + PLIC_CLAIM(plic.ctx)) : 0;
}

void plic_complete(uint32_t irq)
{
    if (irq && irq < plic.lines)
        arch_mmio_write32(plic.base + PLIC_CLAIM(plic.ctx), irq);
}
