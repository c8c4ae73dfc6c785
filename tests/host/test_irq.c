/* Host tests of kernel/irq.c: the interrupt controller's errors, binding,
 * delivery (mask, end of interrupt, signal), acknowledgement, and the line
 * freed with its last capability, against a recording stand-in for the
 * port's interrupt controller. */
#include <stdarg.h>
#include <irq.h>
#include <keel/irq.h>
#include "check.h"

#define LINES 40
#define KERNEL_LINE 27

/* ---- the port's controller, recorded ---- */
static bool masked[LINES];
static int acks[LINES], signals;
static struct notification *signalled;
static uintptr_t signalled_bits;

uint32_t arch_irq_lines(void) { return LINES; }
bool arch_irq_kernel_line(uint32_t irq) { return irq == KERNEL_LINE; }
uint32_t arch_irq_kernel_example(void) { return KERNEL_LINE; }
void arch_irq_enable(uint32_t irq) { if (irq < LINES) masked[irq] = false; }
void arch_irq_mask(uint32_t irq) { if (irq < LINES) masked[irq] = true; }
void arch_irq_ack(uint32_t irq) { if (irq < LINES) acks[irq]++; }
void arch_console_uart(struct arch_uart *u)
{
    *u = (struct arch_uart){ .kind = KEEL_UART_PL011, .base = 0x9000000, .line = 33, .stride = 4 };
}
uint32_t device_region(uintptr_t index, uintptr_t *base, uintptr_t *size, uintptr_t *holder)
{
    return KEEL_E_INVALID;  /* device.c's list: the on-target suite tests it */
}
void notification_signal_irq(struct notification *n, uintptr_t bits)
{
    signals++;
    signalled = n;
    signalled_bits = bits;
}
int kprintf(const char *fmt, ...) { (void)fmt; return 0; }

/* cap.c's hook, as kobj.c routes it. */
void cap_object_ref(const struct cap *c, int delta)
{
    if (c->type == CAP_IRQ)
        irq_cap_ref(c, delta);
}

/* ---- a caller ---- */
static struct task task;
static struct thread thread = { .task = &task };
static struct cap_slot slots[8];
static struct notification notif;

static uint32_t invoke(const struct cap *c, uint32_t op, uintptr_t a0, uintptr_t a1)
{
    arch_syscall_set_word(&thread.regs, 4, a0);
    arch_syscall_set_word(&thread.regs, 5, a1);
    irq_invoke(&thread, c, KEEL_TAG(op, 2, 0));
    return KEEL_TAG_ERROR(arch_syscall_word(&thread.regs, 0));
}

static uintptr_t result(uint32_t i)
{
    return arch_syscall_word(&thread.regs, 4 + i);
}

static struct cap at(uint32_t slot)
{
    struct cap c = { 0 };
    cap_lookup(&task.caps, slot, CAP_TYPE_ANY, 0, &c);
    return c;
}

int main(void)
{
    cap_table_init(&task.caps, slots, 8);
    struct cap ctl = { .object = &irq_controller, .type = CAP_IRQ_CONTROL,
                       .rights = CAP_RIGHTS_ALL };
    uint32_t ctl_slot = 0, notif_slot = 1;
    struct cap nc = { .object = &notif, .type = CAP_NOTIFICATION, .rights = CAP_RIGHTS_ALL };
    CHECK(cap_insert(&task.caps, &ctl_slot, &ctl) == KERR_OK);
    CHECK(cap_insert(&task.caps, &notif_slot, &nc) == KERR_OK);
    for (uint32_t i = 0; i < LINES; i++)
        masked[i] = true;

    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_INFO, 0, 0), KEEL_OK);
    CHECK_EQ_U(result(0), LINES);
    CHECK_EQ_U(result(1), KERNEL_LINE);
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_CONSOLE, 0, 0), KEEL_OK);
    CHECK_EQ_U(result(0), KEEL_UART_PL011);
    CHECK_EQ_U(result(2), 33);
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, LINES, KEEL_CAP_OPEN), KEEL_E_INVALID);
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, KERNEL_LINE, KEEL_CAP_OPEN), KEEL_E_RIGHTS);
    CHECK_EQ_U(invoke(&ctl, 99, 0, 0), KEEL_E_NOSYS);
    struct cap weak = ctl;
    weak.rights = CAP_RIGHT_SEND;
    CHECK_EQ_U(invoke(&weak, KEEL_IRQCTL_GET, 5, KEEL_CAP_OPEN), KEEL_E_RIGHTS);
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, 5, 1), KEEL_E_INVALID);   /* slot taken */

    /* A line: taken once, bound, delivered, acknowledged. */
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, 5, KEEL_CAP_OPEN), KEEL_OK);
    uint32_t line_slot = (uint32_t)result(0);
    struct cap line = at(line_slot);
    CHECK(line.type == CAP_IRQ);
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, 5, KEEL_CAP_OPEN), KEEL_E_BUSY);
    CHECK(masked[5]);
    CHECK_EQ_U(invoke(&line, KEEL_IRQ_ACK, 0, 0), KEEL_E_INVALID);
    CHECK_EQ_U(invoke(&line, KEEL_IRQ_BIND, ctl_slot, 0), KEEL_E_CAP);
    CHECK_EQ_U(invoke(&line, KEEL_IRQ_BIND, notif_slot, 64), KEEL_E_INVALID);
    CHECK(!irq_lines_bound());
    CHECK_EQ_U(invoke(&line, KEEL_IRQ_BIND, notif_slot, 7), KEEL_OK);
    CHECK(!masked[5] && irq_lines_bound());

    kernel_irq(&thread.regs, 5);
    CHECK(masked[5]);
    CHECK_EQ_U(acks[5], 1);
    CHECK(signals == 1 && signalled == &notif && signalled_bits == 1u << 7);
    CHECK_EQ_U(invoke(&line, KEEL_IRQ_ACK, 0, 0), KEEL_OK);
    CHECK(!masked[5]);
    CHECK_EQ_U(invoke(&line, KEEL_IRQ_ACK, 0, 0), KEEL_E_INVALID);

    /* An unbound line that fires is masked and ended, and signals nothing. */
    arch_irq_enable(6);
    kernel_irq(&thread.regs, 6);
    CHECK(masked[6] && acks[6] == 1 && signals == 1);
    kernel_irq(&thread.regs, 5000);     /* no such line: no crash */

    /* A copy keeps the line; the last capability going masks and frees it. */
    uint32_t copy_slot = CAP_SLOT_ANY;
    CHECK(cap_derive(&task.caps, line_slot, &task.caps, &copy_slot, CAP_RIGHT_SEND, 0) == KERR_OK);
    struct cap copy = at(copy_slot);
    CHECK_EQ_U(invoke(&copy, KEEL_IRQ_ACK, 0, 0), KEEL_E_RIGHTS);
    CHECK(cap_delete(&task.caps, line_slot) == KERR_OK);
    CHECK(!masked[5]);
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, 5, KEEL_CAP_OPEN), KEEL_E_BUSY);
    CHECK(cap_delete(&task.caps, copy_slot) == KERR_OK);
    CHECK(masked[5] && !irq_lines_bound());
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, 5, KEEL_CAP_OPEN), KEEL_OK);

    /* A notification going away unbinds its lines. */
    line = at((uint32_t)result(0));
    CHECK_EQ_U(invoke(&line, KEEL_IRQ_BIND, notif_slot, 0), KEEL_OK);
    irq_notification_gone(&notif);
    CHECK(masked[5] && !irq_lines_bound());
    kernel_irq(&thread.regs, 5);
    CHECK_EQ_U(signals, 1);

    /* A full table: KEEL_E_QUOTA. */
    for (uint32_t i = 0; i < 8; i++) {
        uint32_t s = CAP_SLOT_ANY;
        (void)cap_insert(&task.caps, &s, &nc);
    }
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, 9, KEEL_CAP_OPEN), KEEL_E_QUOTA);
    CHECK_EQ_U(invoke(&ctl, KEEL_IRQCTL_GET, 10, 2), KEEL_E_INVALID);

    printf("test_irq: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
