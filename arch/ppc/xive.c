/*
 * Device interrupts on POWER9: XIVE in exploitation mode, driven through
 * OPAL, and the LPC bus's serial interrupts (SerIRQs) behind it.
 *
 * The lines IRQ capabilities name are the LPC SerIRQs 0-16 (the 16550 UART
 * is SerIRQ 4).  QEMU 7.2's LPC controller latches each SerIRQ in
 * LPC_HC_IRQSTAT and raises one PSI interrupt, "LPC HC", while a latched
 * SerIRQ is unmasked in LPC_HC_IRQMASK (it has no per-SerIRQ PSI outputs,
 * so skiboot's SerIRQ routing to PSI SIRQ0-3 never fires there).  skiboot
 * lists that PSI source among the interrupts it owns (/ibm,opal
 * "opal-interrupts", named "psi#<chip>:lpchc"), and asks the OS to forward
 * it with OPAL_HANDLE_INTERRUPT; the kernel takes it over instead, since
 * skiboot's handler would read the UART itself.
 *
 * Set-up (OPAL calls, skiboot hw/xive.c):
 *  - OPAL_XIVE_RESET(EXPL): exploitation mode, every source masked;
 *  - OPAL_XIVE_SET_QUEUE_INFO: one 4 KiB event queue for this thread (VP =
 *    its PIR) at priority PRIO;
 *  - OPAL_XIVE_GET_IRQ_INFO: the LPC HC source's ESB page;
 *  - OPAL_XIVE_SET_IRQ_CONFIG: route it to the queue; an ESB load at
 *    SET_PQ_00 opens it.
 * The XIVE then writes the source number into the queue and signals the
 * thread's hypervisor ring in the thread interrupt management area (TIMA),
 * taken as the hypervisor virtualization interrupt (0xea0, LPCR[HVICE]).
 * The handler acknowledges at the TIMA (a 16-bit load from ACK_HV_REG, which
 * also raises the CPPR to the priority), drains the queue, dispatches the
 * latched SerIRQs, ends the LSI with an ESB load and lowers the CPPR again.
 *
 * Masking a line clears its bit in LPC_HC_IRQMASK, acknowledging it clears
 * its latch in LPC_HC_IRQSTAT.  All MMIO is big-endian and the kernel runs
 * untranslated, so it uses the cache-inhibited load/store forms.
 */
#include <irq.h>
#include <kernel.h>
#include <keel/irq.h>
#include <keelbase/fdt.h>
#include <keelbase/string.h>
#include <ppc.h>
#include <print.h>

#define OPAL_XIVE_RESET          128
#define OPAL_XIVE_GET_IRQ_INFO   129
#define OPAL_XIVE_SET_IRQ_CONFIG 131
#define OPAL_XIVE_SET_QUEUE_INFO 133
#define OPAL_XIVE_MODE_EXPL      1
#define OPAL_XIVE_EQ_ENABLED     1
#define OPAL_XIVE_EQ_ALWAYS_NOTIFY 2
#define OPAL_XIVE_IRQ_LSI        4

#define PRIO        6           /* 7 is skiboot's escalation priority */
#define QUEUE_SHIFT 12          /* a 4 KiB queue: 1024 entries */
#define QUEUE_ENTRIES ((1u << QUEUE_SHIFT) / 4)

/* TIMA, hypervisor page: the physical thread's ring (QW3). */
#define TM_QW3_HV_PHYS   0x30
#define TM_CPPR          0x1
#define TM_SPC_ACK_HV_REG 0x830
#define NSR_HE_PHYS      2      /* NSR[0:1]: a physical-thread interrupt */

/* ESB management loads. */
#define ESB_LOAD_EOI     0x000
#define ESB_SET_PQ_00    0xc00  /* open */
#define ESB_SET_PQ_01    0xd00  /* off */

/* LPC controller registers, as OPB addresses in the lpcm-opb window. */
#define OPB_MASTER          0xc0010000u
#define OPB_MASTER_LS_IRQ_STAT (OPB_MASTER + 0x50)
#define OPB_MASTER_LS_IRQ_MASK (OPB_MASTER + 0x54)
#define OPB_MASTER_IRQ_LPC  0x00000800u
#define LPC_HC              0xc0012000u
#define LPC_HC_IRQSER_CTRL  (LPC_HC + 0x30)
#define LPC_HC_IRQSER_EN    0x80000000u
#define LPC_HC_IRQMASK      (LPC_HC + 0x34)
#define LPC_HC_IRQSTAT      (LPC_HC + 0x38)
#define LPC_SERIRQS         17
#define SERIRQ_BIT(n)       (0x80000000u >> (n))
#define SERIRQ_ALL          0xffff8000u

static struct {
    uint64_t tima;          /* hypervisor TIMA page */
    uint64_t lpcm;          /* the LPC controller's MMIO window */
    uint64_t esb;           /* LPC HC source: EOI/management page */
    uint32_t girq;          /* its global interrupt number */
    uint32_t idx;           /* next queue entry */
    uint32_t toggle;        /* generation bit of a consumed entry */
    uint32_t enabled;       /* SerIRQ bits unmasked */
    bool ready;
} xive;

static uint32_t queue[QUEUE_ENTRIES] __attribute__((aligned(1u << QUEUE_SHIFT)));
static uint64_t opal_out[6];   /* OPAL's big-endian results */

static uint64_t ld_ci(uint64_t a)
{
    uint64_t v;
    __asm__ volatile("ldcix %0, 0, %1" : "=r"(v) : "r"(a) : "memory");
    return v;
}

static uint32_t lwz_ci(uint64_t a)
{
    uint32_t v;
    __asm__ volatile("lwzcix %0, 0, %1" : "=r"(v) : "r"(a) : "memory");
    return __builtin_bswap32(v);
}

static void stw_ci(uint64_t a, uint32_t v)
{
    __asm__ volatile("sync; stwcix %0, 0, %1" :: "r"(__builtin_bswap32(v)), "r"(a) : "memory");
}

static uint16_t lhz_ci(uint64_t a)
{
    uint16_t v;
    __asm__ volatile("sync; lhzcix %0, 0, %1; sync" : "=r"(v) : "r"(a) : "memory");
    return __builtin_bswap16(v);
}

static void stb_ci(uint64_t a, uint8_t v)
{
    __asm__ volatile("sync; stbcix %0, 0, %1" :: "r"(v), "r"(a) : "memory");
}

static uint32_t lpc_read(uint32_t opb)
{
    return lwz_ci(xive.lpcm + opb);
}

static void lpc_write(uint32_t opb, uint32_t v)
{
    stw_ci(xive.lpcm + opb, v);
}

/* The global number of the PSI's "lpchc" source in /ibm,opal's lists. */
static bool find_lpchc(const struct fdt *f, uint32_t *girq)
{
    int opal = fdt_path(f, "/ibm,opal");
    uint32_t nlen, ilen;
    const char *names = fdt_getprop(f, opal, "opal-interrupts-names", &nlen);
    const uint8_t *irqs = fdt_getprop(f, opal, "opal-interrupts", &ilen);
    if (!names || !irqs)
        return false;
    static const char suffix[] = ":lpchc";
    for (uint32_t off = 0, i = 0; off < nlen && i < ilen / 4; i++) {
        size_t len = strnlen(names + off, nlen - off);
        if (len >= sizeof(suffix) - 1 && !strcmp(names + off + len - (sizeof(suffix) - 1), suffix)) {
            *girq = fdt_be32(irqs + 4 * i);
            return true;
        }
        off += (uint32_t)len + 1;
    }
    return false;
}

/* The LPC controller's window: the lpcm-opb node above the console UART. */
static bool find_lpcm(const struct fdt *f, uint64_t *base)
{
    int uart = fdt_find_compatible(f, "ns16550");
    int lpc = fdt_parent(f, uart), opb = fdt_parent(f, lpc), root = fdt_parent(f, opb);
    uint64_t size;
    return uart >= 0 && lpc >= 0 && opb >= 0 && root >= 0 &&
           fdt_reg(f, opb, 0, fdt_address_cells(f, root), fdt_size_cells(f, root), base,
                   &size) == KERR_OK;
}

static bool find_tima(const struct fdt *f, uint64_t *base)
{
    int node = fdt_find_compatible(f, "ibm,opal-xive-pe");
    int root = fdt_parent(f, node);
    uint64_t size;
    return node >= 0 && root >= 0 &&
           fdt_reg(f, node, 1, fdt_address_cells(f, root), fdt_size_cells(f, root), base,
                   &size) == KERR_OK;
}

static int64_t opal_checked(const char *what, uint64_t token, uint64_t a0, uint64_t a1,
                            uint64_t a2, uint64_t a3, uint64_t a4)
{
    int64_t rc = opal_call(token, a0, a1, a2, a3, a4);
    if (rc != OPAL_SUCCESS)
        kprintf("xive: %s failed (OPAL status %lld): no device interrupts\n", what,
                (long long)rc);
    return rc;
}

void ppc_xive_init(void)
{
    struct fdt f;
    if (fdt_open(&f, ppc_fdt, fdt_claimed_size(ppc_fdt)) != KERR_OK ||
        !find_lpchc(&f, &xive.girq) || !find_lpcm(&f, &xive.lpcm) || !find_tima(&f, &xive.tima)) {
        kprintf("xive: no LPC interrupt source, XIVE or LPC controller in the device tree: "
                "no device interrupts\n");
        return;
    }
    uint64_t vp = mfspr(SPRN_PIR);
    /* OPAL_XIVE_GET_IRQ_INFO takes six arguments and opal_call passes five:
     * the sixth (r8, out_src_chip) is still the fifth (opal.S shifts r4-r8
     * down into r3-r7 and leaves r8), so the chip id lands in o[3] over the
     * ESB shift; neither is used. */
    uint64_t *o = opal_out;
    if (opal_checked("OPAL_XIVE_RESET", OPAL_XIVE_RESET, OPAL_XIVE_MODE_EXPL, 0, 0, 0, 0) ||
        opal_checked("OPAL_XIVE_SET_QUEUE_INFO", OPAL_XIVE_SET_QUEUE_INFO, vp, PRIO,
                     (uintptr_t)queue, QUEUE_SHIFT,
                     OPAL_XIVE_EQ_ENABLED | OPAL_XIVE_EQ_ALWAYS_NOTIFY) ||
        opal_checked("OPAL_XIVE_GET_IRQ_INFO", OPAL_XIVE_GET_IRQ_INFO, xive.girq,
                     (uintptr_t)&o[0], (uintptr_t)&o[1], (uintptr_t)&o[2], (uintptr_t)&o[3]))
        return;
    uint64_t flags = __builtin_bswap64(o[0]);
    xive.esb = __builtin_bswap64(o[1]);
    if (!(flags & OPAL_XIVE_IRQ_LSI)) {
        kprintf("xive: the LPC source is not level-triggered: no device interrupts\n");
        return;
    }
    /* Every SerIRQ masked and its latch clear before the source opens. */
    lpc_write(LPC_HC_IRQMASK, 0);
    lpc_write(LPC_HC_IRQSTAT, SERIRQ_ALL);
    lpc_write(LPC_HC_IRQSER_CTRL, LPC_HC_IRQSER_EN);
    lpc_write(OPB_MASTER_LS_IRQ_MASK, OPB_MASTER_IRQ_LPC);
    lpc_write(OPB_MASTER_LS_IRQ_STAT, OPB_MASTER_IRQ_LPC);
    if (opal_checked("OPAL_XIVE_SET_IRQ_CONFIG", OPAL_XIVE_SET_IRQ_CONFIG, xive.girq, vp, PRIO,
                     xive.girq, 0))
        return;
    ld_ci(xive.esb + ESB_SET_PQ_00);
    stb_ci(xive.tima + TM_QW3_HV_PHYS + TM_CPPR, 0xff);
    mtspr(SPRN_LPCR, mfspr(SPRN_LPCR) | LPCR_HVICE);
    xive.ready = true;
    kprintf("xive: LPC SerIRQs through source 0x%x (exploitation mode, TIMA 0x%llx)\n",
            xive.girq, (unsigned long long)xive.tima);
}

/* The latched, unmasked SerIRQs, each as kernel_irq (which masks it and
 * clears its latch); then the LPC's and the source's end of interrupt.  A
 * masked line's latch stays: it fires when the line is unmasked. */
static void lpc_interrupt(struct arch_regs *regs)
{
    uint32_t stat = lpc_read(LPC_HC_IRQSTAT);
    for (uint32_t n = 0; n < LPC_SERIRQS; n++)
        if (stat & xive.enabled & SERIRQ_BIT(n))
            kernel_irq(regs, n);
    lpc_write(OPB_MASTER_LS_IRQ_STAT, OPB_MASTER_IRQ_LPC);
    ld_ci(xive.esb + ESB_LOAD_EOI);
}

void ppc_xive_interrupt(struct arch_regs *regs)
{
    uint16_t ack = lhz_ci(xive.tima + TM_SPC_ACK_HV_REG);
    if (xive.ready && (ack >> 14) == NSR_HE_PHYS) {
        bool lpc = false;
        for (;;) {
            uint32_t e = __builtin_bswap32(__atomic_load_n(&queue[xive.idx], __ATOMIC_ACQUIRE));
            if ((e >> 31) == xive.toggle)
                break;
            if (++xive.idx == QUEUE_ENTRIES)
                xive.idx = 0, xive.toggle ^= 1;
            lpc |= (e & 0x7fffffff) == xive.girq;
        }
        if (lpc)
            lpc_interrupt(regs);
    }
    stb_ci(xive.tima + TM_QW3_HV_PHYS + TM_CPPR, 0xff);
}

uint32_t arch_irq_lines(void)
{
    return xive.ready ? LPC_SERIRQS : 0;
}

bool arch_irq_kernel_line(uint32_t irq)
{
    (void)irq;
    return false;
}

uint32_t arch_irq_kernel_example(void)
{
    return KEEL_IRQ_NONE;
}

void arch_irq_enable(uint32_t irq)
{
    if (!xive.ready || irq >= LPC_SERIRQS)
        return;
    xive.enabled |= SERIRQ_BIT(irq);
    lpc_write(LPC_HC_IRQMASK, xive.enabled);
}

void arch_irq_mask(uint32_t irq)
{
    if (!xive.ready || irq >= LPC_SERIRQS)
        return;
    xive.enabled &= ~SERIRQ_BIT(irq);
    lpc_write(LPC_HC_IRQMASK, xive.enabled);
}

void arch_irq_ack(uint32_t irq)
{
    if (xive.ready && irq < LPC_SERIRQS)
        lpc_write(LPC_HC_IRQSTAT, SERIRQ_BIT(irq));
}

/* The device tree's XIVE node carries no interrupt-controller property
 * usable here, and the kernel reaches the LPC controller's registers inside
 * the lpcm-opb window it otherwise leaves to root: the pages the kernel
 * drives (the hypervisor TIMA page, the OPB master and LPC host controller
 * registers, the LPC source's ESB page) are kept. */
void arch_device_regions(struct memmap *owned_by_root, struct memmap *kernel_kept)
{
    (void)owned_by_root;
    if (!xive.ready)
        return;
    (void)memmap_add(kernel_kept, xive.tima, ARCH_PAGE_SIZE);
    (void)memmap_add(kernel_kept, xive.lpcm + OPB_MASTER, ARCH_PAGE_SIZE);
    (void)memmap_add(kernel_kept, xive.lpcm + LPC_HC, ARCH_PAGE_SIZE);
    (void)memmap_add(kernel_kept, ALIGN_DOWN(xive.esb, ARCH_PAGE_SIZE), ARCH_PAGE_SIZE);
}
