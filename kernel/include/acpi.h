/*
 * ACPI tables, as far as the kernel reads them (kernel/drivers/acpi.c,
 * selected by a port's DRIVERS): the RSDP found in a range of memory, the
 * RSDT or XSDT it points to, the MADT's interrupt controllers and the HPET's
 * address.  Every
 * table's signature, length and checksum are checked before it is read.
 */
#pragma once

#include <types.h>

#define ACPI_MAX_IOAPICS 8
#define ACPI_ISA_IRQS 16

/* Polarity and trigger of an interrupt source override (MPS INTI flags). */
#define ACPI_INTI_POLARITY_MASK 0x3
#define ACPI_INTI_ACTIVE_LOW 0x3
#define ACPI_INTI_TRIGGER_MASK 0xc
#define ACPI_INTI_LEVEL 0xc

/* What the MADT says about the interrupt controllers. */
struct acpi_madt {
    uint64_t lapic_base;            /* local APIC registers (its override applied) */
    uint32_t ioapic_count;
    struct {
        uint64_t base;              /* registers */
        uint32_t gsi_base;          /* global system interrupt of its pin 0 */
        uint8_t id;
    } ioapic[ACPI_MAX_IOAPICS];
    struct {
        bool overridden;            /* else ISA IRQ n is GSI n, edge, active high */
        uint32_t gsi;
        uint16_t flags;             /* ACPI_INTI_* */
    } isa[ACPI_ISA_IRQS];
};

/* The physical address of a valid RSDP in [start, start + len) (on 16-byte
 * boundaries, as ACPI places it), or 0.  Memory is read at phys_offset + pa
 * (0 where the kernel maps physical memory 1:1). */
uint64_t acpi_find_rsdp(uint64_t start, uint64_t len, uintptr_t phys_offset);

/* Read the MADT through the RSDP at rsdp (the XSDT if the RSDP has one,
 * else the RSDT): false if a table is missing or malformed. */
bool acpi_read_madt(uint64_t rsdp, uintptr_t phys_offset, struct acpi_madt *out);

/* The global system interrupt ISA IRQ isa_irq arrives on: the MADT's
 * interrupt source override for it, else the same number (ACPI's rule for
 * an ISA IRQ without one; also with no MADT, m NULL, and for a number past
 * the ISA's 16). */
uint32_t acpi_isa_gsi(const struct acpi_madt *m, uint32_t isa_irq);

/* The HPET's register block (a memory address) from the HPET table, or 0. */
uint64_t acpi_hpet_base(uint64_t rsdp, uintptr_t phys_offset);
