/**
 * @file keel/irq.h
 * @brief Interrupts at user level: the interrupt controller, IRQ
 *        capabilities, and what a driver needs to know of the console UART.
 *
 * The root task finds a capability to the interrupt controller in
 * KEEL_SLOT_IRQ_CONTROL.  Invoking it with KEEL_IRQCTL_GET makes an IRQ
 * capability for one line; at most one IRQ capability (and its copies)
 * names a line at a time.  A driver binds the IRQ capability to a
 * notification and a bit (KEEL_IRQ_BIND, which unmasks the line).  When the
 * line fires the kernel masks it, signals the bit, and keeps it masked until
 * the driver, having handled the device, invokes KEEL_IRQ_ACK.  Deleting the
 * last capability to a line masks it and frees it for KEEL_IRQCTL_GET.
 *
 * Lines are numbered as the machine's interrupt controller numbers them:
 * IOAPIC pins on x86-64, GIC interrupt IDs on AArch64 (SPIs from 32), PLIC
 * sources on RISC-V.  Every operation needs the send and control rights.
 */
#pragma once

/** Operations on the interrupt controller (tag label). */
enum keel_irq_control_op {
    KEEL_IRQCTL_GET = 1,    /**< mr0 = line, mr1 = slot for its IRQ capability
                                 (KEEL_CAP_OPEN: any free one); out mr0 = the slot.
                                 Errors: KEEL_E_INVALID line out of range (see
                                 KEEL_IRQCTL_INFO); KEEL_E_RIGHTS a line the kernel keeps
                                 for itself; KEEL_E_BUSY the line is taken;
                                 KEEL_E_QUOTA no free slot */
    KEEL_IRQCTL_INFO = 2,   /**< out mr0 = number of lines (0: no interrupt reaches user
                                 level on this machine), mr1 = a line the kernel keeps
                                 (its timer's) or KEEL_IRQ_NONE */
    KEEL_IRQCTL_CONSOLE = 3,/**< the kernel console's UART, for a user driver: out mr0 =
                                 enum keel_uart_kind, mr1 = its base (a physical address,
                                 or the first I/O port), mr2 = its interrupt line or
                                 KEEL_IRQ_NONE, mr3 = bytes between its registers */
    KEEL_IRQCTL_DEVICE = 4, /**< mr0 = index: the machine's device region index (the root
                                 task's first, then the kernel's); out mr0 = physical base,
                                 mr1 = size, mr2 = enum keel_device_holder.  KEEL_E_INVALID
                                 past the last */
};

/** Who holds a device region (KEEL_IRQCTL_DEVICE). */
enum keel_device_holder {
    KEEL_DEVICE_ROOT = 1,   /**< the root task, mapped at KEEL_ROOT_DEVICE_VA(base) from boot */
    KEEL_DEVICE_KERNEL = 2, /**< the kernel drives it (interrupt controller, timer): no one's */
};

/** The root task's device window: every device region it owns is mapped
 * there from boot, read-write with device attributes, at
 * KEEL_ROOT_DEVICE_VA(physical address); root hands pages of it out by map
 * items. */
#define KEEL_ROOT_DEVICE_BASE 0x0000600000000000ull
/** Physical address bits the window keeps (16 TiB; above the boot image at 0x4000_0000_0000, below the stack). */
#define KEEL_ROOT_DEVICE_BITS 44
/** Where the root task finds device memory at physical address pa. */
#define KEEL_ROOT_DEVICE_VA(pa) \
    (KEEL_ROOT_DEVICE_BASE + ((uint64_t)(pa) & ((1ull << KEEL_ROOT_DEVICE_BITS) - 1)))

/** Operations on an IRQ capability (tag label). */
enum keel_irq_op {
    KEEL_IRQ_BIND = 1,      /**< mr0 = notification slot (send right), mr1 = the bit
                                 (0-63) to signal: delivers the line there and unmasks
                                 it.  Errors: KEEL_E_CAP no notification there;
                                 KEEL_E_INVALID bit out of range */
    KEEL_IRQ_ACK = 2,       /**< the interrupt signalled has been handled: unmask the
                                 line.  KEEL_E_INVALID if none is pending */
};

/** Where the root task maps the console UART's device page in a driver
 * module it starts (the registers are at this address plus the base's
 * offset in its page). */
#define KEEL_DRIVER_UART_VA 0x0000600000000000ull

/** No interrupt line. */
#define KEEL_IRQ_NONE 0xffffffffu

/** Kinds of UART (KEEL_IRQCTL_CONSOLE). */
enum keel_uart_kind {
    KEEL_UART_UNKNOWN = 0,  /**< no UART a user driver can drive */
    KEEL_UART_16550_PIO = 1,/**< 16550 on I/O ports (KEEL_TASK_IO_PORTS) */
    KEEL_UART_16550_MMIO = 2,/**< 16550 in memory (a page of root's device window) */
    KEEL_UART_PL011 = 3,    /**< ARM PL011 in memory (a page of root's device window) */
};
