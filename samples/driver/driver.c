/*
 * An interrupt-driven device driver at user level: the console UART's
 * receiver.  Root gives this program the UART's registers (`device=
 * console-uart`: its page mapped at KEEL_DRIVER_UART_VA, or its I/O ports)
 * and the interrupt controller (`cap=irq-control`).  The driver takes an
 * IRQ capability for the UART's line, binds it to a notification, turns on
 * the receive interrupt, and then, for each interrupt: waits for the
 * notification, empties the receive FIFO, acknowledges the IRQ (the kernel
 * keeps the line masked until then).  It reads one typed line, echoes it
 * and exits.  The UART's registers are reached through keel/uart.h, the same
 * for a 16550 and a PL011.
 */
#include <keel/keel.h>
#include <keel/system.h>
#include <keel/uart.h>

#define IRQ_CONTROL KEEL_SLOT_GIVEN
#define RX_BIT 0                    /* the notification bit the IRQ signals */
#define LINE_MAX 80
#define WAIT_US 20000000            /* per interrupt: the typist may be slow */

/* Empty the receive FIFO into line[*n...]. */
static void take(struct keel_uart *uart, char *line, size_t *n)
{
    for (int c; *n < LINE_MAX && (c = keel_uart_getc(uart)) >= 0;)
        line[(*n)++] = (char)c;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    struct keel_uart uart;
    uint32_t irq = KEEL_CAP_OPEN, notif = KEEL_CAP_OPEN, e, interrupts = 0;
    char line[LINE_MAX + 1];
    size_t n = 0;
    if (keel_uart_find(u, IRQ_CONTROL, &uart) || uart.kind == KEEL_UART_UNKNOWN ||
        uart.line == KEEL_IRQ_NONE) {
        keel_printf("driver: no UART whose interrupt reaches user level here\n");
        return 1;
    }
    if ((e = keel_invoke(u, IRQ_CONTROL, KEEL_IRQCTL_GET, uart.line, KEEL_CAP_OPEN, 0, 0)) ||
        (irq = (uint32_t)u->mr[0], false) ||
        (e = keel_notification_create(u, KEEL_PROGRAM_FACTORY, 0, &notif)) ||
        (e = keel_invoke(u, irq, KEEL_IRQ_BIND, notif, RX_BIT, 0, 0))) {
        keel_printf("driver: cannot bind the UART's interrupt: error %u\n", e);
        return 1;
    }
    while (keel_uart_getc(&uart) >= 0)    /* drop what firmware left */
        ;
    keel_uart_rx_interrupts(&uart, true);
    keel_printf("driver: ready: UART interrupt line %u bound to a notification\n",
                (unsigned)uart.line);
    while (n < LINE_MAX && (n == 0 || line[n - 1] != '\n')) {
        struct keel_ipc_result r = keel_wait(u, notif, WAIT_US);   /* 1. wait */
        if (KEEL_TAG_ERROR(r.tag)) {
            keel_printf("driver: no interrupt: error %u\n", (unsigned)KEEL_TAG_ERROR(r.tag));
            return 1;
        }
        interrupts++;
        take(&uart, line, &n);                              /* 2. handle */
        keel_invoke(u, irq, KEEL_IRQ_ACK, 0, 0, 0, 0);      /* 3. acknowledge */
        /* A byte that came while the line was masked raised no new edge
         * where the line is edge-triggered (x86's ISA lines), and the UART
         * keeps its interrupt pending: take it now, or input would stop. */
        take(&uart, line, &n);
    }
    keel_uart_rx_interrupts(&uart, false);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    line[n] = 0;
    keel_printf("driver: read \"%s\" in %u interrupt(s), each acknowledged\n", line, interrupts);
    return 0;
}
