/* Boot console: the virt machine's 16550 UART (polling, no interrupts). */
#include <arch.h>
#include <keel/irq.h>

#define UART_BASE 0x10000000UL
#define UART_THR 0          /* transmit holding register */
#define UART_LSR 5          /* line status register */
#define LSR_THR_EMPTY 0x20

static volatile uint8_t *const uart = (volatile uint8_t *)UART_BASE;

#define UART_IRQ 10         /* its PLIC source on virt */

void arch_console_uart(struct arch_uart *u)
{
    *u = (struct arch_uart){ .kind = KEEL_UART_16550_MMIO, .base = UART_BASE,
                             .line = UART_IRQ, .stride = 1 };
}

bool arch_io_grant(struct arch_aspace *as, uint32_t port, uint32_t count)
{
    return false;
}

bool arch_has_port_io(void)
{
    return false;
}

void arch_console_putc(char c)
{
    while (!(uart[UART_LSR] & LSR_THR_EMPTY))
        ;
    uart[UART_THR] = (uint8_t)c;
}
