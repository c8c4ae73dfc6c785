/*
 * Interrupts at user level.  One interrupt-controller object, given to the
 * root task at boot, makes IRQ capabilities, one line each.  A line bound
 * to a notification is delivered like this: the interrupt upcall masks the
 * line, ends the interrupt at the controller and signals the bound bit; the
 * line stays masked until the driver acknowledges (KEEL_IRQ_ACK), so a
 * level-triggered device cannot storm while its driver runs.
 *
 * The state of each line is a static table: an IRQ capability costs no
 * kernel memory beyond its slot (the "quota" error is a full capability
 * table).  Capabilities to a line are counted (cap_object_ref); the last one
 * going masks the line and frees it.  The controller specifics (mask,
 * unmask, end of interrupt) are the port's, behind arch.h.
 */
#include <irq.h>
#include <kernel.h>
#include <keel/irq.h>
#include <print.h>

struct irq_line {
    struct notification *notif; /* bound notification, or NULL */
    uintptr_t bits;             /* what the line signals there */
    uint32_t refs;              /* capabilities naming the line */
    bool pending;               /* signalled and masked, not yet acknowledged */
};

struct irq_controller {
    uint32_t bound;             /* lines bound to a notification */
};

struct irq_controller irq_controller;
static struct irq_line lines[IRQ_LINES_MAX];

static uint32_t line_number(const struct irq_line *l)
{
    return (uint32_t)(l - lines);
}

static uint32_t line_count(void)
{
    uint32_t n = arch_irq_lines();
    return n < IRQ_LINES_MAX ? n : IRQ_LINES_MAX;
}

bool irq_lines_bound(void)
{
    return irq_controller.bound != 0;
}

static void unbind(struct irq_line *l)
{
    arch_irq_mask(line_number(l));
    if (l->notif)
        irq_controller.bound--;
    l->notif = NULL;
    l->bits = 0;
    l->pending = false;
}

void irq_notification_gone(struct notification *n)
{
    for (uint32_t i = 0; i < IRQ_LINES_MAX; i++)
        if (lines[i].notif == n)
            unbind(&lines[i]);
}

void irq_cap_ref(const struct cap *c, int delta)
{
    struct irq_line *l = c->object;
    l->refs += (uint32_t)delta;
    if (!l->refs)
        unbind(l);
}

void kernel_irq(struct arch_regs *regs, uint32_t irq)
{
    (void)regs;
    arch_irq_mask(irq);
    arch_irq_ack(irq);
    struct irq_line *l = irq < IRQ_LINES_MAX ? &lines[irq] : NULL;
    if (!l || !l->notif) {
        kprintf("unexpected interrupt %u: masked\n", irq);
        return;
    }
    l->pending = true;
    notification_signal_irq(l->notif, l->bits);
}

/* ---- invocation ---- */

static uintptr_t arg(const struct thread *t, uint32_t i)
{
    return arch_syscall_word(&t->regs, 4 + i);
}

static void reply(struct thread *t, uint32_t err, uint32_t words, const uintptr_t *w)
{
    arch_syscall_set_word(&t->regs, 0, KEEL_TAG(0, err ? 0 : words, 0) | (uint64_t)err << 16);
    for (uint32_t i = 0; i < KEEL_MSG_REG_WORDS; i++)
        arch_syscall_set_word(&t->regs, 4 + i, i < words && !err ? w[i] : 0);
}

/* A capability to line into the caller's slot (KEEL_CAP_OPEN: any). */
static uint32_t get_line(struct thread *t, uintptr_t line, uintptr_t slot, uintptr_t *out)
{
    if (line >= line_count())
        return KEEL_E_INVALID;
    if (arch_irq_kernel_line((uint32_t)line))
        return KEEL_E_RIGHTS;
    if (lines[line].refs)
        return KEEL_E_BUSY;
    struct cap c = { .object = &lines[line], .type = CAP_IRQ, .rights = CAP_RIGHTS_ALL };
    uint32_t to = slot == KEEL_CAP_OPEN ? CAP_SLOT_ANY : (uint32_t)slot;
    enum kerr e = cap_insert(&t->task->caps, &to, &c);
    if (e)
        return e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
    out[0] = to;
    return KEEL_OK;
}

static uint32_t control_op(struct thread *t, uint32_t op, uintptr_t *out)
{
    struct arch_uart u;
    switch (op) {
    case KEEL_IRQCTL_GET:
        return get_line(t, arg(t, 0), arg(t, 1), out);
    case KEEL_IRQCTL_INFO:
        out[0] = line_count();
        out[1] = arch_irq_kernel_example();
        return KEEL_OK;
    case KEEL_IRQCTL_CONSOLE:
        arch_console_uart(&u);
        out[0] = u.kind;
        out[1] = (uintptr_t)u.base;
        out[2] = u.line;
        out[3] = u.stride;
        return KEEL_OK;
    case KEEL_IRQCTL_DEVICE:
        return device_region(arg(t, 0), &out[0], &out[1], &out[2]);
    default:
        return KEEL_E_NOSYS;
    }
}

static uint32_t bind(struct thread *t, struct irq_line *l, uintptr_t slot, uintptr_t bit)
{
    struct cap c;
    enum kerr e = cap_lookup(&t->task->caps, (uint32_t)slot, CAP_NOTIFICATION,
                             CAP_RIGHT_SEND, &c);
    if (e)
        return cap_lookup_error(e);
    if (bit >= sizeof(uintptr_t) * 8)
        return KEEL_E_INVALID;
    if (!l->notif)
        irq_controller.bound++;
    l->notif = c.object;
    l->bits = (uintptr_t)1 << bit;
    l->pending = false;
    arch_irq_enable(line_number(l));
    return KEEL_OK;
}

static uint32_t line_op(struct thread *t, struct irq_line *l, uint32_t op)
{
    switch (op) {
    case KEEL_IRQ_BIND:
        return bind(t, l, arg(t, 0), arg(t, 1));
    case KEEL_IRQ_ACK:
        if (!l->pending)
            return KEEL_E_INVALID;
        l->pending = false;
        arch_irq_enable(line_number(l));
        return KEEL_OK;
    default:
        return KEEL_E_NOSYS;
    }
}

void irq_invoke(struct thread *t, const struct cap *cap, uint64_t tag)
{
    uintptr_t out[KEEL_MSG_REG_WORDS] = { 0 };
    uint32_t op = KEEL_TAG_LABEL(tag), err;
    if (!(cap->rights & CAP_RIGHT_CONTROL))
        err = KEEL_E_RIGHTS;
    else if (cap->type == CAP_IRQ_CONTROL)
        err = control_op(t, op, out);
    else
        err = line_op(t, cap->object, op);
    reply(t, err, 4, out);
}
