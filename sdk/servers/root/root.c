/*
 * The root task: the first component, holding every capability the kernel
 * hands out at boot.  It starts the boot modules it knows (its boot script),
 * each in its own task with its own share of kernel memory, and supervises
 * them: it is their exception handler, so it hears when one exits or
 * faults, reports it, and destroys the task.  When every module has ended it
 * powers the machine off with the verdict.
 *
 * The verdict is PASS only if root started what the boot image holds: a file
 * it does not know, a module whose service no module provides, or a boot
 * image with nothing root can start is a failure, named on the console.
 * Servers start before their clients, and a client gets only the gate made
 * for the service it uses, never some other capability of root's.
 */
#include <keel/keel.h>

#define MODULE_QUOTA_PAGES 4096     /* 16 MiB of kernel and user memory each */
#define MODULE_PRIO 100
#define CHILD_SLOT_TASK 0           /* what every module finds in its table */
#define CHILD_SLOT_THREAD 1
#define CHILD_SLOT_FACTORY 2
#define CHILD_SLOT_SERVICE 3
#define CHILD_SLOT_IRQ_CONTROL 4    /* a driver module's interrupt controller */
#define UART_REGS_PORTS 8           /* a 16550's registers on I/O ports */

enum service { NONE, PING, BENCH, ECHO, SERVICES };

static const char *const service_names[SERVICES] = {
    [NONE] = "no", [PING] = "ping", [BENCH] = "bench", [ECHO] = "echo",
};

/* Root's slot of the gate made for each service; KEEL_CAP_OPEN until its
 * server has started.  Set up by init_services(), not by an initialiser
 * list that a new service could outgrow (its entry would be 0: root's own
 * task capability). */
static uint32_t services[SERVICES];

struct module {
    const char *name;
    bool daemon;            /* a server: ended by root once the others are done */
    bool driver;            /* drives the console UART's input: gets the interrupt
                               controller and the UART's registers */
    enum service serves;    /* a gate bound to it is made for this service */
    enum service uses;      /* it gets that gate */
    bool present;           /* in the boot image */
    bool running;
    uint32_t task, thread;  /* root's slots for them */
};

/* The test pair echo-client/echo-server is listed client first: root must
 * start servers first whatever the order. */
static struct module script[] = {
    { .name = "hello" },
    { .name = "ping-server", .daemon = true, .serves = PING },
    { .name = "ping-client", .uses = PING },
    { .name = "bench-server", .daemon = true, .serves = BENCH },
    { .name = "ipcbench", .uses = BENCH },
    { .name = "ktest", .driver = true },
    { .name = "libc" },
    { .name = "echo-client", .uses = ECHO },
    { .name = "echo-server", .daemon = true, .serves = ECHO },
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

/* Driver module m gets the interrupt controller and the console UART's
 * registers: I/O ports or its page, whichever the kernel says it has
 * (KEEL_DRIVER_UART_VA). */
static uint32_t give_uart(struct keel_utcb *u, struct module *m, uint32_t factory)
{
    uint32_t e = give(u, m, KEEL_SLOT_IRQ_CONTROL, KEEL_RIGHTS_ALL, CHILD_SLOT_IRQ_CONTROL);
    if (e || (e = keel_invoke(u, KEEL_SLOT_IRQ_CONTROL, KEEL_IRQCTL_CONSOLE, 0, 0, 0, 0)))
        return e;
    uintptr_t kind = u->mr[0], base = u->mr[1];
    if (kind == KEEL_UART_16550_PIO)
        return keel_invoke(u, m->task, KEEL_TASK_IO_PORTS, base, UART_REGS_PORTS, 0, 0);
    if (kind == KEEL_UART_16550_MMIO || kind == KEEL_UART_PL011)
        return keel_invoke(u, m->task, KEEL_TASK_MAP_DEVICE, KEEL_DRIVER_UART_VA,
                           base & ~(uintptr_t)4095, factory, 0);
    return KEEL_OK; /* no UART a user driver can drive: the controller alone */
}

/* Start module m from its ELF image; gate is what it gets in
 * CHILD_SLOT_SERVICE (KEEL_CAP_OPEN: nothing). */
static uint32_t start(struct keel_utcb *u, struct module *m, uint32_t index, uint32_t gate)
{
    const void *elf;
    size_t size;
    uint32_t e, factory = KEEL_CAP_OPEN, handler = KEEL_CAP_OPEN;
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
        (gate != KEEL_CAP_OPEN &&
         (e = give(u, m, gate, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT, CHILD_SLOT_SERVICE))) ||
        (m->driver && (e = give_uart(u, m, factory))))
        return e;
    e = keel_thread_start(u, m->thread, factory, entry, KEEL_MAIN_STACK_TOP, KEEL_MAIN_UTCB,
                          MODULE_PRIO, handler);
    m->running = !e;
    return e;
}

static void init_services(void)
{
    for (uint32_t s = 0; s < SERVICES; s++)
        services[s] = KEEL_CAP_OPEN;
}

/* The gate made for the service m uses, if its server has started. */
static bool service_gate(const struct module *m, uint32_t *gate)
{
    if (m->uses <= NONE || m->uses >= SERVICES || services[m->uses] == KEEL_CAP_OPEN)
        return false;
    *gate = services[m->uses];
    return true;
}

/* Start script[i] and, for a server, make the gate of its service; 1 and a
 * message if that fails (a task half set up is destroyed again). */
static int launch(struct keel_utcb *u, uint32_t i)
{
    struct module *m = &script[i];
    uint32_t gate = KEEL_CAP_OPEN, e;
    if (m->serves >= SERVICES || m->uses >= SERVICES) {
        keel_printf("root: %s: no such service in root's table: not started\n", m->name);
        return 1;
    }
    if (m->uses != NONE && !service_gate(m, &gate)) {
        keel_printf("root: %s needs the %s service, but no module provides it: "
                    "not started\n", m->name, service_names[m->uses]);
        return 1;
    }
    m->task = m->thread = KEEL_CAP_OPEN;
    e = start(u, m, i, gate);
    if (!e && m->serves != NONE) {
        uint32_t made = KEEL_CAP_OPEN;
        e = keel_gate_create(u, KEEL_SLOT_FACTORY, m->thread, 0x9090 + m->serves, &made);
        if (!e)
            services[m->serves] = made;
    }
    if (e) {
        keel_printf("root: starting %s FAILED: error %u\n", m->name, e);
        if (m->task != KEEL_CAP_OPEN)
            keel_invoke(u, m->task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
        m->running = false;
        return 1;
    }
    keel_printf("root: started %s\n", m->name);
    return 0;
}

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static struct module *find_module(const char *name)
{
    for (uint32_t i = 0; i < MODULES; i++)
        if (same(script[i].name, name))
            return &script[i];
    return NULL;
}

/* Mark the modules the boot image holds; every other file in it (but root
 * itself) is a problem, named. */
static int scan_boot_image(void)
{
    int unknown = 0;
    size_t pos = 0, size;
    const char *name;
    const void *data;
    while (keel_boot_module_next(&pos, &name, &data, &size) == KEEL_OK) {
        struct module *m = find_module(name);
        if (m)
            m->present = true;
        else if (!same(name, "root")) {
            keel_printf("root: the boot image holds \"%s\", which is no module root "
                        "knows\n", name);
            unknown++;
        }
    }
    return unknown;
}

/* Start every module present, servers first; returns the failures. */
static int start_all(struct keel_utcb *u)
{
    int bad = 0, started = 0;
    init_services();
    for (int servers = 1; servers >= 0; servers--) {
        for (uint32_t i = 0; i < MODULES; i++) {
            if (script[i].present && (script[i].serves != NONE) == servers) {
                bad += launch(u, i);
                started += script[i].running;
            }
        }
    }
    if (!started) {
        keel_printf("root: started no module: the boot image holds none that root can "
                    "start\n");
        bad++;
    }
    return bad;
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
    bad += scan_boot_image();
    bad += start_all(u);
    bad += supervise(u);
    keel_printf("root: all modules ended, %d problem(s)\n", bad);
    keel_debug_poweroff(bad ? 1 : 0);
    return 1; /* only reached if power-off was refused */
}
