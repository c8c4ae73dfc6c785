/* Decode the boot hand-over into a memory map, boot image and command line. */
#include <bootinfo.h>
#include <keelbase/string.h>
#include <print.h>

static void copy_cmdline(struct boot_desc *d, const char *s)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < sizeof(d->cmdline); i++)
        d->cmdline[i] = s[i];
    d->cmdline[i] = '\0';
}

/* Add every reg entry of node to m, decoded with the cells of its parent. */
static enum kerr add_regs(struct memmap *m, const struct fdt *f, int node, int parent)
{
    uint32_t ac = fdt_address_cells(f, parent), sc = fdt_size_cells(f, parent);
    uint64_t base, size;
    for (uint32_t i = 0; fdt_reg(f, node, i, ac, sc, &base, &size) == KERR_OK; i++) {
        enum kerr e = memmap_add(m, base, size);
        if (e)
            return e;
    }
    return KERR_OK;
}

static bool is_memory_node(const struct fdt *f, int node)
{
    const char *type = fdt_prop_string(f, node, "device_type");
    return type && strcmp(type, "memory") == 0;
}

/* RAM: every top-level node with device_type = "memory". */
static enum kerr fdt_ram(struct boot_desc *d)
{
    int depth = 0;
    for (int n = fdt_next_node(&d->fdt, -1, &depth); n >= 0;
         n = fdt_next_node(&d->fdt, n, &depth)) {
        if (depth == 1 && is_memory_node(&d->fdt, n)) {
            enum kerr e = add_regs(&d->ram, &d->fdt, n, 0);
            if (e)
                return e;
        }
    }
    return KERR_OK;
}

/* Firmware reservations: the memreserve block and /reserved-memory children. */
static enum kerr fdt_reserved(struct boot_desc *d)
{
    uint64_t base, size;
    for (uint32_t i = 0; fdt_memreserve(&d->fdt, i, &base, &size) == KERR_OK; i++) {
        enum kerr e = memmap_add(&d->reserved, base, size);
        if (e)
            return e;
    }
    int rm = fdt_path(&d->fdt, "/reserved-memory");
    if (rm < 0)
        return KERR_OK;
    int depth = 0;
    for (int n = fdt_next_node(&d->fdt, rm, &depth); n >= 0 && depth > 0;
         n = fdt_next_node(&d->fdt, n, &depth)) {
        if (depth == 1) {
            enum kerr e = add_regs(&d->reserved, &d->fdt, n, rm);
            if (e)
                return e;
        }
    }
    return KERR_OK;
}

static uint32_t fdt_count_cpus(const struct fdt *f)
{
    int cpus = fdt_path(f, "/cpus"), depth = 0;
    uint32_t count = 0;
    if (cpus < 0)
        return 0;
    for (int n = fdt_next_node(f, cpus, &depth); n >= 0 && depth > 0;
         n = fdt_next_node(f, n, &depth)) {
        const char *type = fdt_prop_string(f, n, "device_type");
        if (depth == 1 && type && strcmp(type, "cpu") == 0)
            count++;
    }
    return count;
}

/* Command line and boot image.  Both initrd properties mean a boot image was
 * handed over, even an empty one (start = end, as QEMU's riscv virt reports
 * an empty -initrd; its arm virt and powernv leave the properties out). */
static enum kerr fdt_chosen(struct boot_desc *d)
{
    int chosen = fdt_path(&d->fdt, "/chosen");
    uint64_t start, end;
    if (chosen < 0)
        return KERR_OK;
    copy_cmdline(d, fdt_prop_string(&d->fdt, chosen, "bootargs"));
    if (fdt_prop_uint(&d->fdt, chosen, "linux,initrd-start", &start) != KERR_OK ||
        fdt_prop_uint(&d->fdt, chosen, "linux,initrd-end", &end) != KERR_OK)
        return KERR_OK;
    if (end < start)
        return KERR_RANGE;
    d->initrd_present = true;
    d->initrd_base = start;
    d->initrd_size = end - start;
    return KERR_OK;
}

static enum kerr describe_from_fdt(const struct boot_info *bi, struct boot_desc *d)
{
    uint32_t claimed = fdt_claimed_size(bi->fdt);
    if (claimed == 0)
        return KERR_BADFMT;
    if (claimed > FDT_MAX_SIZE)
        return KERR_RANGE;
    enum kerr e = fdt_open(&d->fdt, bi->fdt, claimed);
    if (e)
        return e;
    d->has_fdt = true;
    d->fdt_base = (uintptr_t)bi->fdt;
    d->fdt_size = claimed;
    d->cpus = fdt_count_cpus(&d->fdt);
    if ((e = fdt_chosen(d)) || (e = fdt_ram(d)) || (e = fdt_reserved(d)))
        return e;
    return memmap_add(&d->reserved, d->fdt_base, d->fdt_size);
}

static enum kerr describe_from_lists(const struct boot_info *bi, struct boot_desc *d)
{
    enum kerr e;
    for (uint32_t i = 0; i < bi->ram_count && i < BOOT_MAX_RANGES; i++)
        if ((e = memmap_add(&d->ram, bi->ram[i].base, bi->ram[i].size)))
            return e;
    d->initrd_present = bi->initrd_present;
    d->initrd_base = bi->initrd_base;
    d->initrd_size = bi->initrd_size;
    copy_cmdline(d, bi->cmdline);
    return KERR_OK;
}

enum kerr boot_describe(const struct boot_info *bi, struct boot_desc *d)
{
    memset(d, 0, sizeof(*d));
    enum kerr e = bi->fdt ? describe_from_fdt(bi, d) : describe_from_lists(bi, d);
    if (e)
        return e;
    if (d->ram.count == 0)
        return KERR_NOENT;
    /* The port's own reservations (e.g. vectors it copied into low memory)
     * count whatever the firmware reported. */
    for (uint32_t i = 0; i < bi->reserved_count && i < BOOT_MAX_RANGES; i++)
        if ((e = memmap_add(&d->reserved, bi->reserved[i].base, bi->reserved[i].size)))
            return e;
    if (bi->kernel_end > bi->kernel_base &&
        (e = memmap_add(&d->reserved, bi->kernel_base, bi->kernel_end - bi->kernel_base)))
        return e;
    if (d->initrd_size > UINT64_MAX - d->initrd_base)
        return KERR_RANGE;
    if (d->initrd_size && (e = memmap_add(&d->reserved, d->initrd_base, d->initrd_size)))
        return e;

    d->usable = d->ram;
    for (uint32_t i = 0; i < d->reserved.count; i++)
        if ((e = memmap_remove(&d->usable, d->reserved.r[i].base, d->reserved.r[i].size)))
            return e;
    memmap_align(&d->usable, ARCH_PAGE_SIZE);
    return KERR_OK;
}

static void print_ranges(const char *what, const struct memmap *m)
{
    for (uint32_t i = 0; i < m->count; i++) {
        uint64_t b = m->r[i].base, s = m->r[i].size;
        kprintf("  %-9s [%016llx-%016llx] %8llu KiB\n", what, (unsigned long long)b,
                (unsigned long long)(b + s - 1), (unsigned long long)((s + 1023) >> 10));
    }
}

void boot_print(const struct boot_desc *d)
{
    kprintf("memory map (%s):\n", d->has_fdt ? "device tree" : "boot loader");
    print_ranges("ram", &d->ram);
    print_ranges("reserved", &d->reserved);
    print_ranges("usable", &d->usable);
    kprintf("  total RAM %llu MiB, usable %llu MiB\n",
            (unsigned long long)(memmap_total(&d->ram) >> 20),
            (unsigned long long)(memmap_total(&d->usable) >> 20));
    if (d->cpus)
        kprintf("cpus: %u described, 1 running\n", d->cpus);
    if (d->initrd_present)
        kprintf("boot image: %llu bytes at 0x%llx\n", (unsigned long long)d->initrd_size,
                (unsigned long long)d->initrd_base);
    else
        kprintf("boot image: none\n");
    kprintf("command line: \"%s\"\n", d->cmdline);
}
