/* ACPI tables: the RSDP, RSDT/XSDT, MADT and HPET (acpi.h). */
#include <acpi.h>
#include <keelbase/string.h>

#define RSDP_ALIGN 16
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_LENGTH 20
#define RSDP_XSDT 24

#define SDT_HEADER 36               /* signature, length, revision, checksum, ... */
#define SDT_LENGTH 4
#define SDT_MAX_LENGTH (1u << 20)   /* far above any real MADT or XSDT */

#define HPET_ADDRESS_SPACE 40       /* the base address, a Generic Address Structure */
#define GAS_SYSTEM_MEMORY 0
#define HPET_ADDRESS 44
#define HPET_MIN_LEN 56

#define MADT_LAPIC_ADDR 36
#define MADT_ENTRIES 44
#define MADT_IOAPIC 1               /* id @2, address @4, GSI base @8 */
#define MADT_IOAPIC_LEN 12
#define MADT_ISO 2                  /* bus @2, source @3, GSI @4, flags @8 */
#define MADT_ISO_LEN 10
#define MADT_LAPIC_OVERRIDE 5       /* 64-bit address @4 */
#define MADT_LAPIC_OVERRIDE_LEN 12

static const uint8_t *at(uint64_t pa, uintptr_t phys_offset)
{
    return (const uint8_t *)(phys_offset + (uintptr_t)pa);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool sums_to_zero(const uint8_t *p, uint32_t len)
{
    uint8_t sum = 0;
    while (len--)
        sum = (uint8_t)(sum + *p++);
    return sum == 0;
}

static bool valid_rsdp(const uint8_t *p)
{
    if (memcmp(p, "RSD PTR ", 8) || !sums_to_zero(p, RSDP_V1_SIZE))
        return false;
    return p[RSDP_REVISION] < 2 || (le32(p + RSDP_LENGTH) >= RSDP_V2_SIZE &&
                                    sums_to_zero(p, RSDP_V2_SIZE));
}

uint64_t acpi_find_rsdp(uint64_t start, uint64_t len, uintptr_t phys_offset)
{
    uint64_t pa = (start + RSDP_ALIGN - 1) & ~(uint64_t)(RSDP_ALIGN - 1);
    for (; pa + RSDP_V2_SIZE <= start + len; pa += RSDP_ALIGN)
        if (valid_rsdp(at(pa, phys_offset)))
            return pa;
    return 0;
}

/* The table at pa if its signature is sig and its length and checksum hold. */
static const uint8_t *table(uint64_t pa, uintptr_t phys_offset, const char *sig, uint32_t *len)
{
    if (!pa)
        return NULL;
    const uint8_t *t = at(pa, phys_offset);
    *len = le32(t + SDT_LENGTH);
    if (memcmp(t, sig, 4) || *len < SDT_HEADER || *len > SDT_MAX_LENGTH ||
        !sums_to_zero(t, *len))
        return NULL;
    return t;
}

/* The table with signature sig among those the RSDT (4-byte) or XSDT
 * (8-byte entries) lists. */
static const uint8_t *find_table(uint64_t rsdp, uintptr_t phys_offset, const char *sig,
                                 uint32_t *len)
{
    const uint8_t *r = at(rsdp, phys_offset);
    bool x = r[RSDP_REVISION] >= 2 && le64(r + RSDP_XSDT);
    uint32_t sdt_len, step = x ? 8 : 4;
    const uint8_t *sdt = x ? table(le64(r + RSDP_XSDT), phys_offset, "XSDT", &sdt_len)
                           : table(le32(r + RSDP_RSDT), phys_offset, "RSDT", &sdt_len);
    if (!sdt)
        return NULL;
    for (uint32_t off = SDT_HEADER; off + step <= sdt_len; off += step) {
        uint64_t pa = x ? le64(sdt + off) : le32(sdt + off);
        const uint8_t *t = table(pa, phys_offset, sig, len);
        if (t)
            return t;
    }
    return NULL;
}

uint64_t acpi_hpet_base(uint64_t rsdp, uintptr_t phys_offset)
{
    uint32_t len;
    const uint8_t *h = rsdp ? find_table(rsdp, phys_offset, "HPET", &len) : NULL;
    if (!h || len < HPET_MIN_LEN || h[HPET_ADDRESS_SPACE] != GAS_SYSTEM_MEMORY)
        return 0;
    return le64(h + HPET_ADDRESS);
}

static void madt_entry(const uint8_t *e, struct acpi_madt *out)
{
    switch (e[0]) {
    case MADT_IOAPIC:
        if (e[1] >= MADT_IOAPIC_LEN && out->ioapic_count < ACPI_MAX_IOAPICS) {
            out->ioapic[out->ioapic_count].id = e[2];
            out->ioapic[out->ioapic_count].base = le32(e + 4);
            out->ioapic[out->ioapic_count++].gsi_base = le32(e + 8);
        }
        break;
    case MADT_ISO:
        if (e[1] >= MADT_ISO_LEN && e[2] == 0 && e[3] < ACPI_ISA_IRQS) {   /* bus 0: ISA */
            out->isa[e[3]].overridden = true;
            out->isa[e[3]].gsi = le32(e + 4);
            out->isa[e[3]].flags = (uint16_t)(e[8] | e[9] << 8);
        }
        break;
    case MADT_LAPIC_OVERRIDE:
        if (e[1] >= MADT_LAPIC_OVERRIDE_LEN)
            out->lapic_base = le64(e + 4);
        break;
    }
}

uint32_t acpi_isa_gsi(const struct acpi_madt *m, uint32_t isa_irq)
{
    if (m && isa_irq < ACPI_ISA_IRQS && m->isa[isa_irq].overridden)
        return m->isa[isa_irq].gsi;
    return isa_irq;
}

bool acpi_read_madt(uint64_t rsdp, uintptr_t phys_offset, struct acpi_madt *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t len;
    const uint8_t *m = rsdp ? find_table(rsdp, phys_offset, "APIC", &len) : NULL;
    if (!m || len < MADT_ENTRIES)
        return false;
    out->lapic_base = le32(m + MADT_LAPIC_ADDR);
    for (uint32_t off = MADT_ENTRIES; off + 2 <= len;) {
        const uint8_t *e = m + off;
        if (e[1] < 2 || off + e[1] > len)
            return false;           /* an entry that runs past the table */
        madt_entry(e, out);
        off += e[1];
    }
    return true;
}
