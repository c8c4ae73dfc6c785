/*
 * Kernel objects and their invocation.  A send or call to a task, thread or
 * factory capability runs the operation its tag label names; the result
 * comes back as the reply (error in the tag, results in the words).
 *
 * Memory: every object takes whole pages, as do a task's page tables and
 * mapped memory, each charged to the factory the request named: factory
 * operations charge the invoked factory; MAP_ANON, LOAD_ELF and SET_UTCB
 * charge the factory whose capability the invoker names in a message word,
 * and the tables a mapping needs go to the same factory.  The frame table
 * remembers who paid for each page (quota.c), so every free returns the
 * page to its payer.
 *
 * A destroyed task gives back its address space, capability table and
 * capabilities at once; its task and thread headers go back when the last
 * capability naming the task or one of its threads is deleted (task.refs);
 * until then they answer KEEL_E_PARTNER.
 */
#include <kernel.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <kmem.h>
#include <kstring.h>
#include <loader.h>
#include <thread.h>

#define MAP_MAX_PAGES 4096      /* pages one MAP_ANON may ask for */
#define PRIO_MAX 255

/* ---- memory of a task ---- */

uint32_t task_map_page(struct task *task, struct factory *f, uintptr_t va, uint32_t rights,
                       uint64_t *pa)
{
    uint32_t err = factory_page(f, pa);
    if (err)
        return err;
    task->pt_charge = f;
    enum kerr e = vm_map(&task->vm, va, *pa, rights | PTE_USER);
    if (e) {
        factory_free(*pa);
        return e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
    }
    return KEEL_OK;
}

static uint64_t task_pt_alloc(void *ctx)
{
    uint64_t pa;
    return factory_page(((struct task *)ctx)->pt_charge, &pa) == KEEL_OK ? pa : 0;
}

static uint64_t task_pt_alloc_root(void *ctx, size_t bytes)
{
    return factory_block(((struct task *)ctx)->pt_charge, bytes);
}

static void task_pt_free(void *ctx, uint64_t pa)
{
    factory_free(pa);
}

static void *task_pt_virt(void *ctx, uint64_t pa)
{
    return kmem_ptr(pa);
}

/* ---- creation ---- */

uint32_t task_create(struct factory *f, const char *name, struct task **out)
{
    uint64_t pa, slots_pa;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    if ((err = factory_page(f, &slots_pa))) {
        factory_free(pa);
        return err;
    }
    struct task *task = kmem_ptr(pa);
    task->pt_charge = f;
    task->pt = (struct vm_pt_alloc){ .alloc = task_pt_alloc, .free = task_pt_free,
                                     .phys_to_virt = task_pt_virt, .ctx = task,
                                     .alloc_root = task_pt_alloc_root };
    cap_table_init(&task->caps, kmem_ptr(slots_pa), TASK_CAP_SLOTS);
    for (size_t i = 0; i + 1 < sizeof(task->name) && name[i]; i++)
        task->name[i] = name[i];
    if (vm_init(&task->vm, &task->pt) != KERR_OK) {
        factory_free(slots_pa);
        factory_free(pa);
        return KEEL_E_QUOTA;
    }
    *out = task;
    return KEEL_OK;
}

uint32_t thread_create(struct factory *f, struct task *task, struct thread **out)
{
    uint64_t pa;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    struct thread *t = kmem_ptr(pa);
    t->task = task;
    t->state = THREAD_INACTIVE;
    t->prio = 0;
    rq_node_init(&t->rq);
    arch_fpu_state_init(&t->fpu);
    t->task_next = task->threads;
    task->threads = t;
    *out = t;
    return KEEL_OK;
}

/* The headers of a dead task no capability names any more: the thread
 * pages, then the task page, each back to the factory that paid. */
static void task_release(struct task *task)
{
    if (!task->dead || task->refs)
        return;
    for (struct thread *t = task->threads, *next; t; t = next) {
        next = t->task_next;
        factory_free((uint64_t)(uintptr_t)t);
    }
    factory_free((uint64_t)(uintptr_t)task);
}

/* Called by cap.c for every capability that appears (+1) or goes (-1):
 * tasks and threads count the capabilities naming them (a reply capability
 * names its caller's thread, which must outlive it). */
void cap_object_ref(const struct cap *c, int delta)
{
    struct task *task = c->type == CAP_TASK ? c->object
                      : c->type == CAP_THREAD || c->type == CAP_REPLY
                      ? ((struct thread *)c->object)->task : NULL;
    if (!task)
        return;
    task->refs += (uint32_t)delta;
    task_release(task);
}

/* ---- results ---- */

static void reply(struct thread *t, uint32_t err, uint32_t words, const uintptr_t *w)
{
    arch_syscall_set_word(&t->regs, 0, KEEL_TAG(0, err ? 0 : words, 0) | (uint64_t)err << 16);
    for (uint32_t i = 0; i < KEEL_MSG_REG_WORDS; i++)
        arch_syscall_set_word(&t->regs, 4 + i, i < words && !err ? w[i] : 0);
}

static uintptr_t arg(const struct thread *t, uint32_t i)
{
    return arch_syscall_word(&t->regs, 4 + i);
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
static uint32_t lookup(struct thread *t, uint32_t slot, enum cap_type type, uint32_t rights,
                       void **obj)
{
    struct cap c;
    enum kerr e = cap_lookup(&t->task->caps, slot, type, rights, &c);
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
    uint32_t err = lookup(t, (uint32_t)slot, CAP_FACTORY, CAP_RIGHT_SEND, &obj);
    *f = obj;
    return err;
}

static void task_destroy(struct task *task);

/* ---- factory ---- */

/* A new zeroed object of type, charged to f, with its capability in the
 * caller's slot *slot (as give()); nothing is kept if either step fails. */
static uint32_t give_new(struct thread *t, struct factory *f, enum cap_type type,
                         uint32_t *slot, void **obj)
{
    uint64_t pa;
    uint32_t err = factory_page(f, &pa);
    if (err)
        return err;
    if ((err = give(t, type, kmem_ptr(pa), slot))) {
        factory_free(pa);
        return err;
    }
    *obj = kmem_ptr(pa);
    return KEEL_OK;
}

static uint32_t factory_op(struct thread *t, struct factory *f, uint32_t op, uintptr_t *out)
{
    uint32_t slot, err;
    void *obj;
    switch (op) {
    case KEEL_FACTORY_TASK: {
        struct task *task;
        slot = (uint32_t)arg(t, 0);
        if ((err = task_create(f, "task", &task)))
            return err;
        if ((err = give(t, CAP_TASK, task, &slot))) {
            task_destroy(task); /* never handed out: all of it goes back */
            return err;
        }
        out[0] = slot;
        return KEEL_OK;
    }
    case KEEL_FACTORY_THREAD: {
        struct thread *nt;
        slot = (uint32_t)arg(t, 1);
        if ((err = lookup(t, (uint32_t)arg(t, 0), CAP_TASK, CAP_RIGHT_CONTROL, &obj)))
            return err;
        if (((struct task *)obj)->dead)
            return KEEL_E_PARTNER;
        if ((err = thread_create(f, obj, &nt)))
            return err;
        if ((err = give(t, CAP_THREAD, nt, &slot))) {
            /* Never seen by anyone: unlink it and give its page back. */
            nt->task->threads = nt->task_next;
            factory_free((uint64_t)(uintptr_t)nt);
            return err;
        }
        out[0] = slot;
        return KEEL_OK;
    }
    case KEEL_FACTORY_GATE: {
        struct thread *bound;
        slot = (uint32_t)arg(t, 2);
        if ((err = lookup(t, (uint32_t)arg(t, 0), CAP_THREAD, CAP_RIGHT_CONTROL, &obj)))
            return err;
        bound = obj;
        if (bound->state == THREAD_DEAD)
            return KEEL_E_PARTNER;
        if ((err = give_new(t, f, CAP_GATE, &slot, &obj)))
            return err;
        struct gate *g = obj;
        g->receiver = bound;
        g->label = arg(t, 1);
        g->next_bound = bound->gates;
        bound->gates = g;
        out[0] = slot;
        return KEEL_OK;
    }
    case KEEL_FACTORY_NOTIFICATION:
        slot = (uint32_t)arg(t, 1);
        if ((err = give_new(t, f, CAP_NOTIFICATION, &slot, &obj)))
            return err;
        ((struct notification *)obj)->label = arg(t, 0);
        out[0] = slot;
        return KEEL_OK;
    case KEEL_FACTORY_FACTORY: {
        uint64_t pages = arg(t, 0);
        slot = (uint32_t)arg(t, 1);
        if (pages >= f->pages_left) /* the new factory's own page comes first */
            return KEEL_E_QUOTA;
        if ((err = give_new(t, f, CAP_FACTORY, &slot, &obj)))
            return err;
        (void)factory_split(f, pages, obj); /* fits: checked above */
        out[0] = slot;
        return KEEL_OK;
    }
    case KEEL_FACTORY_QUOTA:
        out[0] = f->pages_left;
        return KEEL_OK;
    default:
        return KEEL_E_NOSYS;
    }
}

/* ---- threads ---- */

/* Take t off any IPC and the processor, leaving it in state why. */
static void thread_halt(struct thread *t, enum thread_state why)
{
    if (t->state != THREAD_READY && t->state != THREAD_INACTIVE && t->state != THREAD_STOPPED)
        ipc_abort(t, KEEL_E_PARTNER);
    t->in_exception = false;
    sched_block(t, why);
}

void thread_kill(struct thread *t)
{
    thread_halt(t, THREAD_DEAD);
    ipc_release(t);     /* its senders and every caller it received fail */
    for (struct gate *g = t->gates; g; g = g->next_bound)
        g->receiver = NULL;
    t->gates = NULL;
    if (t->utcb) {
        t->utcb = NULL; /* the page goes with the address space */
    }
}

uint32_t thread_set_utcb(struct thread *t, struct factory *f, uintptr_t va)
{
    uint64_t pa;
    if (t->utcb)
        return KEEL_E_INVALID;
    uint32_t err = task_map_page(t->task, f, va, PTE_R | PTE_W, &pa);
    if (err)
        return err;
    t->utcb = kmem_ptr(pa);
    return KEEL_OK;
}

static uint32_t thread_op(struct thread *t, struct thread *target, uint32_t op, uintptr_t *out)
{
    void *obj;
    uint32_t err;
    if (target->state == THREAD_DEAD)
        return KEEL_E_PARTNER;
    bool idle = target->state == THREAD_INACTIVE || target->state == THREAD_STOPPED;
    switch (op) {
    case KEEL_THREAD_SET_REGS:
        if (!idle)
            return KEEL_E_INVALID;
        arch_regs_init_user(&target->regs, arg(t, 0), arg(t, 1), arg(t, 2));
        return KEEL_OK;
    case KEEL_THREAD_SET_PRIO: {
        uintptr_t p = arg(t, 0);
        if (p > PRIO_MAX)
            return KEEL_E_INVALID;
        if (p > t->prio)
            return KEEL_E_RIGHTS; /* no one raises a thread above itself */
        bool queued = rq_node_queued(&target->rq);
        if (queued)
            sched_block(target, THREAD_READY);
        target->prio = (uint8_t)p;
        if (queued)
            sched_ready(target);
        return KEEL_OK;
    }
    case KEEL_THREAD_SET_HANDLER:
        if (arg(t, 0) == KEEL_CAP_OPEN) {
            target->handler = NULL;
            return KEEL_OK;
        }
        if ((err = lookup(t, (uint32_t)arg(t, 0), CAP_GATE, CAP_RIGHT_SEND, &obj)))
            return err;
        target->handler = obj;
        return KEEL_OK;
    case KEEL_THREAD_SET_UTCB: {
        struct factory *f;
        if ((err = lookup_factory(t, arg(t, 1), &f)))
            return err;
        return thread_set_utcb(target, f, arg(t, 0));
    }
    case KEEL_THREAD_START:
        if (!idle)
            return KEEL_E_INVALID;
        sched_ready(target);
        return KEEL_OK;
    case KEEL_THREAD_STOP:
        thread_halt(target, THREAD_STOPPED);
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

/* ---- tasks ---- */

/* Empty slot of task; a reply capability deleted unused fails its caller
 * (first: the capability keeps the caller's thread alive until it goes). */
static uint32_t delete_cap(struct task *task, uint32_t slot)
{
    struct cap c;
    if (cap_lookup(&task->caps, slot, CAP_TYPE_ANY, 0, &c))
        return KEEL_E_CAP;
    if (c.type == CAP_REPLY)
        ipc_reply_cap_deleted(&c);
    return cap_delete(&task->caps, slot) ? KEEL_E_CAP : KEEL_OK;
}

/* End every thread, drop every capability and give back the address space
 * and the capability table; the headers follow when the last capability
 * naming them goes (task_release). */
static void task_destroy(struct task *task)
{
    task->refs++; /* deleting its own capabilities must not free it here */
    task->dead = true;
    for (struct thread *t = task->threads; t; t = t->task_next)
        if (t->state != THREAD_DEAD)
            thread_kill(t);
    for (uint32_t i = 0; i < task->caps.size; i++)
        (void)delete_cap(task, i);
    vm_destroy(&task->vm, true);
    factory_free((uint64_t)(uintptr_t)task->caps.slots);
    task->caps.slots = NULL;
    task->caps.size = 0;
    task->refs--;
    task_release(task);
}

uint32_t task_map_anon(struct task *task, struct factory *f, uintptr_t va, uintptr_t pages,
                       uintptr_t rights)
{
    uint64_t pa;
    uint32_t r;
    if (va % ARCH_PAGE_SIZE || !pages || pages > MAP_MAX_PAGES || !(rights & 7) || rights > 7)
        return KEEL_E_INVALID;
    if (va < USER_BASE || va >= USER_END || pages > (USER_END - va) / ARCH_PAGE_SIZE)
        return KEEL_E_INVALID;
    for (uintptr_t i = 0; i < pages; i++)
        if (vm_lookup(&task->vm, va + i * ARCH_PAGE_SIZE, &pa, &r) == KERR_OK)
            return KEEL_E_INVALID; /* already mapped */
    uint32_t pte = ((rights & KEEL_MAP_R) ? PTE_R : 0) |
                   ((rights & KEEL_MAP_W) ? PTE_W : 0) | ((rights & KEEL_MAP_X) ? PTE_X : 0);
    for (uintptr_t i = 0; i < pages; i++) {
        uint32_t err = task_map_page(task, f, va + i * ARCH_PAGE_SIZE, pte, &pa);
        if (err) {
            while (i--) { /* undo: the request fails whole (tables made stay) */
                uint64_t done;
                if (vm_lookup(&task->vm, va + i * ARCH_PAGE_SIZE, &done, &r) == KERR_OK) {
                    vm_unmap(&task->vm, va + i * ARCH_PAGE_SIZE);
                    factory_free(done);
                }
            }
            return err;
        }
    }
    return KEEL_OK;
}

static uint32_t task_op(struct thread *t, struct task *task, uint32_t op, uintptr_t *out)
{
    if (task->dead)
        return KEEL_E_PARTNER;
    switch (op) {
    case KEEL_TASK_MAP_ANON: {
        struct factory *f;
        uint32_t err = lookup_factory(t, arg(t, 3), &f);
        return err ? err : task_map_anon(task, f, arg(t, 0), arg(t, 1), arg(t, 2));
    }
    case KEEL_TASK_LOAD_ELF: {
        uintptr_t entry = 0;
        struct factory *f;
        uint32_t err = lookup_factory(t, arg(t, 2), &f);
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
        to = to == KEEL_CAP_OPEN ? CAP_SLOT_ANY : to;
        if (cap_lookup(&t->task->caps, (uint32_t)arg(t, 0), CAP_REPLY, 0, NULL) == KERR_OK)
            return KEEL_E_CAP;  /* a reply capability answers one call: no copies */
        enum kerr e = cap_derive(&t->task->caps, (uint32_t)arg(t, 0), &task->caps, &to,
                                 (uint32_t)arg(t, 1), 0);
        if (e)
            return e == KERR_PERM ? KEEL_E_RIGHTS
                 : e == KERR_NOMEM ? KEEL_E_QUOTA
                 : e == KERR_EXIST ? KEEL_E_INVALID : KEEL_E_CAP;
        out[0] = to;
        return KEEL_OK;
    }
    case KEEL_TASK_DELETE_CAP:
        if (task == t->task && arg(t, 0) == KEEL_SLOT_SELF_TASK && task->is_root)
            return KEEL_E_INVALID; /* the root task keeps its own capability */
        return delete_cap(task, (uint32_t)arg(t, 0));
    default:
        return KEEL_E_NOSYS;
    }
}

void kobj_invoke(struct thread *t, const struct cap *cap, uint64_t tag)
{
    uintptr_t out[KEEL_MSG_REG_WORDS] = { 0 };
    uint32_t op = KEEL_TAG_LABEL(tag), err;
    if (!(cap->rights & CAP_RIGHT_CONTROL) && cap->type != CAP_FACTORY)
        err = KEEL_E_RIGHTS;
    else if (cap->type == CAP_FACTORY)
        err = factory_op(t, cap->object, op, out);
    else if (cap->type == CAP_THREAD)
        err = thread_op(t, cap->object, op, out);
    else
        err = task_op(t, cap->object, op, out);
    if (t->state == THREAD_READY || t->state == THREAD_INACTIVE)
        reply(t, err, 1, out);
}
