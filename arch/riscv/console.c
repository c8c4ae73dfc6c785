/* Boot console: the virt machine's 16550 UART (polling, no interrupts). */
#include <arch.h>

#define UART_BASE 0x10000000UL
#define UART_THR 0          /* transmit holding register */
#define UART_LSR 5          /* line status register */
#define LSR_THR_EMPTY 0x20

static volatile uint8_t *const uart = (volatile uint8_t *)UART_BASE;

void arch_console_putc(char c)
{
    while (!(uart[UART_LSR] & LSR_THR_EMPTY))
        ;
    uart[UART_THR] = (uint8_t)c;
}
