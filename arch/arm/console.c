/* Early console: the PL011 UART of QEMU virt, polled.  QEMU's PL011 needs
 * no baud-rate or enable setup to transmit. */
#include <arm.h>
#include <keel/irq.h>

#define UART_DR 0x00            /* data register */
#define UART_FR 0x18            /* flag register */
#define UART_FR_TXFF (1u << 5)  /* transmit FIFO full */

#define UART_INTID 33           /* SPI 1 on virt */

void arch_console_uart(struct arch_uart *u)
{
    *u = (struct arch_uart){ .kind = KEEL_UART_PL011, .base = VIRT_UART_BASE,
                             .line = UART_INTID, .stride = 4 };
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
    while (mmio_read32(VIRT_UART_BASE + UART_FR) & UART_FR_TXFF)
        ;
    mmio_write32(VIRT_UART_BASE + UART_DR, (uint8_t)c);
}
