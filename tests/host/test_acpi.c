/* Host tests for kernel/drivers/acpi.c: ACPI tables built by hand in a
 * buffer that stands for physical memory (phys_offset = its address): the
 * RSDP search, RSDT and XSDT, the MADT's IOAPICs, interrupt source
 * overrides and local APIC override, the HPET table, and malformed tables,
 * which must be refused without reading past them (ASan watches). */
#include <acpi.h>
#include "check.h"

#define MEM 0x4000
static uint8_t *mem;            /* "physical" 0 .. MEM */
#define PHYS ((uintptr_t)mem)

static void put32(uint32_t pa, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        mem[pa + i] = (uint8_t)(v >> 8 * i);
}

static void put64(uint32_t pa, uint64_t v)
{
    put32(pa, (uint32_t)v);
    put32(pa + 4, (uint32_t)(v >> 32));
}

static void fix_sum(uint32_t pa, uint32_t len, uint32_t sum_at)
{
    uint8_t s = 0;
    mem[sum_at] = 0;
    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + mem[pa + i]);
    mem[sum_at] = (uint8_t)-s;
}

/* A table header at pa: signature, length, checksum fixed. */
static void table(uint32_t pa, const char *sig, uint32_t len)
{
    memcpy(mem + pa, sig, 4);
    put32(pa + 4, len);
    fix_sum(pa, len, pa + 9);
}

#define RSDP 0x1010
#define RSDT 0x1100
#define XSDT 0x1200
#define MADT 0x2000
#define HPET 0x3000
#define MADT_LEN (44 + 12 + 10 + 10 + 12)

static void build(bool xsdt)
{
    memset(mem, 0, MEM);
    /* MADT: local APIC 0xfee00000, an IOAPIC (id 1) at 0xfec00000 for GSI
     * 0, overrides ISA 0 -> GSI 2 and ISA 9 level, active low, and a
     * local APIC address override. */
    put32(MADT + 36, 0xfee00000u);
    uint32_t e = MADT + 44;
    mem[e] = 1, mem[e + 1] = 12, mem[e + 2] = 1, put32(e + 4, 0xfec00000u), put32(e + 8, 0);
    e += 12;
    mem[e] = 2, mem[e + 1] = 10, mem[e + 2] = 0, mem[e + 3] = 0, put32(e + 4, 2);
    e += 10;
    mem[e] = 2, mem[e + 1] = 10, mem[e + 2] = 0, mem[e + 3] = 9, put32(e + 4, 9);
    mem[e + 8] = ACPI_INTI_ACTIVE_LOW | ACPI_INTI_LEVEL;
    e += 10;
    mem[e] = 5, mem[e + 1] = 12, put64(e + 4, 0xfee10000u);
    table(MADT, "APIC", MADT_LEN);
    /* HPET: base address (system memory) 0xfed00000. */
    mem[HPET + 40] = 0;
    put64(HPET + 44, 0xfed00000u);
    table(HPET, "HPET", 56);
    /* RSDT (32-bit entries) or XSDT (64-bit), listing HPET then MADT. */
    if (xsdt) {
        put64(XSDT + 36, HPET);
        put64(XSDT + 44, MADT);
        table(XSDT, "XSDT", 52);
    } else {
        put32(RSDT + 36, HPET);
        put32(RSDT + 40, MADT);
        table(RSDT, "RSDT", 44);
    }
    memcpy(mem + RSDP, "RSD PTR ", 8);
    mem[RSDP + 15] = xsdt ? 2 : 0;
    put32(RSDP + 16, xsdt ? 0 : RSDT);
    put32(RSDP + 20, 36);
    put64(RSDP + 24, xsdt ? XSDT : 0);
    fix_sum(RSDP, 20, RSDP + 8);
    fix_sum(RSDP, 36, RSDP + 32);
}

static void check_madt(const char *what)
{
    struct acpi_madt m;
    CHECK(acpi_read_madt(RSDP, PHYS, &m));
    CHECK_EQ_U(m.lapic_base, 0xfee10000u);          /* the override wins */
    CHECK_EQ_U(m.ioapic_count, 1);
    CHECK_EQ_U(m.ioapic[0].base, 0xfec00000u);
    CHECK_EQ_U(m.ioapic[0].gsi_base, 0);
    CHECK_EQ_U(m.ioapic[0].id, 1);
    CHECK(m.isa[0].overridden && m.isa[0].gsi == 2 && m.isa[0].flags == 0);
    CHECK(m.isa[9].overridden && m.isa[9].gsi == 9);
    CHECK_EQ_U(m.isa[9].flags & ACPI_INTI_TRIGGER_MASK, ACPI_INTI_LEVEL);
    CHECK_EQ_U(m.isa[9].flags & ACPI_INTI_POLARITY_MASK, ACPI_INTI_ACTIVE_LOW);
    CHECK(!m.isa[4].overridden);
    CHECK_EQ_U(acpi_hpet_base(RSDP, PHYS), 0xfed00000u);
    CHECK_EQ_U(acpi_isa_gsi(&m, 0), 2);             /* routed by its override */
    CHECK_EQ_U(acpi_isa_gsi(&m, 9), 9);
    CHECK_EQ_U(acpi_isa_gsi(&m, 4), 4);             /* no override: the same number */
    (void)what;
}

static void test_good(void)
{
    build(false);
    CHECK_EQ_U(acpi_find_rsdp(0, MEM, PHYS), RSDP);
    CHECK_EQ_U(acpi_find_rsdp(RSDP + 1, MEM - RSDP - 1, PHYS), 0); /* only on 16-byte steps */
    check_madt("rsdt");
    build(true);
    CHECK_EQ_U(acpi_find_rsdp(0x1000, 0x100, PHYS), RSDP);
    check_madt("xsdt");
}

/* An override moving ISA IRQ 4 (COM1's) to another GSI: x86 routes the
 * console's line by it; with no MADT, or past the ISA's IRQs, the number is
 * its own. */
static void test_isa_route(void)
{
    struct acpi_madt m;
    build(false);
    mem[MADT + 44 + 12 + 10 + 3] = 4;               /* the ISA 9 entry, now ISA 4 */
    put32(MADT + 44 + 12 + 10 + 4, 20);
    table(MADT, "APIC", MADT_LEN);
    CHECK(acpi_read_madt(RSDP, PHYS, &m));
    CHECK_EQ_U(acpi_isa_gsi(&m, 4), 20);
    CHECK_EQ_U(acpi_isa_gsi(&m, 9), 9);             /* no longer overridden */
    CHECK_EQ_U(acpi_isa_gsi(&m, 0), 2);
    CHECK_EQ_U(acpi_isa_gsi(NULL, 4), 4);
    m.isa[ACPI_ISA_IRQS - 1].overridden = true;
    m.isa[ACPI_ISA_IRQS - 1].gsi = 7;
    CHECK_EQ_U(acpi_isa_gsi(&m, ACPI_ISA_IRQS - 1), 7);
    CHECK_EQ_U(acpi_isa_gsi(&m, ACPI_ISA_IRQS), ACPI_ISA_IRQS); /* not ISA: no table read */
}

static void test_bad(void)
{
    struct acpi_madt m;
    /* A broken RSDP checksum: not found. */
    build(false);
    mem[RSDP + 9] ^= 1;
    CHECK_EQ_U(acpi_find_rsdp(0, MEM, PHYS), 0);
    /* A revision-2 RSDP with a broken extended checksum: not found. */
    build(true);
    mem[RSDP + 33] ^= 1;
    CHECK_EQ_U(acpi_find_rsdp(0, MEM, PHYS), 0);
    /* A MADT with a wrong checksum: refused, nothing of it kept. */
    build(false);
    mem[MADT + 40] ^= 1;
    CHECK(!acpi_read_madt(RSDP, PHYS, &m));
    CHECK_EQ_U(m.ioapic_count, 0);
    /* An entry running past the table: refused. */
    build(false);
    mem[MADT + 44 + 12 + 10 + 10 + 1] = 200;
    table(MADT, "APIC", MADT_LEN);
    CHECK(!acpi_read_madt(RSDP, PHYS, &m));
    /* An entry of length 0 (would loop for ever): refused. */
    build(false);
    mem[MADT + 44 + 1] = 0;
    table(MADT, "APIC", MADT_LEN);
    CHECK(!acpi_read_madt(RSDP, PHYS, &m));
    /* A table length beyond any real one: refused. */
    build(false);
    put32(MADT + 4, 1u << 30);
    CHECK(!acpi_read_madt(RSDP, PHYS, &m));
    /* No MADT listed; an HPET table in I/O space: no address. */
    build(false);
    put32(RSDT + 40, 0);
    table(RSDT, "RSDT", 44);
    CHECK(!acpi_read_madt(RSDP, PHYS, &m));
    mem[HPET + 40] = 1;
    table(HPET, "HPET", 56);
    CHECK_EQ_U(acpi_hpet_base(RSDP, PHYS), 0);
    /* No RSDP at all. */
    CHECK(!acpi_read_madt(0, PHYS, &m));
    CHECK_EQ_U(acpi_hpet_base(0, PHYS), 0);
}

int main(void)
{
    mem = malloc(MEM);
    test_good();
    test_isa_route();
    test_bad();
    free(mem);
    return check_summary("test_acpi");
}
