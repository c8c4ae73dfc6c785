/*
 * The kernel-object dispatcher.  A send or call to a task, thread or
 * factory capability runs the operation its tag label names; the result
 * comes back as the reply (error in the tag, results in the words).  This
 * file only decodes: it reads the argument words, looks up the capabilities
 * they name, and calls the operation in the object's own file (factory.c,
 * task.c, thread.c, gate.c, notification.c).
 *
 * Who pays: factory operations charge the invoked factory; MAP_ANON,
 * LOAD_ELF and SET_UTCB charge the factory whose capability the invoker
 * names in a message word.  MAP_ANON and LOAD_ELF make fresh user memory:
 * they need a factory with memory (factory.memory), a share of the root
 * task's memory delegated down the factory tree (docs/design.md, "Memory").
 */
#include <irq.h>
#include <kernel.h>
#include <keel/abi.h>
#include <keel/kobj.h>
#include <loader.h>
#include <thread.h>

/* Capabilities one KEEL_TASK_REVOKE removes at most (docs/design.md). */
#define REVOKE_BUDGET 256u

/* ---- decoding ---- */

static uintptr_t arg(const struct thread *t, uint32_t i)
{
    return arch_syscall_word(&t->regs, 4 + i);
}

static void reply(struct thread *t, uint32_t err, uint32_t words, const uintptr_t *w)
{
    arch_syscall_set_word(&t->regs, 0, err ? keel_tag_with_error(err) : KEEL_TAG(0, words, 0));
    for (uint32_t i = 0; i < KEEL_MSG_REG_WORDS; i++)
        arch_syscall_set_word(&t->regs, 4 + i, i < words && !err ? w[i] : 0);
}

/* Put a new capability (all rights) into the caller's slot (KEEL_CAP_OPEN:
 * any free one); *slot is then where it went. */
static uint32_t give(struct thread *t, enum cap_type type, void *obj, uint32_t *slot)
{
    struct cap c = { .object = obj, .label = 0, .type = type, .rights = CAP_RIGHTS_ALL };
    uint32_t to = *slot == KEEL_CAP_OPEN ? CAP_SLOT_ANY : *slot;
    enum kerr e = cap_insert(&t->task->caps, &to, &c);
    if (e)
        return e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
    *slot = to;
    return KEEL_OK;
}

/* Look up a capability of the caller by slot. */
static uint32_t lookup(struct thread *t, uintptr_t slot, enum cap_type type, uint32_t rights,
                       void **obj)
{
    struct cap c;
    enum kerr e = cap_lookup(&t->task->caps, (uint32_t)slot, type, rights, &c);
    if (e)
        return cap_lookup_error(e);
    *obj = c.object;
    return KEEL_OK;
}

/* The factory at the caller's slot, which must carry the send right (the
 * right to invoke it): what a task or thread operation charges. */
static uint32_t lookup_factory(struct thread *t, uintptr_t slot, struct factory **f)
{
    void *obj = NULL;
    uint32_t err = lookup(t, slot, CAP_FACTORY, CAP_RIGHT_SEND, &obj);
    *f = obj;
    return err;
}

/* ---- factory ---- */

static uint32_t new_task(struct thread *t, struct factory *f, uintptr_t *out)
{
    struct task *task;
    uint32_t slot = (uint32_t)arg(t, 0), err;
    uintptr_t bits = arg(t, 1);
    if (bits > TASK_CAP_BITS_MAX)
        return KEEL_E_INVALID;
    if ((err = task_create_sized(f, "task", bits ? (uint32_t)bits : TASK_CAP_BITS_DEFAULT,
                                 &task)))
        return err;
    if ((err = give(t, CAP_TASK, task, &slot))) {
        task_destroy(task); /* never handed out: all of it goes back */
        return err;
    }
    out[0] = slot;
    return KEEL_OK;
}

static uint32_t new_thread(struct thread *t, struct factory *f, uintptr_t *out)
{
    struct thread *nt;
    void *task;
    uint32_t slot = (uint32_t)arg(t, 1), err;
    if ((err = lookup(t, arg(t, 0), CAP_TASK, CAP_RIGHT_CONTROL, &task)))
        return err;
    if (((struct task *)task)->dead)
        return KEEL_E_PARTNER;
    if ((err = thread_create(f, task, &nt)))
        return err;
    if ((err = give(t, CAP_THREAD, nt, &slot))) {
        thread_discard(nt); /* never seen by anyone */
        return err;
    }
    out[0] = slot;
    return KEEL_OK;
}

static uint32_t new_gate(struct thread *t, struct factory *f, uintptr_t *out)
{
    struct gate *g;
    void *bound;
    uint32_t slot = (uint32_t)arg(t, 2), err;
    if ((err = lookup(t, arg(t, 0), CAP_THREAD, CAP_RIGHT_CONTROL, &bound)))
        return err;
    if (((struct thread *)bound)->state == THREAD_DEAD)
        return KEEL_E_PARTNER;
    if ((err = gate_create(f, arg(t, 1), &g)))
        return err;
    if ((err = give(t, CAP_GATE, g, &slot))) {
        gate_discard(g);
        return err;
    }
    gate_bind(g, bound);
    out[0] = slot;
    return KEEL_OK;
}

static uint32_t new_notification(struct thread *t, struct factory *f, uintptr_t *out)
{
    struct notification *n;
    uint32_t slot = (uint32_t)arg(t, 1), err;
    if ((err = notification_create(f, arg(t, 0), &n)))
        return err;
    if ((err = give(t, CAP_NOTIFICATION, n, &slot))) {
        notification_discard(n);
        return err;
    }
    out[0] = slot;
    return KEEL_OK;
}

static uint32_t new_factory(struct thread *t, struct factory *f, uintptr_t *out)
{
    struct factory *child;
    uint32_t slot = (uint32_t)arg(t, 1), err;
    uintptr_t flags = arg(t, 2);
    if (flags & ~(uintptr_t)KEEL_FACTORY_NO_MEMORY)
        return KEEL_E_INVALID;
    if ((err = factory_create(f, arg(t, 0), &child)))
        return err;
    /* Memory is delegated down, never made: only a factory that may pay for
     * user memory makes one that may, and only if not asked not to. */
    child->memory = f->memory && !(flags & KEEL_FACTORY_NO_MEMORY);
    if ((err = give(t, CAP_FACTORY, child, &slot))) {
        factory_discard(child);
        return err;
    }
    out[0] = slot;
    return KEEL_OK;
}

static uint32_t factory_op(struct thread *t, struct factory *f, uint32_t op, uintptr_t *out)
{
    switch (op) {
    case KEEL_FACTORY_TASK:
        return new_task(t, f, out);
    case KEEL_FACTORY_THREAD:
        return new_thread(t, f, out);
    case KEEL_FACTORY_GATE:
        return new_gate(t, f, out);
    case KEEL_FACTORY_NOTIFICATION:
        return new_notification(t, f, out);
    case KEEL_FACTORY_FACTORY:
        return new_factory(t, f, out);
    case KEEL_FACTORY_QUOTA:
        out[0] = f->pages_left;
        return KEEL_OK;
    default:
        return KEEL_E_NOSYS;
    }
}

/* ---- thread ---- */

static uint32_t set_handler(struct thread *t, struct thread *target)
{
    void *g;
    if (arg(t, 0) == KEEL_CAP_OPEN) {
        thread_set_handler(target, NULL);
        return KEEL_OK;
    }
    uint32_t err = lookup(t, arg(t, 0), CAP_GATE, CAP_RIGHT_SEND, &g);
    if (!err)
        thread_set_handler(target, g);
    return err;
}

static uint32_t thread_op(struct thread *t, struct thread *target, uint32_t op, uintptr_t *out)
{
    uint32_t err;
    if (target->state == THREAD_DEAD)
        return KEEL_E_PARTNER;
    switch (op) {
    case KEEL_THREAD_SET_REGS:
        return thread_set_regs(target, arg(t, 0), arg(t, 1), arg(t, 2));
    case KEEL_THREAD_SET_PRIO:
        return thread_set_prio(target, t, arg(t, 0));
    case KEEL_THREAD_SET_HANDLER:
        return set_handler(t, target);
    case KEEL_THREAD_SET_UTCB: {
        struct factory *f;
        if ((err = lookup_factory(t, arg(t, 1), &f)))
            return err;
        return thread_set_utcb(target, f, arg(t, 0));
    }
    case KEEL_THREAD_START:
        return thread_start(target);
    case KEEL_THREAD_STOP:
        thread_stop(target);
        return KEEL_OK;
    case KEEL_THREAD_SAVE_REPLY: {
        uint32_t slot = (uint32_t)arg(t, 0);
        if (target != t)
            return KEEL_E_INVALID;  /* a thread saves only its own reply right */
        if ((err = ipc_save_reply(t, &slot)))
            return err;
        out[0] = slot;
        return KEEL_OK;
    }
    default:
        return KEEL_E_NOSYS;
    }
}

/* ---- task ---- */

static uint32_t task_op(struct thread *t, struct task *task, uint32_t op, uint64_t tag,
                        uintptr_t *out)
{
    struct factory *f;
    uint32_t err;
    if (task->dead)
        return KEEL_E_PARTNER;
    switch (op) {
    case KEEL_TASK_MAP_ANON:
        if ((err = lookup_factory(t, arg(t, 3), &f)))
            return err;
        if (!f->memory)
            return KEEL_E_RIGHTS;   /* a factory for kernel objects only */
        return task_map_anon(task, f, arg(t, 0), arg(t, 1), arg(t, 2));
    case KEEL_TASK_LOAD_ELF: {
        uintptr_t entry = 0;
        err = lookup_factory(t, arg(t, 2), &f);
        if (!err && !f->memory)
            err = KEEL_E_RIGHTS;    /* its segments are fresh memory, as MAP_ANON's */
        if (!err)
            err = task_load_elf(task, f, &t->task->vm, arg(t, 0), arg(t, 1), &entry);
        out[0] = entry;
        return err;
    }
    case KEEL_TASK_DESTROY:
        if (task->is_root)
            return KEEL_E_RIGHTS;
        if (task == t->task)
            return KEEL_E_INVALID; /* its address space is the one in use */
        task_destroy(task);
        return KEEL_OK;
    case KEEL_TASK_GIVE_CAP: {
        uint32_t to = (uint32_t)arg(t, 2);
        uint64_t badge = keel_tag_words(tag) > 3 ? arg(t, 3) : 0;
        if ((err = task_give_cap(t->task, (uint32_t)arg(t, 0), task, &to, (uint32_t)arg(t, 1),
                                 badge)))
            return err;
        out[0] = to;
        return KEEL_OK;
    }
    case KEEL_TASK_UNMAP: {
        bool more;
        uintptr_t next;
        if ((err = task_unmap(task, arg(t, 0), arg(t, 1), arg(t, 2), arg(t, 3), &more, &next)))
            return err;
        out[0] = more;
        out[1] = next;
        return KEEL_OK;
    }
    case KEEL_TASK_COPY_CAP: { /* from this task's table into another's */
        void *dst;
        uint32_t to = (uint32_t)arg(t, 2);
        if ((err = lookup(t, arg(t, 1), CAP_TASK, CAP_RIGHT_CONTROL, &dst)))
            return err;
        if (((struct task *)dst)->dead)
            return KEEL_E_PARTNER;
        if ((err = task_give_cap(task, (uint32_t)arg(t, 0), dst, &to, (uint32_t)arg(t, 3), 0)))
            return err;
        out[0] = to;
        return KEEL_OK;
    }
    case KEEL_TASK_REVOKE: {
        bool more;
        if ((err = task_revoke(task, (uint32_t)arg(t, 0), REVOKE_BUDGET, &more)))
            return err;
        out[0] = more;
        return KEEL_OK;
    }
    case KEEL_TASK_DELETE_CAP:
        if (task == t->task && arg(t, 0) == KEEL_SLOT_SELF_TASK && task->is_root)
            return KEEL_E_INVALID; /* the root task keeps its own capability */
        return task_delete_cap(task, (uint32_t)arg(t, 0));
    case KEEL_TASK_MAP_DEVICE: /* retired: root maps device memory by IPC */
        return KEEL_E_NOSYS;
    case KEEL_TASK_IO_PORTS:
        return t->task->is_root ? device_io_ports(task, arg(t, 0), arg(t, 1)) : KEEL_E_RIGHTS;
    case KEEL_TASK_LEAF_ORDER: { /* introspection: the size of the entry mapping mr0 */
        uint64_t pa;
        uint32_t rights, order;
        out[0] = vm_lookup_leaf(&task->vm, arg(t, 0), &pa, &rights, &order) == KERR_OK ? order : 0;
        out[1] = vm_leaf_orders();
        return KEEL_OK;
    }
    default:
        return KEEL_E_NOSYS;
    }
}

void kobj_invoke(struct thread *t, const struct cap *cap, uint64_t tag)
{
    uintptr_t out[KEEL_MSG_REG_WORDS] = { 0 };
    uint32_t op = keel_tag_label(tag), err;
    if (!(cap->rights & CAP_RIGHT_CONTROL) && cap->type != CAP_FACTORY)
        err = KEEL_E_RIGHTS;
    else if (cap->type == CAP_FACTORY)
        err = factory_op(t, cap->object, op, out);
    else if (cap->type == CAP_THREAD)
        err = thread_op(t, cap->object, op, out);
    else
        err = task_op(t, cap->object, op, tag, out);
    if (t->state == THREAD_READY || t->state == THREAD_INACTIVE)
        reply(t, err, 2, out);  /* two words: UNMAP's resume offset is the second */
}
