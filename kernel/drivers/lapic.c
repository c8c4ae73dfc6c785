/* The local APIC, memory-mapped (xAPIC; lapic.h). */
#include <lapic.h>
#include <mmio.h>

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define SVR_ENABLE (1u << 8)
#define LAPIC_ID_SHIFT 24

static uintptr_t lapic_base;

uint32_t lapic_read(uint32_t reg)
{
    return arch_mmio_read32(lapic_base + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
    arch_mmio_write32(lapic_base + reg, v);
}

void lapic_init(uint64_t base, uint8_t timer_vector, uint8_t spurious_vector)
{
    lapic_base = (uintptr_t)base;
    lapic_write(LAPIC_TPR, 0);                  /* accept every priority */
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | timer_vector);
    lapic_write(LAPIC_SVR, SVR_ENABLE | spurious_vector);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> LAPIC_ID_SHIFT;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}
