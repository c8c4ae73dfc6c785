/* GICv3 ("arm,gic-v3"; QEMU virt with gic-version=3): distributor, this
 * CPU's redistributor, and the CPU interface through the ICC_* system
 * registers, boot CPU only.  Affinity routing is on; every interrupt is in
 * (non-secure) group 1, which the system-register interface signals as IRQ
 * (group 0 would be FIQ). */
#include <gic.h>
#include <kernel.h>

/* Distributor registers and bits only GICv3 has. */
#define GICD_IROUTER 0x6000             /* 64 bits per SPI, indexed by ID */
#define GICD_CTLR_ENABLE_G1 (1u << 0)   /* EnableGrp0 when GICD_CTLR.DS = 1 */
#define GICD_CTLR_ENABLE_G1A (1u << 1)  /* EnableGrp1 when GICD_CTLR.DS = 1 */
#define GICD_CTLR_ARE_NS (1u << 4)      /* affinity routing (ARE when DS = 1) */
#define GICD_CTLR_RWP (1u << 31)        /* register write pending */

/* Redistributor: RD_base frame, then the SGI_base frame 64 KiB above it. */
#define GICR_CTLR 0x0000
#define GICR_TYPER 0x0008               /* 64 bits */
#define GICR_WAKER 0x0014
#define GICR_SGI_FRAME 0x10000
#define GICR_CTLR_RWP (1u << 3)
#define GICR_TYPER_VLPIS (1ull << 1)    /* two more frames (GICv4 vLPIs) */
#define GICR_TYPER_LAST (1ull << 4)     /* last redistributor of the region */
#define GICR_TYPER_AFFINITY(t) ((t) >> 32)
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_FRAME_SIZE 0x10000
#define GICR_FRAMES 2                   /* RD_base, SGI_base */
#define GICR_VLPI_FRAMES 2              /* VLPI_base, reserved */

/* CPU interface system registers. */
#define ICC_SRE_SRE (1u << 0)           /* system-register interface on */
#define ICC_SRE_DFB (1u << 1)           /* FIQ bypass off */
#define ICC_SRE_DIB (1u << 2)           /* IRQ bypass off */
#define ICC_IGRPEN1_ENABLE 1u
#define ICC_IAR_ID(v) ((uint32_t)(v) & 0xffffff)
#define ID_AA64PFR0_GIC(v) (((v) >> 24) & 0xf)

/* MPIDR_EL1 affinity fields, packed as GICR_TYPER and GICD_IROUTER use them. */
#define MPIDR_AFF0_2(m) ((m) & 0xffffff)
#define MPIDR_AFF3(m) (((m) >> 32) & 0xff)
#define AFFINITY_PACKED(m) (MPIDR_AFF3(m) << 24 | MPIDR_AFF0_2(m))
#define IROUTER_AFFINITY(m) (MPIDR_AFF3(m) << 32 | MPIDR_AFF0_2(m))

/* reg: distributor, then the redistributor region(s). */
#define REG_DIST 0
#define REG_REDIST 1

#define RWP_SPINS 1000000               /* a bounded wait: hardware that never settles panics */

static uintptr_t gicd, gicr_sgi;

static void wait_clear(uintptr_t reg, uint32_t bits, const char *what)
{
    for (uint32_t i = 0; i < RWP_SPINS; i++)
        if (!(mmio_read32(reg) & bits))
            return;
    panic("gicv3: %s never completed", what);
}

static uint64_t mmio_read64(uintptr_t addr)
{
    return *(volatile uint64_t *)addr;
}

static void mmio_write64(uintptr_t addr, uint64_t val)
{
    *(volatile uint64_t *)addr = val;
}

/* This CPU's redistributor (RD_base) in the region [base, end): the frame
 * whose GICR_TYPER affinity matches MPIDR_EL1. */
static uintptr_t find_redistributor(uintptr_t base, uintptr_t end, uint64_t mpidr)
{
    for (uintptr_t rd = base; rd + GICR_FRAMES * GICR_FRAME_SIZE <= end;) {
        uint64_t typer = mmio_read64(rd + GICR_TYPER);
        if (GICR_TYPER_AFFINITY(typer) == AFFINITY_PACKED(mpidr))
            return rd;
        if (typer & GICR_TYPER_LAST)
            break;
        uint32_t frames = GICR_FRAMES + (typer & GICR_TYPER_VLPIS ? GICR_VLPI_FRAMES : 0);
        rd += frames * GICR_FRAME_SIZE;
    }
    panic("gicv3: no redistributor for MPIDR %llx", (unsigned long long)mpidr);
}

/* SPIs: disabled, not pending, group 1, one priority, routed to this CPU. */
static void init_distributor(uint64_t mpidr)
{
    uint32_t lines = GICD_TYPER_LINES(mmio_read32(gicd + GICD_TYPER));
    gic_lines = lines;
    mmio_write32(gicd + GICD_CTLR, 0);
    wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP, "distributor disable");
    for (uint32_t irq = GIC_FIRST_SPI; irq < lines; irq += GIC_IRQS_PER_WORD) {
        mmio_write32(gic_bank(gicd, GICD_ICENABLER, irq), ~0u);
        mmio_write32(gic_bank(gicd, GICD_ICPENDR, irq), ~0u);
        mmio_write32(gic_bank(gicd, GICD_IGROUPR, irq), ~0u);
    }
    for (uint32_t irq = GIC_FIRST_SPI; irq < lines; irq++) {
        mmio_write8(gicd + GICD_IPRIORITYR + irq, GIC_PRIO_DEFAULT);
        mmio_write64(gicd + GICD_IROUTER + irq * 8, IROUTER_AFFINITY(mpidr));
    }
    wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP, "distributor set-up");
    mmio_write32(gicd + GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1A | GICD_CTLR_ENABLE_G1);
    wait_clear(gicd + GICD_CTLR, GICD_CTLR_RWP, "distributor enable");
}

/* Wake the redistributor, then SGIs and PPIs as the distributor's SPIs. */
static void init_redistributor(uintptr_t rd)
{
    mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
    wait_clear(rd + GICR_WAKER, GICR_WAKER_CHILDREN_ASLEEP, "redistributor wake-up");
    gicr_sgi = rd + GICR_SGI_FRAME;
    mmio_write32(gicr_sgi + GICD_ICENABLER, ~0u);
    mmio_write32(gicr_sgi + GICD_ICPENDR, ~0u);
    mmio_write32(gicr_sgi + GICD_IGROUPR, ~0u);
    for (uint32_t irq = 0; irq < GIC_FIRST_SPI; irq++)
        mmio_write8(gicr_sgi + GICD_IPRIORITYR + irq, GIC_PRIO_DEFAULT);
    wait_clear(rd + GICR_CTLR, GICR_CTLR_RWP, "redistributor set-up");
}

/* The system-register CPU interface.  entry.S already let EL1 use it
 * (ICC_SRE_EL2) if the kernel was entered at EL2. */
static void init_cpu_interface(void)
{
    if (ID_AA64PFR0_GIC(sysreg_read(id_aa64pfr0_el1)) == 0)
        panic("gicv3: the device tree names a GICv3 but this CPU has no "
              "system-register GIC interface (ID_AA64PFR0_EL1.GIC = 0)");
    sysreg_write(icc_sre_el1, sysreg_read(icc_sre_el1) | ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB);
    __asm__ volatile("isb" : : : "memory");
    if (!(sysreg_read(icc_sre_el1) & ICC_SRE_SRE))
        panic("gicv3: ICC_SRE_EL1.SRE stays 0 (a higher EL keeps the legacy interface)");
    sysreg_write(icc_pmr_el1, GIC_PMR_ALL);
    sysreg_write(icc_bpr1_el1, 0);
    sysreg_write(icc_ctlr_el1, 0);      /* EOImode 0: EOIR drops priority and deactivates */
    sysreg_write(icc_igrpen1_el1, ICC_IGRPEN1_ENABLE);
    __asm__ volatile("isb" : : : "memory");
}

static void gicv3_init(const struct fdt *f, int node, uint32_t ac, uint32_t sc)
{
    uint64_t mpidr = sysreg_read(mpidr_el1);
    uint64_t region_size;
    gicd = gic_reg(f, node, REG_DIST, ac, sc, "GICv3 distributor", NULL);
    uintptr_t region = gic_reg(f, node, REG_REDIST, ac, sc, "GICv3 redistributor region",
                               &region_size);
    init_distributor(mpidr);
    init_redistributor(find_redistributor(region, region + region_size, mpidr));
    init_cpu_interface();
}

static uint32_t gicv3_ack(void)
{
    return ICC_IAR_ID(sysreg_read(icc_iar1_el1));
}

static void gicv3_eoi(uint32_t id)
{
    sysreg_write(icc_eoir1_el1, id);
    __asm__ volatile("isb" : : : "memory");
}

/* With affinity routing, SGIs and PPIs are enabled in the redistributor. */
static void gicv3_set_enabled(uint32_t id, bool on)
{
    uintptr_t base = id < GIC_FIRST_SPI ? gicr_sgi : gicd;
    mmio_write32(gic_bank(base, on ? GICD_ISENABLER : GICD_ICENABLER, id), gic_bit(id));
}

static const char *const gicv3_compatible[] = { "arm,gic-v3", NULL };

const struct gic_driver gicv3_driver = {
    .name = "GICv3",
    .compatible = gicv3_compatible,
    .init = gicv3_init,
    .ack = gicv3_ack,
    .eoi = gicv3_eoi,
    .set_enabled = gicv3_set_enabled,
};
