/* Boot console: the 16550 UART skiboot also uses, on the LPC bus.  The
 * kernel runs with the MMU off, so the MMIO accesses use the
 * cache-inhibited load/store instructions (stbcix/lbzcix). */
#include <keel/irq.h>
#include <ppc.h>

/* /lpcm-opb@6030000000000 maps LPC space to 0x6030000000000, lpc@0 puts I/O
 * space at offset 0xd0010000, and isa-serial@i3f8 sits at I/O port 0x3f8. */
#define UART_BASE   0x00060300d00103f8ull
#define UART_THR    0           /* transmit holding register */
#define UART_LSR    5           /* line status register */
#define LSR_THRE    0x20        /* transmit holding register empty */

static uint8_t uart_read(uint64_t reg)
{
    uint8_t v;
    __asm__ volatile("lbzcix %0, 0, %1" : "=r"(v) : "r"(UART_BASE + reg) : "memory");
    return v;
}

static void uart_write(uint64_t reg, uint8_t v)
{
    __asm__ volatile("sync; stbcix %0, 0, %1" :: "r"(v), "r"(UART_BASE + reg) : "memory");
}

#define UART_SERIRQ 4       /* its LPC SerIRQ (xive.c) */

void arch_console_uart(struct arch_uart *u)
{
    *u = (struct arch_uart){ .kind = KEEL_UART_16550_MMIO, .base = UART_BASE,
                             .line = UART_SERIRQ, .stride = 1 };
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
    while (!(uart_read(UART_LSR) & LSR_THRE))
        ;
    uart_write(UART_THR, (uint8_t)c);
}
