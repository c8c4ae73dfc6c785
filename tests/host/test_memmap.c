/* Host tests for kernel/memmap.c and kernel/bootinfo.c. */
#include <bootinfo.h>
#include "check.h"
#include "console.h"

static void expect(const struct memmap *m, const struct mem_range *want, uint32_t n)
{
    CHECK_EQ_U(m->count, n);
    for (uint32_t i = 0; i < n && i < m->count; i++) {
        CHECK_EQ_U(m->r[i].base, want[i].base);
        CHECK_EQ_U(m->r[i].size, want[i].size);
    }
}

static void test_add_remove(void)
{
    struct memmap m;
    memmap_clear(&m);
    CHECK_EQ_U(memmap_add(&m, 0x3000, 0x1000), KERR_OK);
    CHECK_EQ_U(memmap_add(&m, 0x1000, 0x1000), KERR_OK);
    CHECK_EQ_U(memmap_add(&m, 0x0, 0), KERR_OK);            /* empty: ignored */
    expect(&m, (struct mem_range[]){ { 0x1000, 0x1000 }, { 0x3000, 0x1000 } }, 2);
    CHECK_EQ_U(memmap_add(&m, 0x2000, 0x1000), KERR_OK);     /* touches both: merge */
    expect(&m, (struct mem_range[]){ { 0x1000, 0x3000 } }, 1);
    CHECK_EQ_U(memmap_add(&m, 0x1800, 0x100), KERR_OK);      /* inside: no change */
    expect(&m, (struct mem_range[]){ { 0x1000, 0x3000 } }, 1);

    CHECK_EQ_U(memmap_remove(&m, 0x2000, 0x800), KERR_OK);   /* split */
    expect(&m, (struct mem_range[]){ { 0x1000, 0x1000 }, { 0x2800, 0x1800 } }, 2);
    CHECK_EQ_U(memmap_remove(&m, 0x0, 0x1800), KERR_OK);     /* trim a head */
    CHECK_EQ_U(memmap_remove(&m, 0x3800, 0x10000), KERR_OK); /* trim a tail */
    expect(&m, (struct mem_range[]){ { 0x1800, 0x800 }, { 0x2800, 0x1000 } }, 2);
    CHECK_EQ_U(memmap_remove(&m, 0x0, 0x100000), KERR_OK);   /* swallow all */
    CHECK_EQ_U(m.count, 0);

    /* Ranges reaching the top of the address space saturate, not wrap. */
    CHECK_EQ_U(memmap_add(&m, UINT64_MAX - 0xfff, 0x2000), KERR_OK);
    CHECK(memmap_contains(&m, UINT64_MAX - 0xff, 0x100));
    CHECK(!memmap_overlaps(&m, 0, 0x1000));
    memmap_align(&m, 0x1000);
    CHECK_EQ_U(m.count, 0); /* its aligned end wraps: nothing whole is left */
}

static void test_capacity(void)
{
    struct memmap m;
    memmap_clear(&m);
    for (uint64_t i = 0; i < MEMMAP_MAX; i++)
        CHECK_EQ_U(memmap_add(&m, i * 0x2000, 0x1000), KERR_OK);
    CHECK_EQ_U(memmap_add(&m, MEMMAP_MAX * 0x2000ULL, 0x1000), KERR_NOMEM);
    CHECK_EQ_U(memmap_remove(&m, 0x100, 0x10), KERR_NOMEM); /* a split needs a slot */
    CHECK_EQ_U(m.count, MEMMAP_MAX);
    CHECK_EQ_U(memmap_total(&m), MEMMAP_MAX * 0x1000ULL);
}

static void test_align(void)
{
    struct memmap m;
    memmap_clear(&m);
    memmap_add(&m, 0x1234, 0x3000);
    memmap_add(&m, 0x10000, 0x800);
    memmap_align(&m, 0x1000);
    expect(&m, (struct mem_range[]){ { 0x2000, 0x2000 } }, 1);
}

static void test_describe_fdt(void)
{
    size_t len;
    unsigned char *b = read_file("out/host/basic.dtb", &len);
    CHECK(b != NULL);
    if (!b)
        return;
    struct boot_info bi = { .fdt = b, .kernel_base = 0x80200000, .kernel_end = 0x80300000 };
    static struct boot_desc d;
    CHECK_EQ_U(boot_describe(&bi, &d), KERR_OK);
    CHECK_EQ_U(memmap_total(&d.ram), 768ULL << 20);
    CHECK_EQ_U(d.cpus, 2);
    CHECK_STR(d.cmdline, "selftest expect_mem=768");
    CHECK_EQ_U(d.initrd_base, 0x48000000);
    CHECK_EQ_U(d.initrd_size, 0x100000);
    const struct mem_range want[] = {
        { 0x40010000, 0x000f0000 }, /* after the memreserve entry */
        { 0x40200000, 0x07e00000 }, /* after reserved-memory/firmware */
        { 0x48100000, 0x07f00000 }, /* after the boot image */
        { 0x80000000, 0x00200000 }, /* before the kernel */
        { 0x80300000, 0x0fd00000 },
        { 0x100000000ULL, 0x10000000 },
    };
    expect(&d.usable, want, 6);

    console_len = 0;
    boot_print(&d);
    CHECK(strstr(console_buf, "total RAM 768 MiB") != NULL);
    CHECK(strstr(console_buf, "cpus: 2 described") != NULL);

    /* A blob claiming more than FDT_MAX_SIZE is refused before it is read. */
    unsigned char *big = malloc(len);
    memcpy(big, b, len);
    big[4] = 0x7f;
    bi.fdt = big;
    CHECK_EQ_U(boot_describe(&bi, &d), KERR_RANGE);
    big[0] = 0;
    CHECK_EQ_U(boot_describe(&bi, &d), KERR_BADFMT);
    free(big);
    free(b);
}

static void test_describe_cells32(void)
{
    size_t len;
    unsigned char *b = read_file("out/host/multi.dtb", &len);
    CHECK(b != NULL);
    if (!b)
        return;
    struct boot_info bi = { .fdt = b };
    static struct boot_desc d;
    CHECK_EQ_U(boot_describe(&bi, &d), KERR_OK);
    /* The node without device_type is not RAM. */
    expect(&d.ram, (struct mem_range[]){ { 0, 0x8000000 }, { 0x10000000, 0x8000000 } }, 2);
    CHECK_EQ_U(d.initrd_base, 0x20000000); /* outside RAM: reserved, harmlessly */
    CHECK_EQ_U(d.initrd_size, 0x1000);
    CHECK_STR(d.cmdline, "");
    CHECK_EQ_U(d.cpus, 0);
    free(b);
}

static void test_describe_lists(void)
{
    struct boot_info bi = {
        .ram = { { 0x0, 0x9fc00 }, { 0x100000, 0x7ff00000 } },
        .ram_count = 2,
        .reserved = { { 0x0, 0x1000 } },
        .reserved_count = 1,
        .initrd_base = 0x200000, .initrd_size = 0x1800,
        .cmdline = "demo",
        .kernel_base = 0x100000, .kernel_end = 0x180000,
    };
    static struct boot_desc d;
    CHECK_EQ_U(boot_describe(&bi, &d), KERR_OK);
    CHECK(!d.has_fdt);
    CHECK_STR(d.cmdline, "demo");
    const struct mem_range want[] = {
        { 0x1000, 0x9e000 },            /* 0x9fc00 rounded down */
        { 0x180000, 0x80000 },
        { 0x202000, 0x7fdfe000 },       /* boot image end rounded up */
    };
    expect(&d.usable, want, 3);

    struct boot_info empty = { 0 };
    CHECK_EQ_U(boot_describe(&empty, &d), KERR_NOENT);
}

int main(void)
{
    test_add_remove();
    test_capacity();
    test_align();
    test_describe_fdt();
    test_describe_cells32();
    test_describe_lists();
    return check_summary("test_memmap");
}
