/* Early console: the 16550 UART COM1 at I/O port 0x3f8, polled. */
#include <keel/irq.h>
#include <x86.h>

#define COM1 X86_COM1
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
#define BAUD_DIVISOR 1              /* 115200 baud */
#define TX_SPIN_LIMIT 100000        /* give up on a missing UART rather than hang */

void x86_console_init(void)
{
    outb(COM1 + UART_IER, 0);       /* polled: no UART interrupts */
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, BAUD_DIVISOR & 0xff);
    outb(COM1 + UART_IER, BAUD_DIVISOR >> 8);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
    outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/* The console is on I/O ports: a user driver gets them with
 * KEEL_TASK_IO_PORTS, no memory; no device page is a user driver's. */
void arch_console_uart(struct arch_uart *u)
{
    *u = (struct arch_uart){ .kind = KEEL_UART_16550_PIO, .base = COM1,
                             .line = X86_COM1_IRQ, .stride = 1 };
}

void arch_console_putc(char c)
{
    for (int i = 0; i < TX_SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
        ;
    outb(COM1 + UART_DATA, (uint8_t)c);
}
