/* Host tests for lib/fdt.c: test trees built by dtc, the trees QEMU's
 * machines hand over (dumped with -M ...,dumpdtb=), and corrupted blobs,
 * which must be rejected or read without leaving the blob (ASan watches). */
#include <keelbase/fdt.h>
#include "check.h"

static unsigned char *load(const char *path, size_t *len)
{
    unsigned char *b = read_file(path, len);
    if (!b)
        printf("cannot read %s\n", path);
    CHECK(b != NULL);
    return b;
}

/* A private exact-size copy, so any read past the end trips ASan. */
static unsigned char *copy(const unsigned char *b, size_t len)
{
    unsigned char *c = malloc(len ? len : 1);
    memcpy(c, b, len);
    return c;
}

/* Load the blob at path and open it into f; NULL (after a failed check) if
 * either fails. */
static unsigned char *open_tree(const char *path, struct fdt *f)
{
    size_t len;
    unsigned char *b = load(path, &len);
    if (!b)
        return NULL;
    enum kerr e = fdt_open(f, b, len);
    CHECK_EQ_U(e, KERR_OK);
    if (e != KERR_OK) {
        free(b);
        return NULL;
    }
    return b;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void test_basic_queries(void)
{
    struct fdt f;
    unsigned char *b = open_tree("out/host/basic.dtb", &f);
    if (!b)
        return;
    CHECK_STR(fdt_node_name(&f, 0), "");
    CHECK_STR(fdt_prop_string(&f, 0, "model"), "Keel test board");
    CHECK(fdt_is_compatible(&f, 0, "keel,test-board"));
    CHECK(!fdt_is_compatible(&f, 0, "keel,test"));

    int chosen = fdt_path(&f, "/chosen");
    CHECK(chosen > 0);
    CHECK_STR(fdt_prop_string(&f, chosen, "bootargs"), "selftest expect_mem=768");
    uint64_t v = 0;
    CHECK_EQ_U(fdt_prop_uint(&f, chosen, "linux,initrd-start", &v), KERR_OK);
    CHECK_EQ_U(v, 0x48000000);
    CHECK_EQ_U(fdt_prop_uint(&f, fdt_path(&f, "/cpus"), "timebase-frequency", &v), KERR_OK);
    CHECK_EQ_U(v, 10000000);
    CHECK_EQ_U(fdt_prop_uint(&f, chosen, "bootargs", &v), KERR_BADFMT);
    CHECK_EQ_U(fdt_prop_uint(&f, chosen, "absent", &v), KERR_NOENT);

    int uart = fdt_path(&f, "/soc/serial@10000000");
    CHECK(uart > 0);
    CHECK(fdt_is_compatible(&f, uart, "ns16550"));
    CHECK_EQ_U(fdt_subnode(&f, fdt_path(&f, "/soc"), "serial"), uart); /* first match */
    CHECK(fdt_path(&f, "/soc/serial@10001000") > uart);
    CHECK_EQ_U(fdt_path(&f, "/soc/serial@2"), -1);
    CHECK_EQ_U(fdt_path(&f, "/nonexistent"), -1);
    CHECK_EQ_U(fdt_path(&f, "chosen"), -1);             /* paths are absolute */
    CHECK_EQ_U(fdt_path(&f, "/"), 0);
    CHECK(fdt_path(&f, "/cpus/cpu-map/cluster0/core0") > 0);
    CHECK_EQ_U(fdt_subnode(&f, chosen, "cpus"), -1);    /* only children count */

    uint64_t base, size;
    int mem = fdt_path(&f, "/memory@80000000");
    CHECK_EQ_U(fdt_address_cells(&f, 0), 2);
    CHECK_EQ_U(fdt_size_cells(&f, fdt_path(&f, "/soc")), 1);
    CHECK_EQ_U(fdt_size_cells(&f, chosen), 1);          /* default */
    CHECK_EQ_U(fdt_reg(&f, mem, 1, 2, 2, &base, &size), KERR_OK);
    CHECK_EQ_U(base, 0x100000000ULL);
    CHECK_EQ_U(size, 0x10000000);
    CHECK_EQ_U(fdt_reg(&f, mem, 2, 2, 2, &base, &size), KERR_NOENT);
    CHECK_EQ_U(fdt_reg(&f, mem, 0, 3, 2, &base, &size), KERR_BADFMT);
    CHECK_EQ_U(fdt_memreserve(&f, 0, &base, &size), KERR_OK);
    CHECK_EQ_U(base, 0x40000000);
    CHECK_EQ_U(size, 0x10000);
    CHECK_EQ_U(fdt_memreserve(&f, 1, &base, &size), KERR_NOENT);

    /* Document-order walk with depths. */
    int depth = 0, nodes = 0, max_depth = 0;
    for (int n = fdt_next_node(&f, -1, &depth); n >= 0; n = fdt_next_node(&f, n, &depth)) {
        nodes++;
        if (depth > max_depth)
            max_depth = depth;
    }
    CHECK_EQ_U(nodes, 15);
    CHECK_EQ_U(max_depth, 4);
    free(b);
}

/* Read everything reachable: each node's name and a few properties. */
static void exercise(const struct fdt *f)
{
    int depth = 0;
    uint64_t base, size, v;
    for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth)) {
        (void)fdt_node_name(f, n);
        (void)fdt_prop_string(f, n, "compatible");
        (void)fdt_prop_uint(f, n, "reg", &v);
        (void)fdt_is_compatible(f, n, "ns16550a");
        (void)fdt_reg(f, n, 0, fdt_address_cells(f, 0), fdt_size_cells(f, 0), &base, &size);
    }
    (void)fdt_path(f, "/chosen");
    for (uint32_t i = 0; fdt_memreserve(f, i, &base, &size) == KERR_OK; i++)
        ;
}

static void test_rejects(const char *path)
{
    size_t len;
    unsigned char *b = load(path, &len);
    struct fdt f;
    if (!b)
        return;
    uint32_t total = fdt_be32(b + 4), soff = fdt_be32(b + 8);

    /* Truncated blobs: every length short of the header's totalsize. */
    int accepted = 0;
    for (size_t n = 0; n < total; n += (n < 256 ? 1 : n / 16 + 1)) {
        unsigned char *c = copy(b, n);
        accepted += fdt_open(&f, c, n) == KERR_OK;
        free(c);
    }
    CHECK_EQ_U(accepted, 0);

    struct { uint32_t off, val; enum kerr want; } bad[] = {
        { 0, 0xd00dfeee, KERR_BADFMT },             /* magic */
        { 4, 0xffffffff, KERR_RANGE },              /* totalsize beyond the buffer */
        { 4, 8, KERR_RANGE },                       /* totalsize below the header */
        { 8, total - 4, KERR_RANGE },               /* structure block overruns */
        { 8, soff + 2, KERR_RANGE },                /* misaligned structure block */
        { 36, 0xfffffff0, KERR_RANGE },             /* size_dt_struct wraps */
        { 12, total + 1, KERR_RANGE },              /* strings outside the blob */
        { 20, 15, KERR_BADFMT },                    /* version too old */
        { soff, 7, KERR_BADFMT },                   /* unknown first token */
        { soff, 2, KERR_BADFMT },                   /* END_NODE before any node */
        { soff + 8, 0x9, KERR_BADFMT },             /* END inside the root */
        { soff + 12, 0xffffff00, KERR_BADFMT },     /* property longer than the block */
        { soff + 16, 0x7fffffff, KERR_BADFMT },     /* property name outside strings */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *c = copy(b, total);
        put_be32(c + bad[i].off, bad[i].val);
        enum kerr e = fdt_open(&f, c, total);
        if (e != bad[i].want)
            printf("     corruption %zu (offset %u = 0x%x)\n", i, bad[i].off, bad[i].val);
        CHECK_EQ_U(e, bad[i].want);
        free(c);
    }

    /* A node name running to the end of the structure block. */
    unsigned char *c = copy(b, total);
    uint32_t ssize = fdt_be32(b + 36);
    put_be32(c + soff, 1);
    memset(c + soff + 4, 'a', ssize - 4);
    CHECK_EQ_U(fdt_open(&f, c, total), KERR_BADFMT);
    free(c);

    /* Every single-byte corruption of the first 4 KiB (two values each):
     * either rejected, or readable entirely inside the blob. */
    size_t limit = total < 4096 ? total : 4096, opened = 0;
    c = copy(b, total);
    for (size_t off = 0; off < limit; off++) {
        for (int k = 0; k < 2; k++) {
            c[off] = k ? (unsigned char)~b[off] : 0x01;
            if (fdt_open(&f, c, total) == KERR_OK) {
                opened++;
                exercise(&f);
            }
            c[off] = b[off];
        }
    }
    free(c);
    CHECK(opened > 0); /* some (e.g. in property values) are harmless */
    free(b);
}

static void test_find_compatible(void)
{
    struct fdt f;
    unsigned char *b = open_tree("out/host/basic.dtb", &f);
    if (!b)
        return;
    int uart = fdt_path(&f, "/soc/serial@10000000");
    CHECK_EQ_U(fdt_find_compatible(&f, "ns16550"), uart);      /* second entry */
    CHECK_EQ_U(fdt_find_compatible(&f, "ns16550a"), uart);
    CHECK_EQ_U(fdt_find_compatible(&f, "vendor,other"), fdt_path(&f, "/soc/serial@10001000"));
    CHECK_EQ_U(fdt_find_compatible(&f, "keel,test-board"), 0);
    CHECK_EQ_U(fdt_find_compatible(&f, "ns1655"), -1);          /* no prefix match */
    CHECK_EQ_U(fdt_parent(&f, uart), fdt_path(&f, "/soc"));
    CHECK_EQ_U(fdt_parent(&f, fdt_path(&f, "/cpus/cpu-map/cluster0/core0")),
               fdt_path(&f, "/cpus/cpu-map/cluster0"));
    CHECK_EQ_U(fdt_parent(&f, fdt_path(&f, "/chosen")), 0);
    CHECK_EQ_U(fdt_parent(&f, 0), -1);
    CHECK_EQ_U(fdt_parent(&f, uart + 1), -1);                   /* not a node */
    free(b);
}

/* The interrupt controller QEMU's virt machine describes, as arch/arm/gic.c
 * finds it: compatible string, parent's cells, distributor and second region. */
static void test_qemu_gic(const char *path, const char *compat, uint64_t second)
{
    struct fdt f;
    uint64_t base = 0, size = 0;
    unsigned char *b = open_tree(path, &f);
    if (!b)
        return;
    int gic = fdt_find_compatible(&f, compat);
    CHECK(gic > 0);
    int parent = fdt_parent(&f, gic);
    CHECK_EQ_U(parent, 0);
    uint32_t ac = fdt_address_cells(&f, parent), sc = fdt_size_cells(&f, parent);
    CHECK_EQ_U(fdt_reg(&f, gic, 0, ac, sc, &base, &size), KERR_OK);
    CHECK_EQ_U(base, 0x08000000);
    CHECK_EQ_U(fdt_reg(&f, gic, 1, ac, sc, &base, &size), KERR_OK);
    CHECK_EQ_U(base, second);
    free(b);
}

static void test_qemu_tree(const char *path, uint32_t min_cpus)
{
    struct fdt f;
    unsigned char *b = open_tree(path, &f);
    if (!b)
        return;
    int depth = 0, memory_nodes = 0, cpus = 0;
    for (int n = fdt_next_node(&f, -1, &depth); n >= 0; n = fdt_next_node(&f, n, &depth)) {
        const char *type = fdt_prop_string(&f, n, "device_type");
        memory_nodes += depth == 1 && type && strcmp(type, "memory") == 0;
        cpus += type && strcmp(type, "cpu") == 0;
    }
    if (memory_nodes < 1 || (uint32_t)cpus < min_cpus)
        printf("     %s: %d memory nodes, %d cpus\n", path, memory_nodes, cpus);
    CHECK(memory_nodes >= 1);
    CHECK((uint32_t)cpus >= min_cpus);
    free(b);
}

/* fdt_reg_phys: the node's first reg entry translated through every bus. */
static void test_reg_phys(const char *path, const char *compat, uint64_t want)
{
    struct fdt f;
    uint64_t base = 0, size = 0;
    unsigned char *b = open_tree(path, &f);
    if (!b)
        return;
    int node = fdt_find_compatible(&f, compat);
    CHECK(node > 0);
    CHECK_EQ_U(fdt_reg_phys(&f, node, 0, &base, &size), KERR_OK);
    CHECK_EQ_U(base, want);
    CHECK_EQ_U(fdt_reg_phys(&f, node, 9, &base, &size), KERR_NOENT);
    free(b);
}

/* fdt_timebase_hz: /cpus' property (riscv virt) or a cpu node's (powernv);
 * want 0: the tree names none (arm virt: the generic timer says). */
static void test_timebase(const char *path, uint64_t want)
{
    struct fdt f;
    uint64_t hz = 0;
    unsigned char *b = open_tree(path, &f);
    if (!b)
        return;
    CHECK_EQ_U(fdt_timebase_hz(&f, &hz), want ? KERR_OK : KERR_NOENT);
    if (want)
        CHECK_EQ_U(hz, want);
    free(b);
}

int main(void)
{
    test_basic_queries();
    test_rejects("out/host/basic.dtb");
    test_qemu_tree("out/host/qemu-riscv64-virt.dtb", 1);
    test_qemu_tree("out/host/qemu-aarch64-virt.dtb", 1);
    test_find_compatible();
    test_qemu_gic("out/host/qemu-aarch64-virt.dtb", "arm,cortex-a15-gic", 0x08010000);
    test_qemu_gic("out/host/qemu-aarch64-virt-gicv3.dtb", "arm,gic-v3", 0x080a0000);
    test_qemu_tree("out/host/qemu-ppc64-powernv9.dtb", 1);
    /* At the root; under /soc with "ranges;"; on LPC I/O space (I/O 0x70)
     * through lpc@0's and lpcm-opb's ranges. */
    test_reg_phys("out/host/qemu-aarch64-virt.dtb", "arm,pl011", 0x09000000);
    test_reg_phys("out/host/qemu-riscv64-virt.dtb", "ns16550a", 0x10000000);
    test_reg_phys("out/host/qemu-ppc64-powernv9.dtb", "pnpPNP,b00", 0x60300d0010070ull);
    test_timebase("out/host/qemu-riscv64-virt.dtb", 10000000);
    test_timebase("out/host/qemu-ppc64-powernv9.dtb", 512000000);
    test_timebase("out/host/qemu-aarch64-virt.dtb", 0);
    test_rejects("out/host/qemu-riscv64-virt.dtb");
    test_rejects("out/host/qemu-aarch64-virt.dtb");
    test_rejects("out/host/qemu-ppc64-powernv9.dtb");
    return check_summary("test_fdt");
}
