/* x86-64 port internals: constants shared with assembly, CPU access helpers,
 * and the functions the port's files call in one another. */
#pragma once

/* Segment selectors of the boot GDT (entry.S). */
#define X86_KERNEL_CS 0x08
#define X86_KERNEL_DS 0x10

/* IDT vectors.  0-31 are the CPU's exceptions; the legacy 8259s are moved to
 * 0x20-0x2f and masked, so only their spurious vectors (IRQ 7, 15) can occur. */
#define X86_EXCEPTIONS 32
#define X86_VEC_PIC_SPURIOUS1 0x27
#define X86_VEC_PIC_SPURIOUS2 0x2f
#define X86_VEC_TIMER 0x30          /* LAPIC timer */
#define X86_VEC_IRQ_BASE 0x50       /* IOAPIC pin n -> vector 0x50 + n */
#define X86_IRQ_COUNT 24            /* pins of the q35 IOAPIC */
#define X86_VEC_APIC_SPURIOUS 0xff

#ifndef __ASSEMBLY__
#include <arch.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

/* console.c */
void x86_console_init(void);

/* boot.c: called by entry.S in long mode with the Multiboot registers. */
noreturn void x86_boot(uint32_t magic, uint32_t info_pa);

/* trap.c: load the IDT; x86_trap is called by trap.S for every vector. */
void x86_idt_init(void);
void x86_trap(struct arch_regs *regs);

/* lapic.c: the local APIC of this CPU. */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LAPIC_LVT_MASKED (1u << 16)
void lapic_init(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* irq.c: legacy PICs off, IOAPIC pins masked. */
void x86_irq_init(void);

/* timer.c: the LAPIC timer vector. */
void x86_timer_irq(struct arch_regs *regs);
#endif
