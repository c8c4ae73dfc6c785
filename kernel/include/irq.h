/*
 * Interrupts at user level (irq.c): the interrupt controller object, IRQ
 * capabilities for its lines, and delivery of a line to a notification.
 * Device memory for user drivers (device.c).  ABI: keel/irq.h.
 */
#pragma once

#include <memmap.h>
#include <thread.h>

/* Lines the kernel can hand out, whatever the controller has: the GIC's and
 * the PLIC's architectural maximum. */
#define IRQ_LINES_MAX 1024

/* The one interrupt-controller object (what root's CAP_IRQ_CONTROL names). */
extern struct irq_controller irq_controller;

/* Handle a send/call to a CAP_IRQ_CONTROL or CAP_IRQ capability; the result
 * is t's reply (error in the tag, results in the words). */
void irq_invoke(struct thread *t, const struct cap *cap, uint64_t tag);
/* cap.c's reference count hook for CAP_IRQ: the last capability to a line
 * going masks and frees it. */
void irq_cap_ref(const struct cap *c, int delta);
/* True while some line is bound to a notification: an interrupt may still
 * wake a thread, so the system is not stuck when none is ready. */
bool irq_lines_bound(void);
/* Notification n is going away: every line bound to it is masked and
 * unbound (called by whoever destroys notifications). */
void irq_notification_gone(struct notification *n);

/* Signal bits on n from an interrupt: a waiter is made ready, not run
 * (ipc.c). */
void notification_signal_irq(struct notification *n, uintptr_t bits);

/* ---- device.c ---- */
struct boot_desc;
/* Find the device regions of the machine (d's device tree, the port's
 * facts, the console UART): root's, and the ones the kernel drives. */
void device_init(const struct boot_desc *d);
/* The port's device facts beyond the device tree (x86-64: ACPI's): regions
 * the root task owns, and ones the kernel drives (never given out). */
void arch_device_regions(struct memmap *owned_by_root, struct memmap *kernel_kept);
/* Map every region of root's into its device window (KEEL_ROOT_DEVICE_VA),
 * read-write with device attributes; tables charged to f. */
void device_give_root(struct task *root, struct factory *f);
/* Is pa in a device region of root's (so a mapping of it is device memory)? */
bool device_memory(uint64_t pa);
/* The RAM range device_memory() last found a page in (empty after
 * device_init): a page in it is no device's.  One kernel CPU: no race. */
struct ram_range { uint64_t base, size; };
extern struct ram_range device_ram_hint;
/* device_memory(pa), with the common answer (RAM, in the range of the last
 * answer) by one inline compare: the one-page map asks it at every map. */
static inline bool device_page(uint64_t pa)
{
    return pa - device_ram_hint.base >= device_ram_hint.size && device_memory(pa);
}
/* Device region index (root's first, then the kernel's) for
 * KEEL_IRQCTL_DEVICE; KEEL_E_INVALID past the last. */
uint32_t device_region(uintptr_t index, uintptr_t *base, uintptr_t *size, uintptr_t *holder);
/* Let task use I/O ports [port, port + count) (KEEL_TASK_IO_PORTS). */
uint32_t device_io_ports(struct task *task, uintptr_t port, uintptr_t count);
