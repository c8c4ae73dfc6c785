/* The I/O APIC's redirection table (ioapic.h). */
#include <ioapic.h>
#include <mmio.h>

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_VERSION 0x01
#define VERSION_MAX_REDIR_SHIFT 16  /* highest pin number, bits 16-23 */
#define IOAPIC_REDIR(pin) (0x10 + 2 * (pin))   /* low word; high word is +1 */
#define REDIR_POLARITY_LOW (1u << 13)
#define REDIR_TRIGGER_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)
#define REDIR_DEST_SHIFT 24         /* in the high word: destination APIC id */
#define MAX_PINS 240                /* 8-bit vectors above the CPU's exceptions */

static struct {
    uintptr_t base;
    uint32_t pins, dest;
    uint8_t vector_base;
    uint32_t mode[MAX_PINS];        /* REDIR_POLARITY_LOW | REDIR_TRIGGER_LEVEL bits */
} io;

static uint32_t ioapic_read(uint32_t reg)
{
    arch_mmio_write32(io.base + IOAPIC_REGSEL, reg);
    return arch_mmio_read32(io.base + IOAPIC_WINDOW);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    arch_mmio_write32(io.base + IOAPIC_REGSEL, reg);
    arch_mmio_write32(io.base + IOAPIC_WINDOW, v);
}

static void route(uint32_t pin, bool masked)
{
    ioapic_write(IOAPIC_REDIR(pin) + 1, io.dest << REDIR_DEST_SHIFT);
    ioapic_write(IOAPIC_REDIR(pin), (io.vector_base + pin) | io.mode[pin] |
                                    (masked ? REDIR_MASKED : 0));
}

uint32_t ioapic_init(uint64_t base, uint8_t vector_base, uint32_t dest, uint32_t max_pins)
{
    io.base = (uintptr_t)base;
    io.vector_base = vector_base;
    io.dest = dest;
    uint32_t pins = ((ioapic_read(IOAPIC_VERSION) >> VERSION_MAX_REDIR_SHIFT) & 0xff) + 1;
    io.pins = MIN(MIN(pins, max_pins), (uint32_t)MAX_PINS);
    for (uint32_t pin = 0; pin < io.pins; pin++) {
        io.mode[pin] = 0;
        route(pin, true);
    }
    return io.pins;
}

uint32_t ioapic_pins(void)
{
    return io.pins;
}

void ioapic_set_mode(uint32_t pin, bool level, bool active_low)
{
    if (pin < io.pins)
        io.mode[pin] = (level ? REDIR_TRIGGER_LEVEL : 0) | (active_low ? REDIR_POLARITY_LOW : 0);
}

void ioapic_unmask(uint32_t pin)
{
    if (pin < io.pins)
        route(pin, false);
}

void ioapic_mask(uint32_t pin)
{
    if (pin < io.pins)
        route(pin, true);
}
