/* Early console: the PL011 UART of QEMU virt, polled.  QEMU's PL011 needs
 * no baud-rate or enable setup to transmit. */
#include <arm.h>

#define UART_DR 0x00            /* data register */
#define UART_FR 0x18            /* flag register */
#define UART_FR_TXFF (1u << 5)  /* transmit FIFO full */

void arch_console_putc(char c)
{
    while (mmio_read32(VIRT_UART_BASE + UART_FR) & UART_FR_TXFF)
        ;
    mmio_write32(VIRT_UART_BASE + UART_DR, (uint8_t)c);
}
