/*
 * The local APIC of this CPU in xAPIC mode (kernel/drivers/lapic.c,
 * selected by a port's DRIVERS): its registers at the address the port
 * found (the ACPI MADT, else the processor's own report), the timer's
 * registers for the port's one-shot countdown, end of interrupt.
 */
#pragma once

#include <types.h>

#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LAPIC_LVT_MASKED (1u << 16)

/* Take over the local APIC at base: every priority accepted, the timer
 * masked on timer_vector, software-enabled with spurious_vector. */
void lapic_init(uint64_t base, uint8_t timer_vector, uint8_t spurious_vector);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
/* This CPU's APIC id (where an IOAPIC sends its interrupts). */
uint32_t lapic_id(void);
/* End of the interrupt being handled. */
void lapic_eoi(void);
