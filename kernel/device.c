/*
 * Device memory and I/O ports for user-level drivers.
 *
 * The root task owns the device regions from boot (L4's sigma0): the
 * memory-mapped devices the device tree names (every node with a "reg" its
 * buses translate, and the console UART's page), minus RAM and minus what
 * the kernel drives itself (interrupt controllers: nodes with an
 * "interrupt-controller" property; timers the kernel programs; the port's
 * own facts, arch_device_regions: x86's local APIC, IOAPIC and HPET from
 * ACPI).  device_give_root() maps each into root's device window at
 * KEEL_ROOT_DEVICE_VA(pa) with device attributes (PTE_DEVICE: the ISA's
 * uncached / device / cache-inhibited memory), in the largest leaves the
 * alignment allows; root hands them out by map items, and a mapping made
 * from one keeps the device attributes (mapping.c asks device_memory()).
 * A device page is no one's to free: when a task holding one is destroyed,
 * its free finds it outside the RAM the page allocator manages and does
 * nothing (kmem_free answers KERR_RANGE, no payer is credited).
 *
 * The older KEEL_TASK_MAP_DEVICE (the kernel mapping the console UART's
 * page on root's request) is retired: task_op answers KEEL_E_NOSYS.
 */
#include <bootinfo.h>
#include <irq.h>
#include <keel/irq.h>
#include <kernel.h>
#include <keelbase/string.h>
#include <memmap.h>
#include <print.h>

static struct memmap ram, owned, kept;   /* owned: root's; kept: the kernel's */
struct ram_range device_ram_hint;       /* irq.h */

/* Timers the kernel programs itself, which carry no interrupt-controller
 * property (RISC-V's CLINT, M-mode's anyway). */
static const char *const kernel_timers[] = { "riscv,clint0", "sifive,clint0",
                                             "riscv,aclint-mtimer", NULL };

/* Add [base, base + size) to m, rounded out to whole pages. */
static void add_pages(struct memmap *m, uint64_t base, uint64_t size)
{
    uint64_t b = ALIGN_DOWN(base, ARCH_PAGE_SIZE);
    uint64_t e = base + size < base ? UINT64_MAX & ~(uint64_t)(ARCH_PAGE_SIZE - 1)
                                    : ALIGN_UP(base + size, ARCH_PAGE_SIZE);
    if (size && e > b)
        (void)memmap_add(m, b, e - b);  /* a full set drops the region: root lacks it */
}

/* Is node inside /cpus, /reserved-memory or a memory node (no device)? */
static bool not_a_device(const struct fdt *f, int node)
{
    for (int n = node; n > 0; n = fdt_parent(f, n)) {
        const char *name = fdt_node_name(f, n), *type = fdt_prop_string(f, n, "device_type");
        if ((type && !strcmp(type, "memory")) || !strcmp(name, "cpus") ||
            !strcmp(name, "reserved-memory") || !strncmp(name, "memory@", 7))
            return true;
    }
    return false;
}

/* Is node, or a node it is part of (a GICv2m frame in the GIC's node), an
 * interrupt controller or a timer of the kernel's? */
static bool kernel_driven(const struct fdt *f, int node)
{
    uint32_t len;
    for (int n = node; n > 0; n = fdt_parent(f, n)) {
        if (fdt_getprop(f, n, "interrupt-controller", &len))
            return true;
        for (const char *const *c = kernel_timers; *c; c++)
            if (fdt_is_compatible(f, n, *c))
                return true;
    }
    return false;
}

/* Every node's "reg" regions that its buses translate to physical
 * addresses: the kernel's to kept, the others to owned. */
static void scan_fdt(const struct fdt *f)
{
    int depth = 0;
    for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth)) {
        uint32_t len;
        const char *status = fdt_prop_string(f, n, "status");
        if (depth == 0 || !fdt_getprop(f, n, "reg", &len) || not_a_device(f, n) ||
            (status && strcmp(status, "okay") && strcmp(status, "ok")))
            continue;
        struct memmap *to = kernel_driven(f, n) ? &kept : &owned;
        uint64_t base, size;
        for (uint32_t i = 0; fdt_reg_phys(f, n, i, &base, &size) == KERR_OK; i++)
            add_pages(to, base, size);
    }
}

#ifndef ARCH_DEVICE_REGIONS
/* Without facts of its own (the port's arch_port.h defines
 * ARCH_DEVICE_REGIONS where it has some): the device tree says it all. */
void arch_device_regions(struct memmap *owned_by_root, struct memmap *kernel_kept)
{
}
#endif

void device_init(const struct boot_desc *d)
{
    struct arch_uart u;
    ram = d->ram;
    memmap_clear(&owned);
    memmap_clear(&kept);
    if (d->has_fdt)
        scan_fdt(&d->fdt);
    arch_device_regions(&owned, &kept);
    arch_console_uart(&u);
    if (u.kind == KEEL_UART_16550_MMIO || u.kind == KEEL_UART_PL011)
        add_pages(&owned, u.base, ARCH_PAGE_SIZE);
    /* A page shared with a device the kernel drives is the kernel's. */
    for (uint32_t i = 0; i < kept.count; i++)
        (void)memmap_remove(&owned, kept.r[i].base, kept.r[i].size);
    for (uint32_t i = 0; i < ram.count; i++) {
        (void)memmap_remove(&owned, ram.r[i].base, ram.r[i].size);
        (void)memmap_remove(&kept, ram.r[i].base, ram.r[i].size);
    }
    device_ram_hint = (struct ram_range){ 0, 0 };
}

bool device_memory(uint64_t pa)
{
    /* RAM, the common answer, by one compare a range; the range found is
     * the one device_page() tries first, inline, next time (a pager maps
     * from one range mostly). */
    for (uint32_t i = 0; i < ram.count; i++)
        if (pa - ram.r[i].base < ram.r[i].size) {
            device_ram_hint = (struct ram_range){ ram.r[i].base, ram.r[i].size };
            return false;
        }
    return memmap_overlaps(&owned, pa, 1);
}

/* The largest leaf order the machine has for va and pa (congruent in the
 * window) within size bytes. */
static uint32_t leaf_order(uintptr_t va, uint64_t size)
{
    uint64_t orders = vm_leaf_orders();
    for (uint32_t o = KEEL_MAP_ORDER_MAX; o > ARCH_PAGE_SHIFT; o--)
        if (((orders >> o) & 1) && !(va & (((uintptr_t)1 << o) - 1)) && size >> o)
            return o;
    return ARCH_PAGE_SHIFT;
}

void device_give_root(struct task *root, struct factory *f)
{
    uint32_t regions = 0, skipped = 0;
    root->pt_charge = f;
    for (uint32_t i = 0; i < owned.count; i++) {
        uint64_t pa = owned.r[i].base, end = pa + owned.r[i].size;
        bool whole = true;
        while (pa < end) {
            uintptr_t va = KEEL_ROOT_DEVICE_VA(pa);
            uint32_t o = leaf_order(va, end - pa);
            /* A region whose window slot another one took (addresses equal
             * in their low KEEL_ROOT_DEVICE_BITS) is skipped there. */
            if (vm_map_order(&root->vm, va, pa, PTE_R | PTE_W | PTE_DEVICE | PTE_USER, o))
                whole = false;
            pa += (uint64_t)1 << o;
        }
        regions++;
        skipped += !whole;
        kprintf("[kernel] root owns device memory 0x%llx-0x%llx%s\n",
                (unsigned long long)owned.r[i].base, (unsigned long long)end - 1,
                whole ? "" : " (in part: its window slot is taken)");
    }
    for (uint32_t i = 0; i < kept.count; i++)
        kprintf("[kernel] the kernel keeps device memory 0x%llx-0x%llx\n",
                (unsigned long long)kept.r[i].base,
                (unsigned long long)(kept.r[i].base + kept.r[i].size - 1));
    (void)regions;
    (void)skipped;
}

uint32_t device_region(uintptr_t index, uintptr_t *base, uintptr_t *size, uintptr_t *holder)
{
    const struct memmap *m = index < owned.count ? &owned : &kept;
    uintptr_t i = index < owned.count ? index : index - owned.count;
    if (index >= (uintptr_t)owned.count + kept.count)
        return KEEL_E_INVALID;
    *base = (uintptr_t)m->r[i].base;
    *size = (uintptr_t)m->r[i].size;
    *holder = m == &owned ? KEEL_DEVICE_ROOT : KEEL_DEVICE_KERNEL;
    return KEEL_OK;
}

#ifndef ARCH_PORT_IO
/* Without port I/O (the port's arch_port.h defines ARCH_PORT_IO where the
 * machine has it, and these two): no I/O port is any driver's. */
bool arch_io_grant(struct arch_aspace *as, uint32_t port, uint32_t count)
{
    return false;
}

bool arch_has_port_io(void)
{
    return false;
}
#endif

uint32_t device_io_ports(struct task *task, uintptr_t port, uintptr_t count)
{
    if (!arch_has_port_io())
        return KEEL_E_NOSYS;
    if (!count || port > UINT32_MAX || count > UINT32_MAX)
        return KEEL_E_INVALID;
    return arch_io_grant(&task->vm.arch, (uint32_t)port, (uint32_t)count) ? KEEL_OK
                                                                           : KEEL_E_INVALID;
}
