/*
 * The kernel's console UART.  Generic code (kernel/drivers/console.c) keeps
 * where it is and implements arch_console_putc() and arch_console_uart();
 * the driver of its kind, which the port selects in its port.py (DRIVERS:
 * kernel/drivers/uart16550.c or pl011.c), drives the registers.  The port
 * says where the UART is: the device tree's console (console_attach_fdt),
 * or a fact of the machine (console_attach, e.g. x86's COM1).  Until then
 * nothing is printed.
 */
#pragma once

#include <arch.h>

/* Print on u from now on. */
void console_attach(const struct arch_uart *u);
/* The console UART's interrupt line is line from now on (the port learnt
 * it after console_attach, e.g. x86's from the ACPI MADT). */
void console_set_line(uint32_t line);
/* Attach to the device tree's console UART of the driver's kind: /chosen's
 * stdout-path if the driver drives it, else the first node it drives; base
 * translated through the buses' ranges (fdt_reg_phys); line from
 * "interrupts" (the first cell, or an arm,gic-style SPI/PPI triple as its
 * interrupt ID).  False if the tree names none. */
bool console_attach_fdt(const void *fdt);

/* ---- the driver's part ---- */
/* Device-tree compatible strings it drives (NULL-terminated), and their kind
 * (enum keel_uart_kind). */
extern const char *const console_hw_compat[];
extern const uint32_t console_hw_kind;
/* Make u usable (its stride, any set-up the firmware did not do). */
void console_hw_setup(struct arch_uart *u);
/* Send c, polling. */
void console_hw_putc(const struct arch_uart *u, char c);
