/*
 * The root task: the first component, holding every capability the kernel
 * hands out at boot.  It reads the system description (the file system.desc
 * in the boot image, docs/system.md) and starts the programs it names, each
 * in its own task with its own quota, priority and the capabilities its line
 * names, servers before their clients.  It supervises them: it is their
 * exception handler, so it hears when one exits or faults, reports it,
 * restarts it if its line says so, and destroys the task.  It is also the
 * pager of every program's threads (the first one's handler is root's; the
 * program gives the others the gate in its slot KEEL_PROGRAM_PAGER): it owns
 * all free memory (only the root task may ask the kernel for fresh pages, as
 * L4's sigma0) and answers a fault in a program's memory region
 * (keel/system.h) with a map item of a zeroed page of its own, the largest
 * that fits there (serve_fault).  When every
 * program that is not a daemon has ended it powers the machine off with the
 * verdict.
 *
 * The verdict is PASS only if what the description asks ran: a description
 * that cannot be read, names a program the boot image lacks, a service no
 * program serves, or is malformed is refused, each problem named with its
 * line, and then root starts nothing at all.  Root names no program itself.
 */
#include <keel/irq.h>
#include <keel/keel.h>
#include <keel/names.h>
#include <keel/system.h>

#define DESC_FILE "system.desc"
#define DEFAULT_QUOTA 4096          /* pages: 16 MiB of kernel and user memory */
#define QUOTA_MIN 64
#define QUOTA_MAX (1u << 20)
#define DEFAULT_PRIO 100
#define PRIO_MAX 199                /* below root's own (200) */
#define RESTARTS_MAX 100
#define GIVEN_MAX 8                 /* capabilities one line may name */
#define SLOT_MAX 63                 /* a program's table has 64 slots */
#define SERVICES_MAX KEEL_SYSTEM_PROGRAMS
#define NAME_SIZE (KEEL_SYSTEM_NAME_MAX + 1)
#define UART_REGS_PORTS 8           /* a 16550's registers on I/O ports */
#define REGISTER_WAIT_US 1000000    /* root waits this long for the name server */
/* Label of the gate root gives program i in its slot KEEL_PROGRAM_PAGER, for
 * the threads it starts (its first thread's handler gate has label i). */
#define PAGER_LABEL(i) (0x100u + (uint32_t)(i))
#define LARGE_OFF (KEEL_MEMORY_LARGE - KEEL_MEMORY_BASE)
#define LARGE_BLOCKS ((KEEL_MEMORY_SIZE - LARGE_OFF) >> 21)  /* 2 MiB blocks there */
#define HUGE_OFF (KEEL_MEMORY_HUGE - KEEL_MEMORY_BASE)
#define GIB ((uintptr_t)1 << 30)

_Static_assert(KEEL_SYSTEM_PROGRAMS == 12, "parse_line's message says 12");

enum given_kind { GIVE_SERVICE, GIVE_IRQ_CONTROL, GIVE_THREAD };

struct given {
    enum given_kind kind;
    uint32_t service;       /* GIVE_SERVICE: index in services[]; GIVE_THREAD: in progs[] */
    uint32_t slot;          /* in the program's table; 0 until placed */
};

struct program {
    char name[NAME_SIZE];
    uint32_t line;
    bool daemon;            /* a server: ended by root once the others are done */
    bool badges;            /* its clients' copies of its gate carry their line as badge */
    bool uart;              /* gets the console UART's registers */
    bool memory;            /* its factory may pay for fresh memory (MAP_ANON) */
    bool registers;         /* root registers its service's gate in the name server */
    char file[NAME_SIZE];   /* a boot-image file mapped at KEEL_FILE_BASE ("": none) */
    int serves;             /* index in services[], or -1 */
    uint32_t restarts, restarted;
    uint32_t quota, prio;
    struct given given[GIVEN_MAX];
    uint32_t ngiven;
    bool running, done;
    uint32_t task, thread, factory, handler; /* root's slots for them */
    uint32_t faults, large, top_order;  /* this run's faults served (KEEL_PAGER_STATS) */
    uint64_t held[LARGE_BLOCKS / 64];   /* 2 MiB blocks of its large part root's pool has whole */
    bool huge_held;         /* root's pool has its huge part (KEEL_MEMORY_HUGE) as one 1 GiB page */
};

struct service {
    char name[NAME_SIZE];
    uint32_t line;          /* where a program serves it, or first used */
    int server;             /* program index, or -1 */
    uint32_t gate;          /* root's slot of its gate; KEEL_CAP_OPEN until started */
};

static struct program progs[KEEL_SYSTEM_PROGRAMS];
static uint32_t nprogs;
static struct service services[SERVICES_MAX];
static uint32_t nservices;
static int desc_errors;

/* ---- strings ---- */

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Does the token [s, s + n) equal the string w? */
static bool token_is(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if (s[i] != w[i])
            return false;
    return i == n && !w[i];
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
}

/* ---- reading the description ---- */

static void desc_error(uint32_t line, const char *what, const char *s, size_t n)
{
    if (line)
        keel_printf("root: " DESC_FILE ":%u: %s", line, what);
    else
        keel_printf("root: " DESC_FILE ": %s", what);
    if (s) {
        char quoted[64];    /* the formatter has no %.*s */
        size_t i = 0;
        for (; i < n && i < sizeof(quoted) - 1 && s[i]; i++)
            quoted[i] = s[i];
        quoted[i] = 0;
        keel_printf(" \"%s\"", quoted);
    }
    keel_printf("\n");
    desc_errors++;
}

/* Copy the name [s, s + n) into out; false (and an error) if it is not one. */
static bool take_name(uint32_t line, const char *what, const char *s, size_t n, char *out)
{
    if (n == 0 || n > KEEL_SYSTEM_NAME_MAX) {
        desc_error(line, n ? "name too long (at most 31 characters):" : what, s, n);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!name_char(s[i])) {
            desc_error(line, "not a name (letters, digits, '-', '_', '.'):", s, n);
            return false;
        }
        out[i] = s[i];
    }
    out[n] = 0;
    return true;
}

/* A decimal number in [lo, hi]; false (and an error naming key) if not. */
static bool take_number(uint32_t line, const char *key, const char *s, size_t n, uint32_t lo,
                        uint32_t hi, uint32_t *out)
{
    uint64_t v = 0;
    bool ok = n > 0 && n <= 10;
    for (size_t i = 0; ok && i < n; i++) {
        ok = s[i] >= '0' && s[i] <= '9';
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!ok || v < lo || v > hi) {
        char msg[96];
        keel_snprintf(msg, sizeof(msg), "%s wants a number from %u to %u, not", key, lo, hi);
        desc_error(line, msg, s, n);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* The service called [s, s + n), added if new. */
static int service_named(uint32_t line, const char *s, size_t n)
{
    char name[NAME_SIZE];
    if (!take_name(line, "a service needs a name", s, n, name))
        return -1;
    for (uint32_t i = 0; i < nservices; i++)
        if (same(services[i].name, name))
            return (int)i;
    if (nservices == SERVICES_MAX) {
        desc_error(line, "too many services (one per program at most):", s, n);
        return -1;
    }
    struct service *sv = &services[nservices];
    for (uint32_t i = 0; i < NAME_SIZE; i++)
        sv->name[i] = name[i];
    sv->line = line;
    sv->server = -1;
    sv->gate = KEEL_CAP_OPEN;
    return (int)nservices++;
}

/* Split "value@slot": the value's length, and the slot (0: none given). */
static bool split_slot(uint32_t line, const char *v, size_t n, size_t *vn, uint32_t *slot)
{
    *vn = n;
    *slot = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '@') {
            *vn = i;
            return take_number(line, "a slot", v + i + 1, n - i - 1, KEEL_SLOT_GIVEN, SLOT_MAX,
                               slot);
        }
    }
    return true;
}

static void add_given(struct program *p, enum given_kind kind, uint32_t service, uint32_t slot,
                      const char *s, size_t n)
{
    if (p->ngiven == GIVEN_MAX) {
        desc_error(p->line, "too many capabilities on one line (at most 8):", s, n);
        return;
    }
    p->given[p->ngiven++] = (struct given){ kind, service, slot };
}

/* cap=thread:NAME: the first thread of the program NAME, named on an
 * earlier line (for fault-injection tests: the holder may stop it and make
 * it fault, KEEL_THREAD_STOP, KEEL_THREAD_SET_REGS). */
static void give_thread_of(struct program *p, const char *v, size_t n, uint32_t slot,
                           const char *s, size_t sn)
{
    char name[NAME_SIZE];
    if (!take_name(p->line, "cap=thread: needs a program's name", v, n, name))
        return;
    for (uint32_t i = 0; i < nprogs; i++) {
        if (same(progs[i].name, name) && &progs[i] != p) {
            add_given(p, GIVE_THREAD, i, slot, s, sn);
            return;
        }
    }
    desc_error(p->line, "cap=thread: names no program on an earlier line:", v, n);
}

/* One option of program p: key or key=value. */
static void option(struct program *p, const char *s, size_t n)
{
    size_t kn = 0;
    while (kn < n && s[kn] != '=')
        kn++;
    const char *v = s + kn + 1;
    size_t vn = kn < n ? n - kn - 1 : 0;
    bool has_value = kn < n;
    uint32_t slot;
    if (token_is(s, kn, "src") || (token_is(s, kn, "libc") && !has_value)) {
        return;                 /* the build's: the program's sources, its C library */
    } else if (token_is(s, kn, "daemon") && !has_value) {
        p->daemon = true;
    } else if (token_is(s, kn, "badges") && !has_value) {
        p->badges = true;
    } else if (token_is(s, kn, "memory") && !has_value) {
        p->memory = true;
    } else if (token_is(s, kn, "register") && !has_value) {
        p->registers = true;
    } else if (token_is(s, kn, "restart")) {
        if (!has_value)
            p->restarts = 1;
        else
            take_number(p->line, "restart", v, vn, 0, RESTARTS_MAX, &p->restarts);
    } else if (token_is(s, kn, "quota") && has_value) {
        take_number(p->line, "quota", v, vn, QUOTA_MIN, QUOTA_MAX, &p->quota);
    } else if (token_is(s, kn, "prio") && has_value) {
        take_number(p->line, "prio", v, vn, 1, PRIO_MAX, &p->prio);
    } else if (token_is(s, kn, "serves") && has_value) {
        int sv = service_named(p->line, v, vn);
        if (sv < 0)
            return;
        if (p->serves >= 0) {
            desc_error(p->line, "a program serves one service; a second:", v, vn);
        } else if (services[sv].server >= 0) {
            char msg[96];
            keel_snprintf(msg, sizeof(msg), "service already served by %s (line %u):",
                          progs[services[sv].server].name, progs[services[sv].server].line);
            desc_error(p->line, msg, v, vn);
        } else {
            p->serves = sv;
            services[sv].server = (int)(p - progs);
            services[sv].line = p->line;
        }
    } else if (token_is(s, kn, "uses") && has_value) {
        size_t nn;
        if (!split_slot(p->line, v, vn, &nn, &slot))
            return;
        int sv = service_named(p->line, v, nn);
        if (sv >= 0)
            add_given(p, GIVE_SERVICE, (uint32_t)sv, slot, s, n);
    } else if (token_is(s, kn, "cap") && has_value) {
        size_t nn;
        if (!split_slot(p->line, v, vn, &nn, &slot))
            return;
        if (token_is(v, nn, "irq-control"))
            add_given(p, GIVE_IRQ_CONTROL, 0, slot, s, n);
        else if (nn > 7 && token_is(v, 7, "thread:"))
            give_thread_of(p, v + 7, nn - 7, slot, s, n);
        else
            desc_error(p->line, "no such capability (root hands out: irq-control, "
                       "thread:PROGRAM):", v, nn);
    } else if (token_is(s, kn, "file") && has_value) {
        if (p->file[0])
            desc_error(p->line, "a program maps one file; a second:", v, vn);
        else
            take_name(p->line, "a file needs a name", v, vn, p->file);
    } else if (token_is(s, kn, "device") && has_value) {
        if (token_is(v, vn, "console-uart"))
            p->uart = true;
        else
            desc_error(p->line, "no such device (root hands out: console-uart):", v, vn);
    } else {
        desc_error(p->line, "unknown option (or a missing or extra =value):", s, n);
    }
}

/* One line: a program and its options. */
static void parse_line(uint32_t line, const char *s, size_t n)
{
    size_t i = 0;
    struct program *p = NULL;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            i++;
        if (i == start)
            break;
        if (p) {
            option(p, s + start, i - start);
            continue;
        }
        if (nprogs == KEEL_SYSTEM_PROGRAMS) {
            desc_error(line, "too many programs (at most 12):", s + start, i - start);
            return;
        }
        p = &progs[nprogs];
        *p = (struct program){ .line = line, .serves = -1, .quota = DEFAULT_QUOTA,
                               .prio = DEFAULT_PRIO, .task = KEEL_CAP_OPEN,
                               .thread = KEEL_CAP_OPEN, .factory = KEEL_CAP_OPEN,
                               .handler = KEEL_CAP_OPEN };
        if (!take_name(line, "a program needs a name", s + start, i - start, p->name))
            return;
        for (uint32_t k = 0; k < nprogs; k++) {
            if (same(progs[k].name, p->name)) {
                char msg[96];
                keel_snprintf(msg, sizeof(msg), "program named twice (first on line %u):",
                              progs[k].line);
                desc_error(line, msg, p->name, sizeof(p->name) - 1);
                return;
            }
        }
        nprogs++;
    }
}

static void parse(const char *text, size_t size)
{
    uint32_t line = 1;
    for (size_t i = 0; i < size; line++) {
        size_t start = i, end;
        while (i < size && text[i] != '\n')
            i++;
        end = i++;
        for (size_t k = start; k < end; k++) {
            if (text[k] == '#') {
                end = k;
                break;
            }
            if (text[k] == 0 || (unsigned char)text[k] >= 0x7f ||
                ((unsigned char)text[k] < ' ' && text[k] != '\t' && text[k] != '\r')) {
                desc_error(line, "not text: a control or non-ASCII byte", NULL, 0);
                end = start;
                break;
            }
        }
        parse_line(line, text + start, end - start);
    }
}

/* Place each program's capabilities in its slots: the ones given a slot
 * there, the others from KEEL_SLOT_GIVEN on in order. */
static void place_slots(struct program *p)
{
    uint64_t taken = 1ull << KEEL_PROGRAM_PAGER;
    for (uint32_t i = 0; i < p->ngiven; i++) {
        uint32_t s = p->given[i].slot;
        if (!s)
            continue;
        if (s == KEEL_PROGRAM_PAGER) {
            desc_error(p->line, "slot 54 is the pager's (KEEL_PROGRAM_PAGER), not free in",
                       p->name, sizeof(p->name) - 1);
        } else if (taken & (1ull << s)) {
            char msg[64];
            keel_snprintf(msg, sizeof(msg), "slot %u named twice in", s);
            desc_error(p->line, msg, p->name, sizeof(p->name) - 1);
        }
        taken |= 1ull << s;
    }
    uint32_t next = KEEL_SLOT_GIVEN;
    for (uint32_t i = 0; i < p->ngiven; i++) {
        if (p->given[i].slot)
            continue;
        while (taken & (1ull << next))
            next++;
        p->given[i].slot = next;
        taken |= 1ull << next;
    }
}

/* The service index of the name server (the service named
 * KEEL_NAMES_SERVICE), or -1. */
static int names_service(void)
{
    for (uint32_t i = 0; i < nservices; i++)
        if (same(services[i].name, KEEL_NAMES_SERVICE))
            return (int)i;
    return -1;
}

/* p's slot of the name server (its line's uses=names), or KEEL_CAP_OPEN. */
static uint32_t names_slot(const struct program *p)
{
    int ns = names_service();
    for (uint32_t g = 0; ns >= 0 && g < p->ngiven; g++)
        if (p->given[g].kind == GIVE_SERVICE && (int)p->given[g].service == ns)
            return p->given[g].slot;
    return KEEL_CAP_OPEN;
}

/* What the whole description must satisfy: every service used has a
 * server, every program is in the boot image, every file in the boot
 * image is named. */
static void check_description(void)
{
    for (uint32_t i = 0; i < nprogs; i++) {
        struct program *p = &progs[i];
        const void *data;
        size_t size;
        for (uint32_t g = 0; g < p->ngiven; g++) {
            struct given *gv = &p->given[g];
            if (gv->kind == GIVE_SERVICE && services[gv->service].server < 0) {
                desc_error(p->line, "uses a service no program serves:",
                           services[gv->service].name, sizeof(services[0].name) - 1);
            } else if (gv->kind == GIVE_SERVICE && services[gv->service].server == (int)i) {
                desc_error(p->line, "a program cannot use its own service:",
                           services[gv->service].name, sizeof(services[0].name) - 1);
            }
        }
        place_slots(p);
        if (p->registers && (p->serves < 0 || names_slot(p) == KEEL_CAP_OPEN))
            desc_error(p->line, "register needs serves= and uses=" KEEL_NAMES_SERVICE " on its "
                       "line:", p->name, sizeof(p->name) - 1);
        if (keel_boot_module(p->name, &data, &size) != KEEL_OK)
            desc_error(p->line, "no such program in the boot image:", p->name,
                       sizeof(p->name) - 1);
        if (p->file[0] && (keel_boot_module(p->file, &data, &size) != KEEL_OK ||
                           size > KEEL_FILE_MAX))
            desc_error(p->line, "no such file in the boot image (or over 1 GiB):", p->file,
                       sizeof(p->file) - 1);
    }
    size_t pos = 0, size;
    const char *name;
    const void *data;
    while (keel_boot_module_next(&pos, &name, &data, &size) == KEEL_OK) {
        bool known = same(name, "root") || same(name, DESC_FILE);
        for (uint32_t i = 0; !known && i < nprogs; i++)
            known = same(progs[i].name, name) || same(progs[i].file, name);
        if (!known) {
            keel_printf("root: the boot image holds \"%s\", which " DESC_FILE
                        " does not name\n", name);
            desc_errors++;
        }
    }
    if (!nprogs && !desc_errors) {
        keel_printf("root: " DESC_FILE " names no program: nothing to run\n");
        desc_errors++;
    }
}

static void read_description(void)
{
    const void *text;
    size_t size;
    if (keel_boot_module(DESC_FILE, &text, &size) != KEEL_OK) {
        keel_printf("root: the boot image holds no " DESC_FILE ": no program to start\n");
        desc_errors++;
        return;
    }
    parse(text, size);
    check_description();
}

/* ---- starting programs ---- */

/* Root owns the device regions the kernel lists as root's from boot: the
 * first page of each is mapped in its window already (a MAP_ANON there is
 * refused, KEEL_E_INVALID: taken); of the ones the kernel drives, nothing
 * is; the list ends with KEEL_E_INVALID. */
static int check_devices(struct keel_utcb *u)
{
    int bad = 0;
    uint32_t i = 0, owned = 0, kept = 0, e;
    for (; !(e = keel_invoke(u, KEEL_SLOT_IRQ_CONTROL, KEEL_IRQCTL_DEVICE, i, 0, 0, 0)); i++) {
        uintptr_t base = u->mr[0], size = u->mr[1], holder = u->mr[2];
        if (holder == KEEL_DEVICE_ROOT) {
            owned++;
            bad += keel_map_anon(u, KEEL_SLOT_SELF_TASK, KEEL_SLOT_FACTORY,
                                 (uintptr_t)KEEL_ROOT_DEVICE_VA(base), 1, KEEL_MAP_R) !=
                   KEEL_E_INVALID;
        } else {
            /* Not ours: nothing is mapped there (the page MAP_ANON puts
             * there instead is RAM, never used). */
            kept++;
            bad += holder != KEEL_DEVICE_KERNEL ||
                   keel_map_anon(u, KEEL_SLOT_SELF_TASK, KEEL_SLOT_FACTORY,
                                 (uintptr_t)KEEL_ROOT_DEVICE_VA(base), 1, KEEL_MAP_R) != KEEL_OK;
        }
        bad += !size || (base | size) % 4096;
    }
    bad += e != KEEL_E_INVALID;
    keel_printf("root: device memory: %u region(s) mine from boot, %u the kernel's\n", owned,
                kept);
    return bad;
}

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
    /* Retired: device memory is ours from boot (check_devices), mapped on by IPC. */
    bad += keel_invoke(u, KEEL_SLOT_SELF_TASK, KEEL_TASK_MAP_DEVICE, KEEL_DRIVER_UART_VA, 0,
                       KEEL_SLOT_FACTORY, 0) != KEEL_E_NOSYS;
    return bad + check_devices(u);
}

static void drop(struct keel_utcb *u, uint32_t *slot);

static uint32_t give(struct keel_utcb *u, struct program *p, uint32_t cap, uint32_t rights,
                     uint32_t slot)
{
    return keel_invoke(u, p->task, KEEL_TASK_GIVE_CAP, cap, rights, slot, 0);
}

/* The console UART's page in root's device window (owned from boot), or 0
 * if the UART is not memory-mapped. */
static uintptr_t uart_page(struct keel_utcb *u)
{
    if (keel_invoke(u, KEEL_SLOT_IRQ_CONTROL, KEEL_IRQCTL_CONSOLE, 0, 0, 0, 0) ||
        (u->mr[0] != KEEL_UART_16550_MMIO && u->mr[0] != KEEL_UART_PL011))
        return 0;
    return (uintptr_t)KEEL_ROOT_DEVICE_VA(u->mr[1] & ~(uintptr_t)4095);
}

/* The console UART's registers for p: its I/O ports now, where the kernel
 * says it has them; a memory-mapped UART's page is served on p's first
 * touch of KEEL_DRIVER_UART_VA, by a map item from root's device window
 * (serve_fault), as its memory. */
static uint32_t give_uart(struct keel_utcb *u, struct program *p)
{
    uint32_t e = keel_invoke(u, KEEL_SLOT_IRQ_CONTROL, KEEL_IRQCTL_CONSOLE, 0, 0, 0, 0);
    if (e)
        return e;
    if (u->mr[0] == KEEL_UART_16550_PIO)
        return keel_invoke(u, p->task, KEEL_TASK_IO_PORTS, u->mr[1], UART_REGS_PORTS, 0, 0);
    return KEEL_OK;
}

/* The gate p's other threads take as handler (KEEL_PROGRAM_PAGER): to us,
 * with a label of its own, so that one of them ending is not p's exit.  p's
 * factory pays; we keep no copy (the gate goes with p's task). */
static uint32_t give_pager(struct keel_utcb *u, struct program *p)
{
    uint32_t gate = KEEL_CAP_OPEN;
    uint32_t e = keel_gate_create(u, p->factory, KEEL_SLOT_SELF_THREAD, PAGER_LABEL(p - progs),
                                  &gate);
    if (!e)
        e = give(u, p, gate, KEEL_RIGHT_SEND, KEEL_PROGRAM_PAGER);
    drop(u, &gate);
    return e;
}

/* One capability of p's line, into its slot. */
static uint32_t give_one(struct keel_utcb *u, struct program *p, const struct given *g)
{
    uint32_t slot = g->slot;
    if (g->kind == GIVE_IRQ_CONTROL)
        return give(u, p, KEEL_SLOT_IRQ_CONTROL, KEEL_RIGHTS_ALL, slot);
    if (g->kind == GIVE_THREAD)
        return give(u, p, progs[g->service].thread, KEEL_RIGHTS_ALL, slot);
    struct service *sv = &services[g->service];
    uint64_t badge = progs[sv->server].badges ? p->line : 0;
    return keel_cap_mint(u, p->task, sv->gate, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT, badge,
                         &slot);
}

/* The capabilities p's line names, into its slots. */
static uint32_t give_named(struct keel_utcb *u, struct program *p)
{
    uint32_t e = KEEL_OK;
    for (uint32_t i = 0; !e && i < p->ngiven; i++)
        e = give_one(u, p, &p->given[i]);
    return e;
}

/* p's line says register: register the gate of its service under the
 * service's name in the name server, as p (a copy of the name server's gate
 * with p's badge, so p may replace or remove the entry itself).  Done when
 * p starts and again when the name server restarts: a restarted name server
 * starts empty, and root knows these registrations from the description. */
static void register_service(struct keel_utcb *u, const struct program *p)
{
    int ns = names_service();
    if (!p->registers || ns < 0 || services[ns].gate == KEEL_CAP_OPEN || !p->running)
        return;
    uint32_t slot = KEEL_CAP_OPEN;
    uint64_t badge = progs[services[ns].server].badges ? p->line : 0;
    const struct service *sv = &services[p->serves];
    uint32_t e = keel_cap_mint(u, KEEL_SLOT_SELF_TASK, services[ns].gate, KEEL_RIGHT_SEND |
                               KEEL_RIGHT_GRANT, badge, &slot);
    if (!e && !keel_names_put(u, sv->name))
        e = KEEL_E_INVALID;
    if (!e) {
        keel_cap_item(u, 0, sv->gate, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT);
        e = keel_client_call(u, slot, KEEL_NAMES_REGISTER, KEEL_NAMES_WORDS, 1,
                             REGISTER_WAIT_US);
    }
    drop(u, &slot);
    if (e)
        keel_printf("root: %s: cannot register \"%s\" in the name server: error %u\n",
                    p->name, sv->name, e);
    else
        keel_printf("root: registered %s's gate as \"%s\" in the name server\n", p->name,
                    sv->name);
}

/* p was restarted: every running program whose line names p's service (or
 * p's thread) finds the new one in the same slot, in place of the dead
 * one's, so its next call reaches the restarted server. */
static void refresh_users(struct keel_utcb *u, const struct program *p)
{
    uint32_t index = (uint32_t)(p - progs);
    for (uint32_t i = 0; i < nprogs; i++) {
        struct program *q = &progs[i];
        for (uint32_t g = 0; q->running && q != p && g < q->ngiven; g++) {
            const struct given *gv = &q->given[g];
            if ((gv->kind == GIVE_SERVICE && (int)gv->service == p->serves) ||
                (gv->kind == GIVE_THREAD && gv->service == index)) {
                keel_invoke(u, q->task, KEEL_TASK_DELETE_CAP, gv->slot, 0, 0, 0);
                if (give_one(u, q, gv))
                    keel_printf("root: %s: no new capability for slot %u\n", q->name,
                                gv->slot);
            }
        }
    }
}

static void drop(struct keel_utcb *u, uint32_t *slot)
{
    if (*slot != KEEL_CAP_OPEN)
        keel_invoke(u, KEEL_SLOT_SELF_TASK, KEEL_TASK_DELETE_CAP, *slot, 0, 0, 0);
    *slot = KEEL_CAP_OPEN;
}

static void take_back(struct keel_utcb *u, const struct program *p);

/* Destroy p's task and forget root's capabilities to it. */
static void finish(struct keel_utcb *u, struct program *p)
{
    if (p->task != KEEL_CAP_OPEN)
        keel_invoke(u, p->task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(u, &p->task);
    drop(u, &p->thread);
    drop(u, &p->factory);
    p->running = false;
}

/* Start p from its ELF image, and for a server make its service's gate. */
static uint32_t start(struct keel_utcb *u, struct program *p)
{
    const void *elf;
    size_t size;
    uint32_t e, index = (uint32_t)(p - progs);
    uintptr_t entry;
    if ((e = keel_boot_module(p->name, &elf, &size)))
        return e;
    /* The program's own factory pays for its kernel objects (task, thread,
     * UTCB) and for the page tables and mapping records of the memory it
     * receives; the memory itself is root's: its image and stack are drawn
     * from root's all-memory factory, its other pages come by IPC
     * (serve_fault). */
    if ((e = keel_invoke(u, KEEL_SLOT_FACTORY, KEEL_FACTORY_FACTORY, p->quota, KEEL_CAP_OPEN,
                         p->memory ? 0 : KEEL_FACTORY_NO_MEMORY, 0)) ||
        (p->factory = (uint32_t)u->mr[0], false) ||
        (e = keel_task_create(u, p->factory, &p->task)) ||
        (e = keel_thread_create(u, p->factory, p->task, &p->thread)) ||
        (p->handler == KEEL_CAP_OPEN &&
         (e = keel_gate_create(u, KEEL_SLOT_FACTORY, KEEL_SLOT_SELF_THREAD, index, &p->handler))))
        return e;
    if ((e = keel_task_load_elf(u, p->task, KEEL_SLOT_FACTORY, elf, size, &entry)) ||
        (e = keel_map_anon(u, p->task, KEEL_SLOT_FACTORY,
                           KEEL_MAIN_STACK_TOP - KEEL_MAIN_STACK_PAGES * 4096,
                           KEEL_MAIN_STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W)) ||
        (e = give(u, p, p->task, KEEL_RIGHTS_ALL, KEEL_PROGRAM_TASK)) ||
        (e = give(u, p, p->thread, KEEL_RIGHTS_ALL, KEEL_PROGRAM_THREAD)) ||
        (e = give(u, p, p->factory, KEEL_RIGHTS_ALL, KEEL_PROGRAM_FACTORY)) ||
        (e = give_pager(u, p)) || (e = give_named(u, p)) || (p->uart && (e = give_uart(u, p))))
        return e;
    if (p->serves >= 0) {
        /* A restarted server gets a new gate: the old one died with it. */
        struct service *sv = &services[p->serves];
        drop(u, &sv->gate);
        if ((e = keel_gate_create(u, KEEL_SLOT_FACTORY, p->thread,
                                  KEEL_SERVICE_LABEL(p->serves + 1), &sv->gate)))
            return e;
    }
    p->faults = p->large = p->top_order = 0;
    e = keel_thread_start(u, p->thread, p->factory, entry, KEEL_MAIN_STACK_TOP, KEEL_MAIN_UTCB,
                          (uint8_t)p->prio, p->handler);
    p->running = !e;
    if (!e && p->restarted)
        refresh_users(u, p);
    if (!e && p->serves >= 0 && p->serves == names_service() && p->restarted) {
        for (uint32_t i = 0; i < nprogs; i++)
            register_service(u, &progs[i]);
    } else if (!e) {
        register_service(u, p);
    }
    return e;
}

/* Start p; 1 and a message if that fails (a task half set up is
 * destroyed again). */
static int launch(struct keel_utcb *u, struct program *p)
{
    uint32_t e = start(u, p);
    if (e) {
        keel_printf("root: starting %s FAILED: error %u\n", p->name, e);
        finish(u, p);
        p->done = true;
        return 1;
    }
    keel_printf("root: started %s\n", p->name);
    return 0;
}

/* Are the services p uses all served, and the programs whose thread it
 * gets all started? */
static bool ready(const struct program *p)
{
    for (uint32_t g = 0; g < p->ngiven; g++) {
        const struct given *gv = &p->given[g];
        if (gv->kind == GIVE_SERVICE && services[gv->service].gate == KEEL_CAP_OPEN)
            return false;
        if (gv->kind == GIVE_THREAD && progs[gv->service].thread == KEEL_CAP_OPEN)
            return false;
    }
    return true;
}

/* Start every program, each once the services it uses are served; returns
 * the failures (a cycle of programs waiting for each other is one). */
static int start_all(struct keel_utcb *u)
{
    int bad = 0;
    bool progress = true, started[KEEL_SYSTEM_PROGRAMS] = { false };
    while (progress) {
        progress = false;
        for (uint32_t i = 0; i < nprogs; i++) {
            if (!started[i] && ready(&progs[i])) {
                started[i] = progress = true;
                bad += launch(u, &progs[i]);
            }
        }
    }
    for (uint32_t i = 0; i < nprogs; i++) {
        if (!started[i]) {
            keel_printf("root: " DESC_FILE ":%u: %s waits for a service whose server waits "
                        "too (a cycle of uses=): not started\n", progs[i].line, progs[i].name);
            progs[i].done = true;
            bad++;
        }
    }
    return bad;
}

/* ---- supervision ---- */

static bool others_running(void)
{
    for (uint32_t i = 0; i < nprogs; i++)
        if (progs[i].running && !progs[i].daemon)
            return true;
    return false;
}

/* Pages left in root's own quota. */
static uintptr_t root_quota(struct keel_utcb *u)
{
    return keel_invoke(u, KEEL_SLOT_FACTORY, KEEL_FACTORY_QUOTA, 0, 0, 0, 0) ? 0 : u->mr[0];
}

/* p faulted or exited; 1 if that counts against the verdict. */
static int ended(struct keel_utcb *u, struct program *p, bool exited, uintptr_t status)
{
    if (exited) {
        keel_printf("root: %s exited with status %d\n", p->name, (int)status);
        finish(u, p);
        p->done = true;
        return status != 0;
    }
    keel_printf("root: %s: exception %u at ip 0x%lx, address 0x%lx; task destroyed\n", p->name,
                (unsigned)u->mr[KEEL_EXC_KIND], (unsigned long)u->mr[KEEL_EXC_IP],
                (unsigned long)u->mr[KEEL_EXC_ADDR]);
    uintptr_t before = root_quota(u);
    take_back(u, p);
    finish(u, p);
    if (p->restarted < p->restarts) {
        /* The dead one's factory went with root's last capability to it:
         * its quota and every page it paid for are root's again. */
        uintptr_t back = root_quota(u) - before;
        p->restarted++;
        keel_printf("root: restarting %s (restart %u of %u): %lu pages back from the dead "
                    "one, a fresh quota of %u\n", p->name, p->restarted, p->restarts,
                    (unsigned long)back, p->quota);
        if (back < p->quota) {
            keel_printf("root: %s: FAILED: its quota did not come back\n", p->name);
            return 1 + launch(u, p);
        }
        return launch(u, p);
    }
    p->done = true;
    return 1;
}

/* ---- memory: root is sigma0 and the programs' pager ---- */

/* Root's copy of program i's memory region: pages it maps there (fresh from
 * the kernel the first time, reused by the program's next run) are the ones
 * it maps on into the program. */
#define POOL_BASE ((uintptr_t)0x0000200000000000ull)
#define POOL(i) (POOL_BASE + (uintptr_t)(i) * KEEL_MEMORY_SIZE)

_Static_assert(POOL_BASE >= KEEL_MEMORY_BASE + KEEL_MEMORY_SIZE, "pool above the region");

/* Root's copy of program i's file (file=), page by page as it is touched. */
#define FILE_POOL(i) (POOL(KEEL_SYSTEM_PROGRAMS) + (uintptr_t)(i) * (KEEL_FILE_MAX + 4096))

/* p faulted (and may be restarted): unmap root's copy of its memory region,
 * so every page root delegated to it goes, from it and from every task it
 * mapped or granted the page on to (recursively, in the kernel's bounded
 * steps).  The pages stay root's and are zeroed when they are served again:
 * to a restarted p, which must not share them with a task the dead one
 * granted them to.  A program that exits well keeps its grants alive (a
 * grant gives pages away: samples/guest's VM reads a page after the VM that
 * granted it has exited); its task's destruction takes back only what it
 * still held and what was mapped from that.  A program's file pages are
 * read-only copies and go with its task. */
static void take_back(struct keel_utcb *u, const struct program *p)
{
    uintptr_t gib = (uintptr_t)1 << KEEL_MAP_ORDER_MAX, base = POOL(p - progs);
    for (uintptr_t off = 0; off < KEEL_MEMORY_SIZE; off += gib) {
        uint32_t e = keel_unmap(u, KEEL_SLOT_SELF_TASK, base + off, KEEL_MAP_ORDER_MAX, 0);
        if (e)
            keel_printf("root: %s: taking its memory back failed: error %u\n", p->name, e);
    }
}

/* Is page k of p's file region within the file (page 0: its struct
 * keel_file)?  Its bytes and size then in *data, *size. */
static bool file_has(const struct program *p, uintptr_t k, const char **data, size_t *size)
{
    return !keel_boot_module(p->file, (const void **)data, size) && (!k || (k - 1) * 4096 < *size);
}

/* Fill root's copy of page k of p's file region: its struct keel_file, or
 * its bytes from the boot image, zero-padded. */
static void file_page(const struct program *p, uintptr_t page, uintptr_t k)
{
    const char *data;
    size_t size;
    file_has(p, k, &data, &size);
    char *to = (char *)page;
    for (uint32_t b = 0; b < 4096; b++)
        to[b] = 0;
    if (!k) {
        struct keel_file *f = (struct keel_file *)page;
        f->size = size;
        for (uint32_t c = 0; c < sizeof(f->name) - 1 && p->file[c]; c++)
            f->name[c] = p->file[c];
        return;
    }
    for (size_t b = (k - 1) * 4096; b < size && b < k * 4096; b++)
        to[b - (k - 1) * 4096] = data[b];
}

static void zero(uintptr_t base, uintptr_t bytes)
{
    for (uintptr_t w = 0; w < bytes / sizeof(uintptr_t); w++)
        ((volatile uintptr_t *)base)[w] = 0;
}

/* Whether root's pool has p's huge part (at page) as one 1 GiB page: held
 * from before (zeroed here), or fresh from the kernel now.  The kernel says
 * whether the machine has such pages (KEEL_E_INVALID: no, or part of it is
 * ours already in smaller pages) and whether a free 1 GiB block is left
 * (KEEL_E_QUOTA): then the large part's rule serves the fault. */
static bool huge_page(struct keel_utcb *u, struct program *p, uintptr_t page)
{
    if (p->huge_held) {
        zero(page, GIB);
        return true;
    }
    p->huge_held = !keel_map_anon(u, KEEL_SLOT_SELF_TASK, KEEL_SLOT_FACTORY, page,
                                  (uint32_t)(GIB >> 12), KEEL_MAP_R | KEEL_MAP_W);
    return p->huge_held;
}

/* Root's page of p's memory region for a fault at offset off: the aligned
 * 2 MiB block around it in the large part (KEEL_MEMORY_LARGE) where the ISA
 * has 2 MiB pages and we have the block or can get it whole, else the 4 KiB
 * page.  Fresh from the kernel (zeroed) or ours from before (an earlier run
 * had it, or p gave it back): zeroed here.  Its order, and its address in
 * *page; 0 if we are out of memory. */
static uint32_t memory_page(struct keel_utcb *u, struct program *p, uintptr_t off,
                            uintptr_t *page)
{
    uintptr_t pool = POOL(p - progs), mib = (uintptr_t)1 << 21;
    uint32_t e;
    if (off >= HUGE_OFF && huge_page(u, p, pool + HUGE_OFF)) {
        *page = pool + HUGE_OFF;
        return 30;
    }
    if (off >= LARGE_OFF && ((KEEL_ARCH_PAGE_ORDERS >> 21) & 1)) {
        uintptr_t k = (off - LARGE_OFF) >> 21;
        *page = pool + (off & ~(mib - 1));
        if (p->held[k / 64] & (1ull << (k % 64))) {
            zero(*page, mib);
            return 21;
        }
        /* KEEL_E_INVALID: part of it is ours already (4 KiB pages served
         * when we were short of memory); KEEL_E_QUOTA: short now. */
        e = keel_map_anon(u, KEEL_SLOT_SELF_TASK, KEEL_SLOT_FACTORY, *page,
                          (uint32_t)(mib >> 12), KEEL_MAP_R | KEEL_MAP_W);
        if (!e) {
            p->held[k / 64] |= 1ull << (k % 64);
            return 21;
        }
    }
    *page = pool + (off & ~(uintptr_t)4095);
    e = keel_map_anon(u, KEEL_SLOT_SELF_TASK, KEEL_SLOT_FACTORY, *page, 1,
                      KEEL_MAP_R | KEEL_MAP_W);
    if (e == KEEL_E_INVALID)        /* ours already: zero it */
        zero(*page, 4096);
    else if (e)
        return 0;
    return 12;
}

/* Program i faulted (exception words in u): if in its memory region,
 * answer with a zeroed page there; if in its file, with root's read-only
 * copy of that page of it; and return true. */
static bool serve_fault(struct keel_utcb *u, uint32_t i)
{
    uintptr_t kind = u->mr[KEEL_EXC_KIND], addr = u->mr[KEEL_EXC_ADDR];
    uint32_t rights = KEEL_MAP_R | KEEL_MAP_W, order = 12;
    uintptr_t page;
    if (kind != KEEL_FAULT_PAGE_READ && kind != KEEL_FAULT_PAGE_WRITE)
        return false;
    if (addr - KEEL_DRIVER_UART_VA < 4096 && progs[i].uart) {
        page = uart_page(u);        /* the device page, from root's window */
        if (!page)
            return false;
    } else if (addr - KEEL_FILE_BASE < KEEL_FILE_MAX + 4096 && progs[i].file[0]) {
        uintptr_t k = (addr - KEEL_FILE_BASE) / 4096;
        page = FILE_POOL(i) + k * 4096;
        rights = KEEL_MAP_R;
        const char *data;
        size_t size;
        if (kind != KEEL_FAULT_PAGE_READ || !file_has(&progs[i], k, &data, &size))
            return false;           /* read-only, and no more than the file */
        uint32_t e = keel_map_anon(u, KEEL_SLOT_SELF_TASK, KEEL_SLOT_FACTORY, page, 1,
                                   KEEL_MAP_R | KEEL_MAP_W);
        if (!e)
            file_page(&progs[i], page, k);
        else if (e != KEEL_E_INVALID)   /* KEEL_E_INVALID: ours already, from an earlier run */
            return false;           /* out of memory: the program ends */
    } else if (addr >= KEEL_MEMORY_BASE && addr - KEEL_MEMORY_BASE < KEEL_MEMORY_SIZE) {
        order = memory_page(u, &progs[i], addr - KEEL_MEMORY_BASE, &page);
        if (!order)
            return false;           /* out of memory: the program ends */
    } else {
        return false;
    }
    progs[i].faults++;
    progs[i].large += order > 12;
    if (order > progs[i].top_order)
        progs[i].top_order = order;
    u->mr[0] = u->mr[1] = 0;        /* retry the access */
    keel_mem_item(u, 0, KEEL_ITEM_MAP, page, order, rights);
    keel_ipc(u, KEEL_TAG(KEEL_EXC_RESUME, 0, 1), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    return true;
}

/* A call on p's KEEL_PROGRAM_PAGER gate that is no fault: KEEL_PAGER_STATS,
 * or one of p's other threads ended (it stays stopped; p goes on). */
static void pager_call(struct keel_utcb *u, const struct program *p, uint32_t label)
{
    uint32_t words = 0;
    if (label == KEEL_PAGER_STATS) {
        u->mr[0] = p->faults;
        u->mr[1] = p->large;
        u->mr[2] = p->top_order;
        u->mr[3] = p->restarted;
        words = 4;
    }
    keel_ipc(u, KEEL_TAG(label == KEEL_PAGER_STATS ? 0 : KEEL_EXC_STOP, words, 0), 0, 0,
             KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
}

/* Hear from the programs until the last one (not a daemon) has ended. */
static int supervise(struct keel_utcb *u)
{
    int failures = 0;
    while (others_running()) {
        struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        bool other = r.label - PAGER_LABEL(0) < nprogs;  /* not the first thread */
        uint64_t i = other ? r.label - PAGER_LABEL(0) : r.label;
        if (KEEL_TAG_ERROR(r.tag) || i >= nprogs || !progs[i].running)
            continue;
        uint32_t label = KEEL_TAG_LABEL(r.tag);
        if (other && (label == KEEL_PAGER_STATS || label == KEEL_LABEL_EXIT)) {
            pager_call(u, &progs[i], label);
            continue;
        }
        if (label != KEEL_LABEL_EXIT && serve_fault(u, (uint32_t)i))
            continue;
        /* A fault we cannot serve, in any of its threads, ends the program. */
        failures += ended(u, &progs[i], label == KEEL_LABEL_EXIT, u->mr[0]);
    }
    for (uint32_t i = 0; i < nprogs; i++)
        if (progs[i].running)
            finish(u, &progs[i]);
    return failures;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    keel_printf("root: running in user mode\n");
    int bad = check_errors(u);
    keel_printf("root: system-call error checks %s\n", bad ? "FAILED" : "passed");
    read_description();
    if (desc_errors) {
        keel_printf("root: " DESC_FILE " refused: %d problem(s); no program started\n",
                    desc_errors);
        bad += desc_errors;
    } else {
        keel_printf("root: " DESC_FILE ": %u program(s), %u service(s)\n", nprogs, nservices);
        bad += start_all(u);
        bad += supervise(u);
    }
    keel_printf("root: all programs ended, %d problem(s)\n", bad);
    keel_debug_poweroff(bad ? 1 : 0);
    return 1; /* only reached if power-off was refused */
}
