/*
 * Interrupt controllers: the legacy 8259 pair is moved off the exception
 * vectors and masked for good; device interrupts go through the IOAPIC, pin n
 * to vector X86_VEC_IRQ_BASE + n on this CPU.  irq numbers are IOAPIC pins.
 */
#include <kernel.h>
#include <x86.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11         /* edge, cascade, ICW4 follows */
#define ICW4_8086 0x01
#define PIC1_VECTOR 0x20            /* spurious IRQ 7 -> X86_VEC_PIC_SPURIOUS1 */
#define PIC2_VECTOR 0x28            /* spurious IRQ 15 -> X86_VEC_PIC_SPURIOUS2 */
#define PIC_CASCADE_IRQ 2
#define PIC2_CASCADE_ID 2
#define PIC_MASK_ALL 0xff

/* q35's IOAPIC at its fixed address (ACPI MADT would name it; not parsed yet). */
#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REDIR(pin) (0x10 + 2 * (pin))   /* low word; high word is +1 */
#define REDIR_POLARITY_LOW (1u << 13)
#define REDIR_TRIGGER_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)
#define REDIR_DEST_SHIFT 24         /* in the high word: destination APIC id */
/* PC convention (and q35's wiring): pins 0-15 are ISA, edge-triggered active
 * high; 16-23 are the PCI INTx lines, level-triggered active low. */
#define FIRST_PCI_PIN 16

static void pic_disable(void)
{
    outb(PIC1_CMD, ICW1_INIT_ICW4);
    outb(PIC2_CMD, ICW1_INIT_ICW4);
    outb(PIC1_DATA, PIC1_VECTOR);
    outb(PIC2_DATA, PIC2_VECTOR);
    outb(PIC1_DATA, 1u << PIC_CASCADE_IRQ);
    outb(PIC2_DATA, PIC2_CASCADE_ID);
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);
    outb(PIC1_DATA, PIC_MASK_ALL);
    outb(PIC2_DATA, PIC_MASK_ALL);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
    mmio_write32(IOAPIC_BASE + IOAPIC_WINDOW, v);
}

/* Route pin irq to this CPU, masked or not. */
static void ioapic_route(uint32_t irq, bool masked)
{
    uint32_t lo = X86_VEC_IRQ_BASE + irq;
    if (irq >= FIRST_PCI_PIN)
        lo |= REDIR_POLARITY_LOW | REDIR_TRIGGER_LEVEL;
    if (masked)
        lo |= REDIR_MASKED;
    ioapic_write(IOAPIC_REDIR(irq) + 1, lapic_id() << REDIR_DEST_SHIFT);
    ioapic_write(IOAPIC_REDIR(irq), lo);
}

void x86_irq_init(void)
{
    pic_disable();
    for (uint32_t irq = 0; irq < X86_IRQ_COUNT; irq++)
        ioapic_route(irq, true);
}

void arch_irq_enable(uint32_t irq)
{
    if (irq < X86_IRQ_COUNT)
        ioapic_route(irq, false);
}

void arch_irq_mask(uint32_t irq)
{
    if (irq < X86_IRQ_COUNT)
        ioapic_route(irq, true);
}

/* The LAPIC holds back this and lower-priority vectors until the EOI. */
void arch_irq_ack(uint32_t irq)
{
    lapic_eoi();
}

uint32_t arch_irq_lines(void)
{
    return X86_IRQ_COUNT;
}

/* Pin 2 is where q35 wires the legacy timer interrupt (PIT, or the HPET's
 * timer 0 in legacy mode); the kernel drives the HPET (timer.c), so the pin
 * is the kernel's. */
#define KERNEL_TIMER_PIN 2

bool arch_irq_kernel_line(uint32_t irq)
{
    return irq == KERNEL_TIMER_PIN;
}

uint32_t arch_irq_kernel_example(void)
{
    return KERNEL_TIMER_PIN;
}

void arch_irqs_enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}

void arch_irqs_disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}

/* sti takes effect after the next instruction, so no interrupt can slip in
 * between it and hlt and leave us asleep. */
void arch_wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}
