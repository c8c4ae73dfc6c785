/* The local APIC of the boot CPU (xAPIC, memory-mapped). */
#include <kernel.h>
#include <x86.h>

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0xfffff000u  /* below 4 GiB: inside the identity map */

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define SVR_ENABLE (1u << 8)
#define LAPIC_ID_SHIFT 24

static uintptr_t lapic_base;

uint32_t lapic_read(uint32_t reg)
{
    return mmio_read32(lapic_base + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(lapic_base + reg, v);
}

void lapic_init(void)
{
    uint64_t msr = rdmsr(MSR_APIC_BASE);
    if (!(msr & APIC_BASE_ENABLE))
        panic("local APIC disabled by the firmware");
    lapic_base = msr & APIC_BASE_ADDR_MASK;
    lapic_write(LAPIC_TPR, 0);                  /* accept every priority */
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | X86_VEC_TIMER);
    lapic_write(LAPIC_SVR, SVR_ENABLE | X86_VEC_APIC_SPURIOUS);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> LAPIC_ID_SHIFT;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}
