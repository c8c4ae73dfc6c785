/*
 * Interrupt controllers: the legacy 8259 pair is moved off the exception
 * vectors and masked for good; the local APIC and the IOAPIC are drivers
 * (kernel/drivers/lapic.c, ioapic.c) at the addresses the ACPI MADT gives;
 * device interrupts go through the IOAPIC, pin n to vector
 * X86_VEC_IRQ_BASE + n on this CPU.  irq numbers are IOAPIC pins (GSIs).
 */
#include <acpi.h>
#include <console.h>
#include <ioapic.h>
#include <irq.h>
#include <keel/irq.h>
#include <kernel.h>
#include <lapic.h>
#include <print.h>
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

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0xfffff000u  /* below 4 GiB: inside the identity map */

/* Where ACPI puts the RSDP on a PC: the first KiB of the extended BIOS data
 * area (its segment in the BIOS data area) or the BIOS ROM, 0xe0000-0xfffff. */
#define BDA_EBDA_SEGMENT 0x40e
#define EBDA_SEARCH 1024
#define BIOS_ROM_BASE 0xe0000u
#define BIOS_ROM_SIZE 0x20000u
/* Only without a MADT: the address every PC chipset (and the MultiProcessor
 * specification's default configurations) gives the first IOAPIC. */
#define IOAPIC_DEFAULT_BASE 0xfec00000u
/* PC convention (and q35's wiring): pins 0-15 are ISA, edge-triggered active
 * high unless the MADT overrides them; 16 and up are the PCI INTx lines,
 * level-triggered active low. */
#define FIRST_PCI_PIN 16
/* Where the legacy timer interrupt (PIT, or the HPET's timer 0 in legacy
 * mode) arrives when no MADT says: pin 2, as on every PC with an IOAPIC. */
#define DEFAULT_TIMER_PIN 2
#define ISA_TIMER_IRQ 0

static struct {
    struct acpi_madt madt;
    bool have_madt;
    uint64_t rsdp;
    uint32_t timer_pin;         /* the kernel's: it drives the HPET, not the PIT */
    uint64_t lapic_base, ioapic_base;
} apic;

/* A constant address the compiler cannot see through (GCC takes a constant
 * pointer below 4 KiB for a null one). */
static uintptr_t low_address(uintptr_t a)
{
    __asm__("" : "+r"(a));
    return a;
}

static uint64_t find_rsdp(void)
{
    uint64_t ebda = (uint64_t)*(const volatile uint16_t *)low_address(BDA_EBDA_SEGMENT) << 4;
    uint64_t rsdp = ebda ? acpi_find_rsdp(ebda, EBDA_SEARCH, 0) : 0;
    return rsdp ? rsdp : acpi_find_rsdp(BIOS_ROM_BASE, BIOS_ROM_SIZE, 0);
}

uint64_t x86_acpi_rsdp(void)
{
    return apic.rsdp;
}

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

/* COM1's ISA IRQ arrives on the pin the MADT routes it to (the same number
 * without an override); a pin past this IOAPIC's leaves the console without
 * an interrupt line rather than naming another device's. */
static void route_com1(uint32_t pins)
{
    uint32_t pin = acpi_isa_gsi(apic.have_madt ? &apic.madt : NULL, X86_COM1_ISA_IRQ);
    if (pin >= pins) {
        kprintf("apic: COM1's ISA IRQ %u is routed to GSI %u, past the IOAPIC's %u pins: "
                "no console interrupt\n", X86_COM1_ISA_IRQ, pin, pins);
        pin = KEEL_IRQ_NONE;
    }
    console_set_line(pin);
}

/* The local APIC (the MADT's address, else the processor's own), the
 * IOAPIC of GSI 0 with the MADT's interrupt source overrides, every pin
 * masked. */
void x86_irq_init(void)
{
    pic_disable();
    apic.rsdp = find_rsdp();
    apic.have_madt = apic.rsdp && acpi_read_madt(apic.rsdp, 0, &apic.madt);
    uint64_t msr = rdmsr(MSR_APIC_BASE);
    if (!(msr & APIC_BASE_ENABLE))
        panic("local APIC disabled by the firmware");
    apic.lapic_base = apic.have_madt ? apic.madt.lapic_base : msr & APIC_BASE_ADDR_MASK;
    lapic_init(apic.lapic_base, X86_VEC_TIMER, X86_VEC_APIC_SPURIOUS);

    uint64_t base = IOAPIC_DEFAULT_BASE;
    if (apic.have_madt) {
        uint32_t i = 0;
        while (i < apic.madt.ioapic_count && apic.madt.ioapic[i].gsi_base != 0)
            i++;
        if (i == apic.madt.ioapic_count)
            panic("the ACPI MADT names no IOAPIC for interrupt 0");
        base = apic.madt.ioapic[i].base;
    }
    apic.ioapic_base = base;
    uint32_t pins = ioapic_init(base, X86_VEC_IRQ_BASE, lapic_id(), X86_IRQ_COUNT);
    for (uint32_t pin = FIRST_PCI_PIN; pin < pins; pin++)
        ioapic_set_mode(pin, true, true);
    apic.timer_pin = DEFAULT_TIMER_PIN;
    for (uint32_t irq = 0; apic.have_madt && irq < ACPI_ISA_IRQS; irq++) {
        uint16_t f = apic.madt.isa[irq].flags;
        if (!apic.madt.isa[irq].overridden)
            continue;
        ioapic_set_mode(apic.madt.isa[irq].gsi,
                        (f & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_LEVEL,
                        (f & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_ACTIVE_LOW);
        if (irq == ISA_TIMER_IRQ)
            apic.timer_pin = apic.madt.isa[irq].gsi;
    }
    route_com1(pins);
    kprintf("apic: %s: local APIC at %p, IOAPIC at %p (%u pins), legacy timer on pin %u\n",
            apic.have_madt ? "ACPI MADT" : "no ACPI MADT, PC defaults",
            (void *)(uintptr_t)(apic.have_madt ? apic.madt.lapic_base : msr & APIC_BASE_ADDR_MASK),
            (void *)(uintptr_t)base, pins, apic.timer_pin);
}

void arch_irq_enable(uint32_t irq)
{
    ioapic_unmask(irq);
}

void arch_irq_mask(uint32_t irq)
{
    ioapic_mask(irq);
}

/* The LAPIC holds back this and lower-priority vectors until the EOI. */
void arch_irq_ack(uint32_t irq)
{
    lapic_eoi();
}

uint32_t arch_irq_lines(void)
{
    return ioapic_pins();
}

/* The legacy timer's pin: the kernel drives the HPET (timer.c), so the pin
 * is the kernel's. */
bool arch_irq_kernel_line(uint32_t irq)
{
    return irq == apic.timer_pin;
}

uint32_t arch_irq_kernel_example(void)
{
    return apic.timer_pin;
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

/* Multiboot names no device, and the console UART is on I/O ports: root
 * owns no device memory here; the kernel keeps its local APIC, its IOAPIC
 * and the HPET it times with (ACPI's addresses, or the PC defaults). */
void arch_device_regions(struct memmap *owned_by_root, struct memmap *kernel_kept)
{
    (void)owned_by_root;
    (void)memmap_add(kernel_kept, apic.lapic_base, ARCH_PAGE_SIZE);
    (void)memmap_add(kernel_kept, apic.ioapic_base, ARCH_PAGE_SIZE);
    (void)memmap_add(kernel_kept, x86_hpet_base(), ARCH_PAGE_SIZE);
}
