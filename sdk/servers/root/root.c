/*
 * The root task: the first component, holding every capability the kernel
 * hands out at boot.  It starts the boot modules it knows (its boot script),
 * each in its own task with its own share of kernel memory, and supervises
 * them: it is their exception handler, so it hears when one exits or
 * faults, reports it, and destroys the task.  When every module has ended it
 * powers the machine off with the verdict.
 */
#include <keel/keel.h>

#define MODULE_QUOTA_PAGES 4096     /* 16 MiB of kernel and user memory each */
#define MODULE_PRIO 100
#define CHILD_SLOT_TASK 0           /* what every module finds in its table */
#define CHILD_SLOT_THREAD 1
#define CHILD_SLOT_FACTORY 2
#define CHILD_SLOT_SERVICE 3

enum service { NONE, PING, BENCH, SERVICES };

struct module {
    const char *name;
    bool daemon;            /* a server: ended by root once the others are done */
    enum service serves;    /* a gate bound to it is made for this service */
    enum service uses;      /* it gets that gate */
    bool present;
    bool running;
    uint32_t task, thread;  /* root's slots for them */
};

static struct module script[] = {
    { .name = "hello" },
    { .name = "ping-server", .daemon = true, .serves = PING },
    { .name = "ping-client", .uses = PING },
    { .name = "bench-server", .daemon = true, .serves = BENCH },
    { .name = "ipcbench", .uses = BENCH },
    { .name = "ktest" },
};
#define MODULES (sizeof(script) / sizeof(script[0]))

/* Root's own checks of the system-call boundary: numbers the kernel must
 * reject with the right error. */
static int check_errors(struct keel_utcb *u)
{
    int bad = 0;
    bad += keel_debug_write((const char *)0x1000, 4) != KEEL_E_FAULT;
    bad += keel_debug_write((const char *)0x7fff00000000ull, 4) != KEEL_E_FAULT;
    bad += keel_debug_write("x", KEEL_DEBUG_WRITE_MAX + 1) != KEEL_E_INVALID;
    struct keel_words k = { { 99 } };
    keel_syscall(KEEL_SYS_DEBUG, &k);
    bad += k.w[0] != KEEL_E_NOSYS;
    struct keel_words other = { { 0 } };
    keel_syscall(77, &other);
    bad += other.w[0] != KEEL_E_NOSYS;
    bad += keel_invoke(u, 500, 1, 0, 0, 0, 0) != KEEL_E_CAP;
    return bad;
}

static uint32_t give(struct keel_utcb *u, struct module *m, uint32_t cap, uint32_t rights,
                     uint32_t slot)
{
    return keel_invoke(u, m->task, KEEL_TASK_GIVE_CAP, cap, rights, slot, 0);
}

/* Start module m from its ELF image. */
static uint32_t start(struct keel_utcb *u, struct module *m, uint32_t index,
                      const uint32_t *services)
{
    const void *elf;
    size_t size;
    uint32_t e, factory = KEEL_CAP_OPEN, handler = KEEL_CAP_OPEN;
    m->task = m->thread = KEEL_CAP_OPEN;
    if ((e = keel_boot_module(m->name, &elf, &size)))
        return e;
    /* The module's own factory pays for its task, thread, image, stack and
     * UTCB: nothing of it is charged to root's all-memory factory. */
    if ((e = keel_factory_create(u, KEEL_SLOT_FACTORY, MODULE_QUOTA_PAGES, &factory)) ||
        (e = keel_task_create(u, factory, &m->task)) ||
        (e = keel_thread_create(u, factory, m->task, &m->thread)) ||
        (e = keel_gate_create(u, KEEL_SLOT_FACTORY, KEEL_SLOT_SELF_THREAD, index, &handler)))
        return e;
    uintptr_t entry;
    if ((e = keel_task_load_elf(u, m->task, factory, elf, size, &entry)))
        return e;
    if ((e = keel_map_anon(u, m->task, factory, KEEL_MAIN_STACK_TOP - KEEL_MAIN_STACK_PAGES * 4096,
                           KEEL_MAIN_STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W)) ||
        (e = give(u, m, m->task, KEEL_RIGHTS_ALL, CHILD_SLOT_TASK)) ||
        (e = give(u, m, m->thread, KEEL_RIGHTS_ALL, CHILD_SLOT_THREAD)) ||
        (e = give(u, m, factory, KEEL_RIGHTS_ALL, CHILD_SLOT_FACTORY)) ||
        (m->uses && (e = give(u, m, services[m->uses], KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT,
                              CHILD_SLOT_SERVICE))))
        return e;
    e = keel_thread_start(u, m->thread, factory, entry, KEEL_MAIN_STACK_TOP, KEEL_MAIN_UTCB,
                          MODULE_PRIO, handler);
    m->running = !e;
    return e;
}

static bool others_running(void)
{
    for (uint32_t i = 0; i < MODULES; i++)
        if (script[i].running && !script[i].daemon)
            return true;
    return false;
}

static void finish(struct keel_utcb *u, struct module *m)
{
    keel_invoke(u, m->task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    m->running = false;
}

/* Hear from the modules until the last one (not a daemon) has ended. */
static int supervise(struct keel_utcb *u)
{
    int failures = 0;
    while (others_running()) {
        struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        if (KEEL_TAG_ERROR(r.tag) || r.label >= MODULES)
            continue;
        struct module *m = &script[r.label];
        if (KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT) {
            keel_printf("root: %s exited with status %d\n", m->name, (int)u->mr[0]);
            failures += u->mr[0] != 0;
        } else {
            keel_printf("root: %s: exception %u at ip 0x%lx, address 0x%lx; task destroyed\n",
                        m->name, (unsigned)u->mr[KEEL_EXC_KIND],
                        (unsigned long)u->mr[KEEL_EXC_IP], (unsigned long)u->mr[KEEL_EXC_ADDR]);
            failures++;
        }
        finish(u, m);
    }
    for (uint32_t i = 0; i < MODULES; i++)
        if (script[i].running)
            finish(u, &script[i]);
    return failures;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    keel_printf("root: running in user mode\n");
    int bad = check_errors(u);
    keel_printf("root: system-call error checks %s\n", bad ? "FAILED" : "passed");

    uint32_t services[SERVICES] = { KEEL_CAP_OPEN, KEEL_CAP_OPEN, KEEL_CAP_OPEN };
    for (uint32_t i = 0; i < MODULES; i++) {
        struct module *m = &script[i];
        const void *elf;
        size_t size;
        if (keel_boot_module(m->name, &elf, &size))
            continue;
        uint32_t e = start(u, m, i, services);
        if (!e && m->serves)
            e = keel_gate_create(u, KEEL_SLOT_FACTORY, m->thread, 0x9090 + m->serves,
                                 &services[m->serves]);
        if (e)
            keel_printf("root: starting %s FAILED: error %u\n", m->name, e);
        else
            keel_printf("root: started %s\n", m->name);
        bad += e != 0;
    }
    bad += supervise(u);
    keel_printf("root: all modules ended, %d problem(s)\n", bad);
    keel_debug_poweroff(bad ? 1 : 0);
    return 1; /* only reached if power-off was refused */
}
