/**
 * @file keel/uart.h
 * @brief A user-level driver's access to the console UART: one source for
 *        the 16550 (on I/O ports or in memory) and the PL011.
 *
 * The kernel describes its console UART (KEEL_IRQCTL_CONSOLE, keel/irq.h);
 * the root task gives a program its registers (`device=console-uart` in
 * the system description: the page mapped at KEEL_DRIVER_UART_VA, or the I/O
 * ports) and the interrupt controller (`cap=irq-control`).  These functions
 * read and write its registers by what the kernel reported, never by the
 * ISA.  Used by the console server (`sdk/servers/console`), the driver
 * sample (`samples/driver`) and the kernel's on-target suite.
 */
#pragma once

#include <keel/keel.h>

/** The console UART as the kernel describes it (keel_uart_find()). */
struct keel_uart {
    uintptr_t kind;     /**< enum keel_uart_kind */
    uintptr_t base;     /**< physical address of its registers, or its first I/O port */
    uintptr_t line;     /**< its interrupt line, or KEEL_IRQ_NONE */
    uintptr_t stride;   /**< bytes between a 16550's registers in memory */
};

/** Registers and bits of the 16550 and the PL011 that these functions use. */
enum keel_uart_reg {
    KEEL_U16550_RBR = 0,        /**< 16550: receive buffer (read) */
    KEEL_U16550_THR = 0,        /**< 16550: transmit holding (write) */
    KEEL_U16550_IER = 1,        /**< 16550: interrupt enable */
    KEEL_U16550_LSR = 5,        /**< 16550: line status */
    KEEL_U16550_IER_RX = 0x01,  /**< 16550 IER: receive data available */
    KEEL_U16550_LSR_DR = 0x01,  /**< 16550 LSR: data ready */
    KEEL_U16550_LSR_THRE = 0x20,/**< 16550 LSR: transmitter holding register empty */
    KEEL_PL011_DR = 0x00,       /**< PL011: data (32-bit registers at byte offsets) */
    KEEL_PL011_FR = 0x18,       /**< PL011: flags */
    KEEL_PL011_IMSC = 0x38,     /**< PL011: interrupt mask set/clear */
    KEEL_PL011_FR_RXFE = 0x10,  /**< PL011 FR: receive FIFO empty */
    KEEL_PL011_FR_TXFF = 0x20,  /**< PL011 FR: transmit FIFO full */
    KEEL_PL011_RX_INTS = 0x50,  /**< PL011 IMSC: receive and receive timeout */
};

/** Ask the interrupt controller at irq_control what the console UART is;
 * 0, or the kernel's error (uart->kind is then KEEL_UART_UNKNOWN). */
static inline uint32_t keel_uart_find(struct keel_utcb *u, uint32_t irq_control,
                                      struct keel_uart *uart)
{
    uint32_t e = keel_invoke(u, irq_control, KEEL_IRQCTL_CONSOLE, 0, 0, 0, 0);
    *uart = (struct keel_uart){ u->mr[0], u->mr[1], u->mr[2], u->mr[3] };
    if (e)
        uart->kind = KEEL_UART_UNKNOWN;
    return e;
}

/** The user address of register byte offset off in the UART's mapped page. */
static inline uintptr_t keel_uart_addr(const struct keel_uart *uart, uintptr_t off)
{
    return (uintptr_t)KEEL_DRIVER_UART_VA + (uart->base & 4095) + off;
}

/** Read 16550 register reg. */
static inline uint8_t keel_u16550_read(const struct keel_uart *uart, uint32_t reg)
{
    if (uart->kind == KEEL_UART_16550_PIO)
        return keel_pio_read8((uint16_t)(uart->base + reg));
    return keel_mmio_read8(keel_uart_addr(uart, reg * uart->stride));
}

/** Write v to 16550 register reg. */
static inline void keel_u16550_write(const struct keel_uart *uart, uint32_t reg, uint8_t v)
{
    if (uart->kind == KEEL_UART_16550_PIO)
        keel_pio_write8((uint16_t)(uart->base + reg), v);
    else
        keel_mmio_write8(keel_uart_addr(uart, reg * uart->stride), v);
}

/** Send c, waiting while the transmitter is full. */
static inline void keel_uart_putc(const struct keel_uart *uart, char c)
{
    if (uart->kind == KEEL_UART_PL011) {
        while (keel_mmio_read32(keel_uart_addr(uart, KEEL_PL011_FR)) & KEEL_PL011_FR_TXFF)
            ;
        keel_mmio_write32(keel_uart_addr(uart, KEEL_PL011_DR), (uint8_t)c);
    } else {
        while (!(keel_u16550_read(uart, KEEL_U16550_LSR) & KEEL_U16550_LSR_THRE))
            ;
        keel_u16550_write(uart, KEEL_U16550_THR, (uint8_t)c);
    }
}

/** The next received byte, or -1 if none is waiting. */
static inline int keel_uart_getc(const struct keel_uart *uart)
{
    if (uart->kind == KEEL_UART_PL011) {
        if (keel_mmio_read32(keel_uart_addr(uart, KEEL_PL011_FR)) & KEEL_PL011_FR_RXFE)
            return -1;
        return (int)(keel_mmio_read32(keel_uart_addr(uart, KEEL_PL011_DR)) & 0xff);
    }
    if (!(keel_u16550_read(uart, KEEL_U16550_LSR) & KEEL_U16550_LSR_DR))
        return -1;
    return keel_u16550_read(uart, KEEL_U16550_RBR);
}

/** Receive interrupts on or off.  Only the interrupt enables are written,
 * never the transmitter the kernel's console shares. */
static inline void keel_uart_rx_interrupts(const struct keel_uart *uart, bool on)
{
    if (uart->kind == KEEL_UART_PL011) {
        uintptr_t imsc = keel_uart_addr(uart, KEEL_PL011_IMSC);
        uint32_t v = keel_mmio_read32(imsc);
        keel_mmio_write32(imsc, on ? v | KEEL_PL011_RX_INTS : v & ~(uint32_t)KEEL_PL011_RX_INTS);
    } else {
        keel_u16550_write(uart, KEEL_U16550_IER, on ? KEEL_U16550_IER_RX : 0);
    }
}
