/* The kernel console on a 16550 UART, polled: on I/O ports (x86's COM1) or
 * memory-mapped (the device tree's ns16550); console.h. */
#include <console.h>
#include <keel/irq.h>
#include <mmio.h>

#define UART_DATA 0                 /* with DLAB: divisor low byte */
#define UART_IER 1                  /* with DLAB: divisor high byte */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07       /* FIFOs on, both cleared */
#define MCR_DTR_RTS 0x03
#define LSR_THR_EMPTY 0x20
#define BAUD_DIVISOR 1              /* 115200 baud from the PC's 1.8432 MHz */
/* The UART the device tree names is there: wait for it.  QEMU keeps the
 * transmitter busy for as long as its output pipe is full, which on a loaded
 * host can be long; giving up after 100,000 polls dropped characters, and
 * with them the harness's verdict line.  The bound only keeps a wedged UART
 * from hanging the kernel for good. */
#define TX_SPIN_LIMIT 50000000

const char *const console_hw_compat[] = { "ns16550a", "ns16550", NULL };
const uint32_t console_hw_kind = KEEL_UART_16550_MMIO;

static uint8_t reg_read(const struct arch_uart *u, uint32_t reg)
{
    if (u->kind == KEEL_UART_16550_PIO)
        return arch_pio_read8((uint16_t)(u->base + reg));
    return arch_mmio_read8((uintptr_t)u->base + reg * u->stride);
}

static void reg_write(const struct arch_uart *u, uint32_t reg, uint8_t v)
{
    if (u->kind == KEEL_UART_16550_PIO)
        arch_pio_write8((uint16_t)(u->base + reg), v);
    else
        arch_mmio_write8((uintptr_t)u->base + reg * u->stride, v);
}

/* A UART on I/O ports has no firmware console before the kernel's: set it
 * to 115200 8N1, FIFOs on, no interrupts (a memory-mapped one is left as
 * the firmware set it; its clock is not known here). */
void console_hw_setup(struct arch_uart *u)
{
    if (!u->stride)
        u->stride = 1;
    if (u->kind != KEEL_UART_16550_PIO)
        return;
    reg_write(u, UART_IER, 0);
    reg_write(u, UART_LCR, LCR_DLAB);
    reg_write(u, UART_DATA, BAUD_DIVISOR & 0xff);
    reg_write(u, UART_IER, BAUD_DIVISOR >> 8);
    reg_write(u, UART_LCR, LCR_8N1);
    reg_write(u, UART_FCR, FCR_ENABLE_CLEAR);
    reg_write(u, UART_MCR, MCR_DTR_RTS);
}

void console_hw_putc(const struct arch_uart *u, char c)
{
    for (int i = 0; i < TX_SPIN_LIMIT && !(reg_read(u, UART_LSR) & LSR_THR_EMPTY); i++)
        ;
    reg_write(u, UART_DATA, (uint8_t)c);
}
