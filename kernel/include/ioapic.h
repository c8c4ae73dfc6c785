/*
 * An I/O APIC (kernel/drivers/ioapic.c, selected by a port's DRIVERS):
 * pin n goes to vector vector_base + n of one local APIC.  Its address and
 * the pins' polarity and trigger come from the port (the ACPI MADT and its
 * interrupt source overrides); its number of pins from the chip itself.
 */
#pragma once

#include <types.h>

/* Take over the IOAPIC at base, every pin masked and routed to vector
 * vector_base + pin of the local APIC dest; at most max_pins pins are
 * used (the vectors the port set aside).  The number of pins in use. */
uint32_t ioapic_init(uint64_t base, uint8_t vector_base, uint32_t dest, uint32_t max_pins);
/* Pins in use (0 before ioapic_init). */
uint32_t ioapic_pins(void);
/* How pin signals: level-triggered or edge, active low or high (before it
 * is unmasked; ioapic_init makes every pin edge, active high). */
void ioapic_set_mode(uint32_t pin, bool level, bool active_low);
/* Unmask or mask pin (ignored for a pin not in use). */
void ioapic_unmask(uint32_t pin);
void ioapic_mask(uint32_t pin);
