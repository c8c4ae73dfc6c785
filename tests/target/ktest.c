/*
 * ktest: the kernel's on-target test suite, a user-level component the root
 * task starts from the test boot image.  Every case asserts behaviour of the
 * kernel's one IPC primitive and its objects as a user sees it; one line per
 * case, then "N passed, N failed", and the task's exit status is the number
 * of failures (the root task turns it into the verdict).
 *
 * It runs in one task: helper threads share its address space, which is how
 * a test can watch what a partner did.  The same source runs on every ISA.
 */
#include <keel/keel.h>
#include <keel/system.h>
#include <keel/uart.h>

#define SELF_TASK 0
#define SELF_THREAD 1
#define FACTORY 2
#define MAIN_PRIO 100
#define AREA ((uintptr_t)0x0000010000000000ull)    /* helper stacks and UTCBs */
#define STACK_PAGES 4
#define SLOT_AREA (64 * 1024 * 1024)
#define BAD_ADDR ((uintptr_t)0x0000009000000000ull) /* user space, never mapped */
#define MS 1000u

/* Labels of the echo server's protocol. */
enum { ECHO = 1, ONEWAY = 2, HOLD = 3, COUNT_ITEMS = 4, SIGNAL_ITEM = 5, WHO = 6 };

static int passed, failed;
static struct keel_utcb *U;                 /* the main thread's UTCB */
static uint32_t next_area;                  /* helper areas handed out */

static void check(bool ok, const char *name)
{
    keel_printf("ktest: [%s] %s\n", ok ? " ok " : "FAIL", name);
    if (ok)
        passed++;
    else
        failed++;
}

static void settle(void);

static uint32_t err(struct keel_ipc_result r)
{
    return KEEL_TAG_ERROR(r.tag);
}

/* ---- helper threads ---- */

typedef void (*thread_fn)(struct keel_utcb *u, uintptr_t arg);

static _Noreturn void trampoline(uintptr_t utcb)
{
    struct keel_utcb *u = (struct keel_utcb *)utcb;
    ((thread_fn)u->user[0])(u, u->user[1]);
    keel_debug_exit(0);
}

/* A new thread of this task running fn(u, arg) at prio, exceptions to the
 * gate at handler; its capability slot, or KEEL_CAP_OPEN on failure. */
static uint32_t spawn(thread_fn fn, uintptr_t arg, uint8_t prio, uint32_t handler)
{
    uint32_t t = KEEL_CAP_OPEN;
    uintptr_t base = AREA + (uintptr_t)next_area++ * SLOT_AREA;
    uintptr_t stack_top = base + STACK_PAGES * 4096, utcb = base + SLOT_AREA / 2;
    if (keel_thread_create(U, FACTORY, SELF_TASK, &t) ||
        keel_map_anon(U, SELF_TASK, FACTORY, base, STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W) ||
        keel_thread_set_utcb(U, t, FACTORY, utcb))
        return KEEL_CAP_OPEN;
    struct keel_utcb *tu = (struct keel_utcb *)utcb;
    tu->user[0] = (uintptr_t)fn;
    tu->user[1] = arg;
    if (keel_invoke(U, t, KEEL_THREAD_SET_REGS, (uintptr_t)trampoline, stack_top, utcb, 0) ||
        keel_invoke(U, t, KEEL_THREAD_SET_PRIO, prio, 0, 0, 0) ||
        keel_invoke(U, t, KEEL_THREAD_SET_HANDLER, handler, 0, 0, 0) ||
        keel_invoke(U, t, KEEL_THREAD_START, 0, 0, 0, 0))
        return KEEL_CAP_OPEN;
    return t;
}

static void sleep_us(uint32_t us)
{
    uint32_t n = KEEL_CAP_OPEN;
    /* Nothing is ever sent to a fresh notification: the wait times out. */
    static uint32_t never = KEEL_CAP_OPEN;
    if (never == KEEL_CAP_OPEN && keel_notification_create(U, FACTORY, 0, &n) == 0)
        never = n;
    keel_wait(U, never, us);
}

/* ---- the echo server ---- */

static volatile uintptr_t oneway_value, items_seen;

/* echo_words' pattern for the words past its message (ECHO_PAST, a round
 * number, the word's index: new each round, so that no earlier message,
 * which may have carried an older round's words within its length, has
 * it), and how many of them the echo server saw past the message it
 * received (none may leak). */
#define ECHO_PAST 0xec40000000ull
static volatile uintptr_t echo_past, echo_leaks;

static void echo_server(struct keel_utcb *u, uintptr_t arg)
{
    u->accept_items = (uint32_t)arg;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        uint32_t words = KEEL_TAG_WORDS(r.tag), label = KEEL_TAG_LABEL(r.tag);
        uint64_t reply = KEEL_TAG(words, words, 0);
        if (err(r)) {
            r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
            continue;
        }
        if (label == ONEWAY) {
            oneway_value = u->mr[0];
            r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
            continue;
        }
        if (label == ECHO) {
            for (uint32_t i = 0; i < words; i++)
                u->mr[i] += 1;
            for (uint32_t i = words; i < KEEL_MSG_WORDS; i++)
                echo_leaks += u->mr[i] == echo_past + i;
        } else if (label == COUNT_ITEMS) {
            items_seen = KEEL_TAG_ITEMS(r.tag);
        } else if (label == SIGNAL_ITEM && KEEL_TAG_ITEMS(r.tag)) {
            keel_signal(u, u->item[0].slot, 0x21);
        } else if (label == WHO) {
            u->mr[0] = r.label;
            reply = KEEL_TAG(0, 1, 0);
        } else if (label == HOLD) {
            /* Answer late: the caller has given up by then (its reply fails). */
            static uint32_t never = KEEL_CAP_OPEN;
            if (never == KEEL_CAP_OPEN)
                keel_notification_create(u, FACTORY, 0, &never);
            keel_wait(u, never, 20 * MS);
        }
        r = keel_reply_wait(u, reply, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    }
}

static uint32_t server, gate_a, gate_b, gate_nogrant;

static void start_server(void)
{
    server = spawn(echo_server, 1, MAIN_PRIO + 0, KEEL_CAP_OPEN);
    gate_a = gate_b = gate_nogrant = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, server, 0xa, &gate_a);
    keel_gate_create(U, FACTORY, server, 0xb, &gate_b);
    /* A copy of gate A without the grant right. */
    keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, gate_a, KEEL_RIGHT_SEND, KEEL_CAP_OPEN, 0);
    gate_nogrant = (uint32_t)U->mr[0];
}

/* ---- cases: the system-call boundary ---- */

static void test_errors(void)
{
    struct keel_ipc_result r;
    r = keel_ipc(U, 0, 0, 0, KEEL_IPC_OPTS(0, 0, 0));
    check(err(r) == KEEL_E_INVALID, "ipc: no operation is invalid");
    r = keel_ipc(U, 0, gate_a, 0, KEEL_IPC_OPTS(0x80 | KEEL_IPC_SEND, 0, 0));
    check(err(r) == KEEL_E_INVALID, "ipc: unknown operation bits are invalid");
    r = keel_ipc(U, 0, gate_a, 0, KEEL_IPC_OPTS(KEEL_IPC_CALL | KEEL_IPC_RECV, 0, 0));
    check(err(r) == KEEL_E_INVALID, "ipc: call combined with receive is invalid");
    r = keel_ipc(U, 0, gate_a, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY | KEEL_IPC_SEND, 0, 0));
    check(err(r) == KEEL_E_INVALID, "ipc: reply combined with send is invalid");
    r = keel_send(U, 4000, KEEL_TAG(1, 0, 0), KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_CAP, "ipc: slot beyond the table is an invalid capability");
    r = keel_send(U, 60, KEEL_TAG(1, 0, 0), KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_CAP, "ipc: empty slot is an invalid capability");
    r = keel_ipc(U, 0, 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    check(err(r) == KEEL_E_CAP, "ipc: reply with no caller is an invalid capability");
    r = keel_recv(U, gate_a, KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_CAP, "ipc: receiving from a gate bound to another thread fails");
    r = keel_recv(U, 4000, KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_CAP, "ipc: receiving from a bad slot fails");
    r = keel_recv(U, KEEL_CAP_OPEN, KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_TIMEOUT, "timeout: zero-timeout receive with no sender");
    r = keel_recv(U, KEEL_CAP_OPEN, 2 * MS);
    check(err(r) == KEEL_E_TIMEOUT, "timeout: relative receive timeout expires");
    r = keel_call(U, gate_a, KEEL_TAG(ECHO, 65, 0), KEEL_TIMEOUT_NEVER);
    check(err(r) == KEEL_E_TOO_LONG, "ipc: 65 message words is too long");
    r = keel_call(U, gate_a, KEEL_TAG(ECHO, 127, 0), KEEL_TIMEOUT_NEVER);
    check(err(r) == KEEL_E_TOO_LONG, "ipc: 127 message words is too long");
    r = keel_call(U, gate_a, KEEL_TAG(ECHO, 0, 5), KEEL_TIMEOUT_NEVER);
    check(err(r) == KEEL_E_INVALID, "ipc: more than 4 typed items is invalid");
    U->item[0].slot = 4000;
    U->item[0].rights = KEEL_RIGHT_SEND;
    r = keel_call(U, gate_a, KEEL_TAG(COUNT_ITEMS, 0, 1), KEEL_TIMEOUT_NEVER);
    check(err(r) == KEEL_E_CAP, "cap transfer: an item naming a bad slot fails");
    U->item[0].slot = gate_b;
    r = keel_call(U, gate_nogrant, KEEL_TAG(COUNT_ITEMS, 0, 1), KEEL_TIMEOUT_NEVER);
    check(err(r) == KEEL_E_RIGHTS, "cap transfer: a gate without the grant right refuses items");
    r = keel_recv(U, SELF_TASK, KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_CAP, "ipc: receiving from a task capability fails");
}

static void test_rights(void)
{
    uint32_t recv_only = KEEL_CAP_OPEN, weak_thread = KEEL_CAP_OPEN;
    keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, gate_a, KEEL_RIGHT_RECV, KEEL_CAP_OPEN, 0);
    recv_only = (uint32_t)U->mr[0];
    struct keel_ipc_result r = keel_send(U, recv_only, KEEL_TAG(ONEWAY, 1, 0), KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_RIGHTS, "rights: sending needs the send right");
    uint32_t e = keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, recv_only, KEEL_RIGHTS_ALL,
                             KEEL_CAP_OPEN, 0);
    check(e == KEEL_E_RIGHTS, "rights: a copy cannot have more rights than its source");
    keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, server, KEEL_RIGHT_SEND, KEEL_CAP_OPEN, 0);
    weak_thread = (uint32_t)U->mr[0];
    e = keel_invoke(U, weak_thread, KEEL_THREAD_SET_PRIO, 10, 0, 0, 0);
    check(e == KEEL_E_RIGHTS, "rights: thread operations need the control right");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, gate_a, KEEL_RIGHT_SEND, 2000, 0);
    check(e == KEEL_E_INVALID || e == KEEL_E_CAP, "rights: copying into a bad slot fails");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, gate_a, KEEL_RIGHT_SEND, SELF_THREAD, 0);
    check(e == KEEL_E_INVALID, "caps: copying onto an occupied slot fails");
    keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, gate_a, KEEL_RIGHT_SEND, KEEL_CAP_OPEN, 0);
    uint32_t copy = (uint32_t)U->mr[0];
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_DELETE_CAP, copy, 0, 0, 0);
    struct keel_ipc_result d = keel_send(U, copy, KEEL_TAG(ONEWAY, 1, 0), KEEL_TIMEOUT_ZERO);
    check(e == KEEL_OK && err(d) == KEEL_E_CAP, "caps: a deleted capability is gone");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_DELETE_CAP, copy, 0, 0, 0);
    check(e == KEEL_E_CAP, "caps: deleting an empty slot fails");
    U->mr[0] = 0;
    keel_call(U, gate_a, KEEL_TAG(WHO, 0, 0), KEEL_TIMEOUT_NEVER);
    check(U->mr[0] == 0xa, "caps: the source survives the deletion of its copy");
}

static void test_objects(void)
{
    uint32_t e = keel_invoke(U, FACTORY, 99, 0, 0, 0, 0);
    check(e == KEEL_E_NOSYS, "factory: unknown operation");
    e = keel_invoke(U, SELF_THREAD, KEEL_THREAD_SET_PRIO, 300, 0, 0, 0);
    check(e == KEEL_E_INVALID, "thread: priority above 255 is invalid");
    e = keel_invoke(U, SELF_THREAD, KEEL_THREAD_SET_PRIO, MAIN_PRIO + 1, 0, 0, 0);
    check(e == KEEL_E_RIGHTS, "thread: no raising a thread above its caller");
    e = keel_invoke(U, SELF_THREAD, KEEL_THREAD_START, 0, 0, 0, 0);
    check(e == KEEL_E_INVALID, "thread: starting a running thread is invalid");
    e = keel_invoke(U, SELF_THREAD, KEEL_THREAD_SET_REGS, 0, 0, 0, 0);
    check(e == KEEL_E_INVALID, "thread: registers of a running thread cannot be set");
    e = keel_thread_set_utcb(U, SELF_THREAD, FACTORY, AREA);
    check(e == KEEL_E_INVALID, "thread: a second UTCB is refused");
    e = keel_map_anon(U, SELF_TASK, FACTORY, 0x1000, 1, KEEL_MAP_R);
    check(e == KEEL_E_INVALID, "memory: mapping below user space is refused");
    e = keel_map_anon(U, SELF_TASK, FACTORY, AREA + 123, 1, KEEL_MAP_R);
    check(e == KEEL_E_INVALID, "memory: unaligned address is refused");
    e = keel_map_anon(U, SELF_TASK, FACTORY, AREA, 1, KEEL_MAP_R);
    check(e == KEEL_E_INVALID, "memory: mapping over a mapping is refused");
    e = keel_map_anon(U, SELF_TASK, FACTORY, BAD_ADDR, 0, KEEL_MAP_R);
    check(e == KEEL_E_INVALID, "memory: zero pages is invalid");
    e = keel_map_anon(U, SELF_TASK, FACTORY, BAD_ADDR, 1, 0);
    check(e == KEEL_E_INVALID, "memory: no rights is invalid");
    e = keel_map_anon(U, SELF_TASK, FACTORY, 0x00007ffffffff000ull, 2, KEEL_MAP_R);
    check(e == KEEL_E_INVALID, "memory: a range running past user space is refused");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_LOAD_ELF, AREA, 64, FACTORY, 0);
    check(e == KEEL_E_INVALID, "task: loading a non-ELF image fails");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_LOAD_ELF, BAD_ADDR, 64, FACTORY, 0);
    check(e == KEEL_E_FAULT, "task: loading from unmapped memory is a fault");
    e = keel_invoke(U, SELF_TASK, 77, 0, 0, 0, 0);
    check(e == KEEL_E_NOSYS, "task: unknown operation");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    check(e == KEEL_E_INVALID, "task: a task cannot destroy itself");
}

static void test_quota(void)
{
    uint32_t small = KEEL_CAP_OPEN, n, e = 0, made = 0;
    keel_factory_create(U, FACTORY, 6, &small);
    keel_invoke(U, small, KEEL_FACTORY_QUOTA, 0, 0, 0, 0);
    check(U->mr[0] == 6, "quota: a new factory holds the pages it was given");
    for (int i = 0; i < 10 && !e; i++) {
        n = KEEL_CAP_OPEN;
        e = keel_notification_create(U, small, 0, &n);
        made += !e;
    }
    check(e == KEEL_E_QUOTA && made == 6, "quota: objects until the quota runs out, then an error");
    keel_invoke(U, small, KEEL_FACTORY_QUOTA, 0, 0, 0, 0);
    check(U->mr[0] == 0, "quota: the exhausted factory reports 0 pages");
    uint32_t big = KEEL_CAP_OPEN;
    e = keel_factory_create(U, small, 1, &big);
    check(e == KEEL_E_QUOTA, "quota: a sub-factory cannot take more than there is");
    e = keel_factory_create(U, FACTORY, (uint64_t)1 << 40, &big);
    check(e == KEEL_E_QUOTA, "quota: asking for more pages than exist fails");
}

/* ---- cases: loading ELF executables ---- */

#define ELF_BUF ((uintptr_t)0x0000030000000000ull) /* one page: physically contiguous */
#define ELF_VA ((uintptr_t)0x0000008000010000ull)  /* where the test image links */
#define USER_BASE ((uintptr_t)0x0000008000000000ull)

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

/* The smallest valid executable, in one page: header, one program header,
 * and a single R+X segment of the whole page, entered 0x100 into it. */
static void make_elf(uint8_t *b, uint16_t machine)
{
    for (int i = 0; i < 4096; i++)
        b[i] = 0;
    b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F', b[4] = 2, b[5] = 1, b[6] = 1;
    put_le(b + 16, 2, 2);               /* ET_EXEC */
    put_le(b + 18, machine, 2);
    put_le(b + 20, 1, 4);
    put_le(b + 24, ELF_VA + 0x100, 8);  /* entry */
    put_le(b + 32, 64, 8);              /* phoff */
    put_le(b + 52, 64, 2);
    put_le(b + 54, 56, 2);
    put_le(b + 56, 1, 2);               /* phnum */
    uint8_t *ph = b + 64;
    put_le(ph, 1, 4);                   /* PT_LOAD */
    put_le(ph + 4, 5, 4);               /* R X */
    put_le(ph + 16, ELF_VA, 8);
    put_le(ph + 32, 4096, 8);           /* filesz */
    put_le(ph + 40, 4096, 8);           /* memsz */
    put_le(ph + 48, 4096, 8);
}

/* Empty one of our capability slots: the table is small, and later cases
 * need room. */
static void drop(uint32_t slot)
{
    if (slot != KEEL_CAP_OPEN)
        keel_invoke(U, SELF_TASK, KEEL_TASK_DELETE_CAP, slot, 0, 0, 0);
}

/* Load the image in ELF_BUF (size bytes) into a new task of factory f, which
 * is then destroyed; the error, and the entry point in *entry. */
static uint32_t load_fresh(uint32_t f, uintptr_t size, uintptr_t *entry)
{
    uint32_t task = KEEL_CAP_OPEN;
    uint32_t e = keel_task_create(U, f, &task);
    if (e)
        return 100 + e;
    e = keel_invoke(U, task, KEEL_TASK_LOAD_ELF, ELF_BUF, size, f, 0);
    *entry = U->mr[0];
    keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(task);
    return e;
}

/* A bad image of each kind gets KEEL_E_INVALID, never a crash or a load. */
static void test_bad_elfs(uint16_t machine)
{
    static const struct { const char *what; unsigned off, bytes; uint64_t val; } bad[] = {
        { "bad magic", 1, 1, 'e' },
        { "program headers past the file", 32, 8, 0xffffffffffff0000ull },
        { "too many program headers", 56, 2, 0xfff0 },
        { "a segment past the file", 64 + 32, 8, (uint64_t)1 << 40 },
        { "a segment below user space", 64 + 16, 8, ELF_VA - USER_BASE },
        { "an entry point outside the image", 24, 8, 0 },
    };
    uint8_t *b = (uint8_t *)ELF_BUF;
    uintptr_t entry;
    char name[96];
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        make_elf(b, machine);
        put_le(b + bad[i].off, bad[i].val, bad[i].bytes);
        if (bad[i].off == 64 + 32)
            put_le(b + 64 + 40, bad[i].val, 8);  /* memsz too: only the file is short */
        uint32_t e = load_fresh(FACTORY, 4096, &entry);
        keel_snprintf(name, sizeof(name), "elf: %s is invalid (error %u)", bad[i].what, e);
        check(e == KEEL_E_INVALID, name);
    }
    make_elf(b, machine);
    check(load_fresh(FACTORY, 0, &entry) == KEEL_E_INVALID, "elf: an empty image is invalid");
}

static void test_elf_loading(void)
{
    static const uint16_t machines[] = { 62, 183, 21, 243 }; /* x86-64, AArch64, POWER, RISC-V */
    uint16_t machine = 0;
    uintptr_t entry, entry_ok = 0;
    int accepted = 0;
    if (keel_map_anon(U, SELF_TASK, FACTORY, ELF_BUF, 1, KEEL_MAP_R | KEEL_MAP_W)) {
        check(false, "elf: a page for the test images");
        return;
    }
    for (unsigned i = 0; i < 4; i++) {
        make_elf((uint8_t *)ELF_BUF, machines[i]);
        if (load_fresh(FACTORY, 4096, &entry) == KEEL_OK) {
            machine = machines[i];
            entry_ok = entry;
            accepted++;
        }
    }
    check(accepted == 1 && entry_ok == ELF_VA + 0x100,
          "elf: a minimal image loads for this machine only, entry as given");
    test_bad_elfs(machine);

    /* The same segment twice into one task: its page is taken. */
    uint32_t task = KEEL_CAP_OPEN, f = KEEL_CAP_OPEN, sink = KEEL_CAP_OPEN;
    make_elf((uint8_t *)ELF_BUF, machine);
    keel_task_create(U, FACTORY, &task);
    keel_invoke(U, task, KEEL_TASK_LOAD_ELF, ELF_BUF, 4096, FACTORY, 0);
    uint32_t e = keel_invoke(U, task, KEEL_TASK_LOAD_ELF, ELF_BUF, 4096, FACTORY, 0);
    check(e == KEEL_E_INVALID, "elf: loading over loaded pages is invalid");
    keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(task);

    /* A task whose factory is empty: no page for the segment. */
    task = KEEL_CAP_OPEN;
    keel_factory_create(U, FACTORY, 64, &f);
    keel_task_create(U, f, &task);
    keel_invoke(U, f, KEEL_FACTORY_QUOTA, 0, 0, 0, 0);
    if (U->mr[0] > 0)
        keel_factory_create(U, f, U->mr[0] - 1, &sink); /* takes all that is left */
    e = keel_invoke(U, task, KEEL_TASK_LOAD_ELF, ELF_BUF, 4096, f, 0);
    check(e == KEEL_E_QUOTA, "elf: loading beyond the task's quota is a quota error");
    keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    /* The SDK's wrappers must not turn the error reply's 0 into slot 0. */
    uint32_t none = KEEL_CAP_OPEN;
    e = keel_task_create(U, f, &none);
    check(e == KEEL_E_QUOTA && none == KEEL_CAP_OPEN,
          "sdk: a failed create leaves the caller's slot variable alone");
    drop(task);
    drop(sink);
    drop(f);
}

/* ---- cases: message transfer ---- */

/* n words to the echo server and back, each one more.  Past the message's
 * length the words are undefined to a receiver (docs/abi.md), and what
 * this kernel leaves there is the receiver's own: the server must not see
 * this caller's words past n (echo_leaks), nor this caller the server's
 * past the reply; in registers and UTCB alike (which the server's UTCB
 * holds other values for: the ports' UTCB word copies, ARCH_COPY_WORDS,
 * stop at the message's end) the caller's words past n come back as it
 * had them. */
static bool echo_words(uint32_t n)
{
    static uintptr_t round;
    echo_past = ECHO_PAST + (++round << 8);
    for (uint32_t i = 0; i < KEEL_MSG_WORDS; i++)
        U->mr[i] = i < n ? 1000 * n + i : echo_past + i;
    echo_leaks = 0;
    struct keel_ipc_result r = keel_call(U, gate_a, KEEL_TAG(ECHO, n, 0), KEEL_TIMEOUT_NEVER);
    if (err(r) || KEEL_TAG_WORDS(r.tag) != n || KEEL_TAG_LABEL(r.tag) != n || echo_leaks)
        return false;
    for (uint32_t i = 0; i < KEEL_MSG_WORDS; i++)
        if (U->mr[i] != (i < n ? 1000 * n + i + 1 : echo_past + i))
            return false;
    return true;
}

static void test_messages(void)
{
    static const uint32_t sizes[] = { 0, 1, 2, 3, 4, 5, 6, 8, 15, 16, 31, 32, 33, 48, 63, 64 };
    char name[64];
    for (uint32_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        keel_snprintf(name, sizeof(name), "call/reply_wait: %u message words both ways", sizes[i]);
        check(echo_words(sizes[i]), name);
    }
    bool all = true;
    for (uint32_t n = 0; n <= KEEL_MSG_WORDS; n++)
        all &= echo_words(n);
    check(all, "call/reply_wait: every size from 0 to 64 words");

    U->mr[0] = 0;
    keel_call(U, gate_a, KEEL_TAG(WHO, 0, 0), KEEL_TIMEOUT_NEVER);
    bool a = U->mr[0] == 0xa;
    keel_call(U, gate_b, KEEL_TAG(WHO, 0, 0), KEEL_TIMEOUT_NEVER);
    check(a && U->mr[0] == 0xb, "gates: the receiver sees each gate's label");

    U->mr[0] = 0x1234;
    struct keel_ipc_result r = keel_send(U, gate_a, KEEL_TAG(ONEWAY, 1, 0), KEEL_TIMEOUT_NEVER);
    sleep_us(MS);
    check(!err(r) && oneway_value == 0x1234, "send: a one-way message arrives");

    /* Send then receive in one call: the receive phase times out here. */
    r = keel_ipc(U, KEEL_TAG(ONEWAY, 1, 0), gate_a, KEEL_CAP_OPEN,
                 KEEL_IPC_OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, KEEL_TIMEOUT_NEVER, MS));
    check(err(r) == KEEL_E_TIMEOUT, "send+receive: the send goes, the receive phase times out");
}

static void test_cap_transfer(void)
{
    uint32_t note = KEEL_CAP_OPEN;
    keel_notification_create(U, FACTORY, 0x33, &note);
    U->item[0].slot = note;
    U->item[0].rights = KEEL_RIGHT_SEND;
    struct keel_ipc_result r = keel_call(U, gate_a, KEEL_TAG(SIGNAL_ITEM, 0, 1), KEEL_TIMEOUT_NEVER);
    bool sent = !err(r);
    r = keel_wait(U, note, 1000 * MS);
    check(sent && !err(r) && U->mr[0] == 0x21 && r.label == 0x33,
          "cap transfer: the receiver uses a capability it was sent");

    U->item[0].slot = note;
    U->item[0].rights = KEEL_RIGHT_SEND | KEEL_RIGHT_RECV;
    r = keel_call(U, gate_a, KEEL_TAG(COUNT_ITEMS, 0, 1), KEEL_TIMEOUT_NEVER);
    check(!err(r) && items_seen == 1, "cap transfer: the receiver's tag counts the items");

    U->item[0].slot = SELF_THREAD;
    U->item[0].rights = 0x10;
    r = keel_call(U, gate_a, KEEL_TAG(COUNT_ITEMS, 0, 1), KEEL_TIMEOUT_NEVER);
    check(err(r) == KEEL_E_RIGHTS, "cap transfer: rights beyond the source's are refused");
}

/* ---- cases: notifications ---- */

static volatile uintptr_t woken_bits;

static void waiter(struct keel_utcb *u, uintptr_t note)
{
    struct keel_ipc_result r = keel_wait(u, (uint32_t)note, KEEL_TIMEOUT_NEVER);
    woken_bits = err(r) ? 0xdead : u->mr[0];
}

static void test_notifications(void)
{
    uint32_t n = KEEL_CAP_OPEN;
    keel_notification_create(U, FACTORY, 0x44, &n);
    keel_signal(U, n, 1);
    keel_signal(U, n, 4);
    struct keel_ipc_result r = keel_wait(U, n, KEEL_TIMEOUT_ZERO);
    check(!err(r) && U->mr[0] == 5 && r.label == 0x44, "notification: signals accumulate bits");
    r = keel_wait(U, n, KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_TIMEOUT, "notification: waiting clears the bits");
    r = keel_wait(U, n, MS);
    check(err(r) == KEEL_E_TIMEOUT, "notification: relative wait timeout expires");
    spawn(waiter, n, MAIN_PRIO, KEEL_CAP_OPEN);
    sleep_us(MS);   /* let it block */
    keel_signal(U, n, 0x80);
    sleep_us(MS);
    check(woken_bits == 0x80, "notification: a signal wakes a blocked waiter");
    U->mr[0] = 1;
    r = keel_call(U, n, KEEL_TAG(0, 1, 0), KEEL_TIMEOUT_NEVER);
    check(err(r) == KEEL_E_INVALID, "notification: calling a notification is invalid");
}

/* ---- cases: blocking, timeouts, partners ---- */

static void test_blocking(void)
{
    /* A gate bound to a thread that never receives. */
    uint32_t idle = KEEL_CAP_OPEN, g = KEEL_CAP_OPEN;
    keel_thread_create(U, FACTORY, SELF_TASK, &idle);
    keel_gate_create(U, FACTORY, idle, 0, &g);
    struct keel_ipc_result r = keel_send(U, g, KEEL_TAG(1, 0, 0), KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_TIMEOUT, "timeout: zero-timeout send with no receiver");
    r = keel_send(U, g, KEEL_TAG(1, 0, 0), 2 * MS);
    check(err(r) == KEEL_E_TIMEOUT, "timeout: relative send timeout expires");
    r = keel_call(U, g, KEEL_TAG(1, 0, 0), 2 * MS);
    check(err(r) == KEEL_E_TIMEOUT, "timeout: a call times out in its send phase");
    r = keel_call(U, gate_a, KEEL_TAG(HOLD, 0, 0), 3 * MS);
    check(err(r) == KEEL_E_TIMEOUT, "timeout: a call times out waiting for the reply");
}

static volatile uint32_t victim_task, destroyer_result = 0xff;

static void destroyer(struct keel_utcb *u, uintptr_t done_note)
{
    destroyer_result = keel_invoke(u, victim_task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    keel_signal(u, (uint32_t)done_note, 1);
}

static void test_partner_death(void)
{
    /* Another task with one thread that never runs: a gate to it. */
    uint32_t task = KEEL_CAP_OPEN, thread = KEEL_CAP_OPEN, g = KEEL_CAP_OPEN;
    keel_task_create(U, FACTORY, &task);
    keel_thread_create(U, FACTORY, task, &thread);
    keel_gate_create(U, FACTORY, thread, 0, &g);
    victim_task = task;
    uint32_t done = KEEL_CAP_OPEN;
    keel_notification_create(U, FACTORY, 0, &done);
    spawn(destroyer, done, MAIN_PRIO, KEEL_CAP_OPEN);
    struct keel_ipc_result r = keel_call(U, g, KEEL_TAG(1, 0, 0), KEEL_TIMEOUT_NEVER);
    uint32_t e = err(r);
    r = keel_wait(U, done, 1000 * MS);
    check(e == KEEL_E_PARTNER && !err(r) && destroyer_result == KEEL_OK,
          "partner: a caller blocked on a destroyed task gets an error");
    r = keel_send(U, g, KEEL_TAG(1, 0, 0), KEEL_TIMEOUT_ZERO);
    check(err(r) == KEEL_E_PARTNER, "partner: sending to a dead receiver fails at once");
    e = keel_invoke(U, task, KEEL_TASK_MAP_ANON, AREA, 1, KEEL_MAP_R, FACTORY);
    check(e == KEEL_E_PARTNER, "partner: a destroyed task refuses operations");
    e = keel_invoke(U, thread, KEEL_THREAD_START, 0, 0, 0, 0);
    check(e == KEEL_E_PARTNER, "partner: a dead thread refuses operations");
}

/* ---- cases: exceptions ---- */

static volatile int resumed;

static void fault_read(struct keel_utcb *u, uintptr_t arg)
{
    (void)*(volatile uintptr_t *)BAD_ADDR;
}

static void fault_write(struct keel_utcb *u, uintptr_t arg)
{
    *(volatile uintptr_t *)BAD_ADDR = 1;
}

static void fault_trap(struct keel_utcb *u, uintptr_t arg)
{
    __builtin_trap();
}

static volatile uintptr_t resumed_sp;

static _Noreturn void after_fault(uintptr_t code)
{
    uintptr_t here;
    resumed = 1;
    resumed_sp = (uintptr_t)&here;
    keel_debug_exit((int)code);
}

/* Run fn in a thread whose exceptions come to us; return the message. */
static struct keel_ipc_result catch_fault(thread_fn fn, uint32_t *gate)
{
    *gate = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0xe, gate);
    spawn(fn, 0, MAIN_PRIO, *gate);
    return keel_recv(U, *gate, 1000 * MS);
}

static void test_exceptions(void)
{
    uint32_t g;
    struct keel_ipc_result r = catch_fault(fault_read, &g);
    check(!err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXCEPTION && r.label == 0xe &&
          U->mr[KEEL_EXC_KIND] == KEEL_FAULT_PAGE_READ && U->mr[KEEL_EXC_ADDR] == BAD_ADDR,
          "exception: a page fault (read) reaches the handler with its address");
    check(KEEL_TAG_WORDS(r.tag) == KEEL_EXC_WORDS && U->mr[KEEL_EXC_IP] >= 0x8000000000ull &&
          U->mr[KEEL_EXC_SP] > AREA, "exception: the message carries ip and sp");
    /* Resume it somewhere else, on a new stack, with an argument: it runs,
     * then exits with that argument as its status, which we hear too. */
    uintptr_t stack = AREA + (uintptr_t)next_area++ * SLOT_AREA;
    keel_map_anon(U, SELF_TASK, FACTORY, stack, STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W);
    U->mr[0] = (uintptr_t)after_fault;
    U->mr[1] = stack + STACK_PAGES * 4096 - 256;
    U->mr[2] = 7;
    r = keel_reply_wait(U, KEEL_TAG(KEEL_EXC_RESUME, 3, 0), g, 1000 * MS);
    check(!err(r) && resumed && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT && U->mr[0] == 7,
          "exception: the handler resumes the thread at a new ip with an argument");
    check(resumed_sp > stack && resumed_sp < stack + STACK_PAGES * 4096,
          "exception: the handler gives the resumed thread a new stack");
    r = keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    check(!err(r), "exception: replying 'stop' to an exit");

    r = catch_fault(fault_write, &g);
    check(!err(r) && U->mr[KEEL_EXC_KIND] == KEEL_FAULT_PAGE_WRITE && U->mr[KEEL_EXC_ADDR] == BAD_ADDR,
          "exception: a page fault (write) is reported as a write");
    r = keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    check(!err(r), "exception: the handler leaves the thread stopped");

    r = catch_fault(fault_trap, &g);
    check(!err(r) && (U->mr[KEEL_EXC_KIND] == KEEL_FAULT_ILLEGAL ||
                      U->mr[KEEL_EXC_KIND] == KEEL_FAULT_BREAKPOINT),
          "exception: a trap instruction reaches the handler");
    keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));

    uint32_t t = spawn(fault_read, 0, MAIN_PRIO, KEEL_CAP_OPEN);
    settle();   /* it has run and faulted (a fixed sleep is too short on a loaded host) */
    uint32_t e = keel_invoke(U, t, KEEL_THREAD_START, 0, 0, 0, 0);
    check(t != KEEL_CAP_OPEN && e == 0, "exception: with no handler the thread stops; it can be restarted");
}

/* ---- cases: scheduling ---- */

static volatile uintptr_t spins[4];

static void spinner(struct keel_utcb *u, uintptr_t i)
{
    for (;;)
        spins[i]++;
}

static void test_scheduling(void)
{
    uint32_t low = spawn(spinner, 0, MAIN_PRIO - 50, KEEL_CAP_OPEN);
    sleep_us(5 * MS);
    uintptr_t before = spins[0];
    struct keel_ipc_result r = keel_recv(U, KEEL_CAP_OPEN, 5 * MS);
    check(low != KEEL_CAP_OPEN && err(r) == KEEL_E_TIMEOUT,
          "priorities: a busy low-priority thread cannot starve a higher one");
    /* Without -icount (powernv) the host may hold QEMU back for a whole
     * sleep: give it a few before judging. */
    for (int i = 0; i < 100 && spins[0] == before; i++)
        sleep_us(5 * MS);
    check(spins[0] > before, "priorities: the low-priority thread runs while we sleep");
    keel_invoke(U, low, KEEL_THREAD_STOP, 0, 0, 0, 0);

    uint32_t a = spawn(spinner, 1, MAIN_PRIO - 10, KEEL_CAP_OPEN);
    uint32_t b = spawn(spinner, 2, MAIN_PRIO - 10, KEEL_CAP_OPEN);
    sleep_us(100 * MS);
    for (int i = 0; i < 20 && !(spins[1] && spins[2]); i++)
        sleep_us(50 * MS);
    check(spins[1] > 0 && spins[2] > 0, "round robin: two equal threads both make progress");
    keel_invoke(U, a, KEEL_THREAD_STOP, 0, 0, 0, 0);
    keel_invoke(U, b, KEEL_THREAD_STOP, 0, 0, 0, 0);
    uintptr_t s1 = spins[1];
    sleep_us(10 * MS);
    check(spins[1] == s1, "thread: a stopped thread runs no more");

    /* We and the echo server hand the processor back and forth by IPC; a
     * third thread of the same priority must still get its turns. */
    uint32_t third = spawn(spinner, 3, MAIN_PRIO, KEEL_CAP_OPEN);
    bool calls_ok = true;
    for (uint32_t i = 0; i < 30000 && calls_ok; i++)
        calls_ok = !err(keel_call(U, gate_a, KEEL_TAG(ECHO, 0, 0), KEEL_TIMEOUT_NEVER));
    check(calls_ok && spins[3] > 0,
          "round robin: an IPC ping-pong pair does not starve an equal thread");
    keel_invoke(U, third, KEEL_THREAD_STOP, 0, 0, 0, 0);
}

/* ---- random system calls ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* calls random system calls (seeded by rng) that must not block the suite. */
static void random_calls(uint32_t calls)
{
    for (uint32_t i = 0; i < calls; i++) {
        struct keel_words k;
        for (uint32_t w = 0; w < KEEL_SYSCALL_WORDS; w++)
            k.w[w] = rnd();
        uintptr_t nr = rnd() % 4;
        if (nr == KEEL_SYS_DEBUG && (k.w[0] == KEEL_DEBUG_EXIT || k.w[0] == KEEL_DEBUG_WRITE))
            k.w[0] = 12345;     /* neither end the suite nor print noise */
        if (nr == KEEL_SYS_IPC) {
            k.w[3] &= 0xff;     /* zero timeouts: never block the suite */
            /* Slots: mostly garbage, sometimes a real capability of ours
             * other than the task, thread and factory we rely on. */
            if (rnd() % 4 == 0)
                k.w[1] = gate_b;
            if (rnd() % 4 == 0)
                k.w[2] = KEEL_CAP_OPEN;
            if (k.w[1] <= FACTORY)
                k.w[1] += 100;
            if (k.w[3] & KEEL_IPC_CALL)
                k.w[3] &= ~(uint64_t)KEEL_IPC_CALL; /* a call waits for its reply */
        }
        keel_syscall(nr, &k);
    }
}

/* ---- IPC hardening (issue 7) ---- */

/* A thread of this task with no UTCB, running fn(arg) at prio on the stack
 * below sp (fn uses raw system calls only); its slot or KEEL_CAP_OPEN. */
static uint32_t spawn_bare(void (*fn)(uintptr_t), uintptr_t arg, uint8_t prio, uintptr_t sp,
                           uint32_t handler)
{
    uint32_t t = KEEL_CAP_OPEN;
    if (keel_thread_create(U, FACTORY, SELF_TASK, &t) ||
        keel_invoke(U, t, KEEL_THREAD_SET_REGS, (uintptr_t)fn, sp, arg, 0) ||
        keel_invoke(U, t, KEEL_THREAD_SET_PRIO, prio, 0, 0, 0) ||
        keel_invoke(U, t, KEEL_THREAD_SET_HANDLER, handler, 0, 0, 0) ||
        keel_invoke(U, t, KEEL_THREAD_START, 0, 0, 0, 0))
        return KEEL_CAP_OPEN;
    return t;
}

/* A fresh stack area of pages; the address of its top. */
static uintptr_t new_stack(uint32_t pages)
{
    uintptr_t base = AREA + (uintptr_t)next_area++ * SLOT_AREA;
    if (keel_map_anon(U, SELF_TASK, FACTORY, base, pages, KEEL_MAP_R | KEEL_MAP_W))
        return 0;
    return base + (uintptr_t)pages * 4096;
}

/* One IPC system call with raw words (a thread without a UTCB); the tag. */
static uint64_t raw_ipc(uint64_t tag, uint32_t send, uint32_t recv, uint64_t opts, uintptr_t w0)
{
    struct keel_words k = { { tag, send, recv, opts, w0 } };
    keel_syscall(KEEL_SYS_IPC, &k);
    return k.w[0];
}

static _Noreturn void park(void)
{
    for (;;)
        raw_ipc(0, 0, KEEL_CAP_OPEN, KEEL_IPC_OPTS(KEEL_IPC_RECV, 0, KEEL_TIMEOUT_NEVER), 0);
}

/* settle(): every ready thread above SETTLE_PRIO runs until it blocks.  A
 * thread below them all signals us back only when none of them is left. */
#define SETTLE_PRIO (MAIN_PRIO - 20)
static uint32_t settle_go = KEEL_CAP_OPEN, settle_done = KEEL_CAP_OPEN;
static uint32_t settler_thread = KEEL_CAP_OPEN; /* kept: a thread dies with its last capability */

static void settler(struct keel_utcb *u, uintptr_t arg)
{
    for (;;) {
        keel_wait(u, settle_go, KEEL_TIMEOUT_NEVER);
        keel_signal(u, settle_done, 1);
    }
}

static void settle(void)
{
    if (settle_go == KEEL_CAP_OPEN) {
        keel_notification_create(U, FACTORY, 0, &settle_go);
        keel_notification_create(U, FACTORY, 0, &settle_done);
        settler_thread = spawn(settler, 0, SETTLE_PRIO, KEEL_CAP_OPEN);
    }
    keel_signal(U, settle_go, 1);
    keel_wait(U, settle_done, 5000 * MS);
}

/* -- finding 1: a chain of threads blocked in send+receive -- */

#define CHAIN_MAX 400
static volatile uintptr_t chain_got[CHAIN_MAX + 1];

/* Link i: send i to the gate in slot (arg & 0xff), then receive; records
 * what it received (the next link's number). */
static void chain_link(uintptr_t arg)
{
    uintptr_t i = arg >> 8;
    struct keel_words k = { { KEEL_TAG(1, 1, 0), arg & 0xff, KEEL_CAP_OPEN,
                              KEEL_IPC_OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, KEEL_TIMEOUT_NEVER,
                                            KEEL_TIMEOUT_NEVER), i } };
    keel_syscall(KEEL_SYS_IPC, &k);
    chain_got[i] = KEEL_TAG_ERROR(k.w[0]) ? 0xdead : k.w[4];
    park();
}

/* n links, each blocked sending to a gate bound to the one before, the
 * first to a gate of ours; then we receive once.  True if every link got
 * the next one's message. */
/* Move our capability at slot into holder (a task with a large table that
 * only holds capabilities): the object lives on, our slot is free. */
static void keep(uint32_t holder, uint32_t slot)
{
    keel_invoke(U, holder, KEEL_TASK_GIVE_CAP, slot, KEEL_RIGHTS_ALL, KEEL_CAP_OPEN, 0);
    drop(slot);
}

static bool chain(uint32_t n)
{
    uint32_t head = KEEL_CAP_OPEN, prev, t, holder = KEEL_CAP_OPEN;
    uintptr_t stacks = new_stack((n + 3) / 4);     /* 1 KiB each */
    /* An object dies with its last capability: the links' capabilities
     * wait in a task of their own (2048 slots), which goes at the end. */
    if (!stacks || keel_task_create_sized(U, FACTORY, 11, &holder) ||
        keel_gate_create(U, FACTORY, SELF_THREAD, 0xc0, &head))
        return false;
    prev = head;
    for (uint32_t i = 1; i <= n; i++) {
        chain_got[i] = 0;
        t = spawn_bare(chain_link, (uintptr_t)i << 8 | prev, MAIN_PRIO,
                       stacks - (uintptr_t)(i - 1) * 1024, KEEL_CAP_OPEN);
        uint32_t g = KEEL_CAP_OPEN;
        if (t == KEEL_CAP_OPEN || keel_gate_create(U, FACTORY, t, 0xc0 + i, &g))
            return false;
        settle();                   /* it is blocked: the slots may go */
        if (prev != head)
            keep(holder, prev);
        keep(holder, t);
        prev = g;
    }
    keep(holder, prev);
    struct keel_ipc_result r = keel_recv(U, head, 1000 * MS);
    bool ok = !err(r) && U->mr[0] == 1 && r.label == 0xc0;
    settle();
    for (uint32_t i = 1; i < n; i++)
        ok &= chain_got[i] == i + 1;
    drop(head);
    drop(holder);                   /* the last capability: the links go with it */
    return ok;
}

static void test_chain_of_senders(void)
{
    check(chain(CHAIN_MAX), "chain: 400 threads blocked in send+receive complete one by one");
}

/* -- finding 2: a handler without a UTCB -- */

static volatile uint64_t bare_tag, bare_err;
static volatile uint32_t bare_words = 10, bare_replies;

/* Receive on the gate in arg, reply "resume" with bare_words words; again. */
static void bare_handler(uintptr_t gate)
{
    for (;;) {
        bare_tag = raw_ipc(0, 0, (uint32_t)gate,
                           KEEL_IPC_OPTS(KEEL_IPC_RECV, 0, KEEL_TIMEOUT_NEVER), 0);
        uint64_t r = raw_ipc(KEEL_TAG(KEEL_EXC_RESUME, bare_words, 0), 0, 0,
                             KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0), 0);
        bare_err = KEEL_TAG_ERROR(r);
        bare_replies++;
    }
}

static void exits_at_once(uintptr_t status)
{
    keel_debug_exit((int)status);
}

static uint32_t bare_thread, bare_gate, bare_victim = KEEL_CAP_OPEN;
static uintptr_t bare_victim_stack;

/* A handler thread without a UTCB, a gate to it, and a victim (no UTCB
 * either) whose handler it is. */
static bool bare_start(void)
{
    uintptr_t stack = new_stack(1);
    bare_victim_stack = new_stack(1);
    bare_gate = bare_thread = KEEL_CAP_OPEN;
    if (!stack || !bare_victim_stack || keel_thread_create(U, FACTORY, SELF_TASK, &bare_thread) ||
        keel_gate_create(U, FACTORY, bare_thread, 0xba, &bare_gate) ||
        keel_invoke(U, bare_thread, KEEL_THREAD_SET_REGS, (uintptr_t)bare_handler, stack,
                    bare_gate, 0) ||
        keel_invoke(U, bare_thread, KEEL_THREAD_SET_PRIO, MAIN_PRIO, 0, 0, 0) ||
        keel_invoke(U, bare_thread, KEEL_THREAD_START, 0, 0, 0, 0) ||
        keel_thread_create(U, FACTORY, SELF_TASK, &bare_victim) ||
        keel_invoke(U, bare_victim, KEEL_THREAD_SET_PRIO, MAIN_PRIO, 0, 0, 0) ||
        keel_invoke(U, bare_victim, KEEL_THREAD_SET_HANDLER, bare_gate, 0, 0, 0))
        return false;
    return true;
}

/* The victim exits; the bare handler replies "resume" with `words` words.
 * True if that reply got the error `want` and the victim stayed stopped
 * (only a stopped thread takes new registers). */
static bool bare_round(uint32_t words, uint32_t want)
{
    uint32_t before = bare_replies;
    bare_words = words;
    if (keel_invoke(U, bare_victim, KEEL_THREAD_SET_REGS, (uintptr_t)exits_at_once,
                    bare_victim_stack, 0, 0) ||
        keel_invoke(U, bare_victim, KEEL_THREAD_START, 0, 0, 0, 0))
        return false;
    settle();
    bool stopped = !keel_invoke(U, bare_victim, KEEL_THREAD_SET_REGS, (uintptr_t)exits_at_once,
                                bare_victim_stack, 0, 0);
    return bare_replies == before + 1 && KEEL_TAG_LABEL(bare_tag) == KEEL_LABEL_EXIT &&
           bare_err == want && stopped;
}

static void test_handler_without_utcb(void)
{
    bool ok = bare_start();
    check(ok && bare_round(10, KEEL_E_INVALID),
          "exception: a handler without a UTCB replying 'resume' with 10 words is refused");
    check(ok && bare_round(4, KEEL_OK) && bare_round(0, KEEL_OK),
          "exception: its short replies work; the exited thread stays stopped");
}

/* -- finding 10: an exit stays an exit -- */

static void returns_at_once(struct keel_utcb *u, uintptr_t arg)
{
}

static void test_exit_stays_stopped(void)
{
    uint32_t g = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0xe1, &g);
    uint32_t t = spawn(returns_at_once, 0, MAIN_PRIO, g);
    struct keel_ipc_result r = keel_recv(U, g, 1000 * MS);
    bool exited = !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT;
    U->mr[0] = 0;
    r = keel_ipc(U, KEEL_TAG(KEEL_EXC_RESUME, 1, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    bool replied = !err(r);
    r = keel_recv(U, g, 20 * MS);      /* resumed, it would exit again */
    bool stopped = !keel_invoke(U, t, KEEL_THREAD_SET_REGS, (uintptr_t)trampoline, AREA, 0, 0);
    check(exited && replied && err(r) == KEEL_E_TIMEOUT && stopped,
          "exception: replying 'resume' to an exit leaves the thread stopped");
    drop(t);
    drop(g);
}

/* -- finding 13: a call no one can answer -- */

static void test_own_gate(void)
{
    uint32_t g = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x5e1f, &g);
    struct keel_ipc_result c = keel_call(U, g, KEEL_TAG(1, 0, 0), KEEL_TIMEOUT_NEVER);
    struct keel_ipc_result s = keel_send(U, g, KEEL_TAG(1, 0, 0), KEEL_TIMEOUT_NEVER);
    check(err(c) == KEEL_E_DEADLOCK && err(s) == KEEL_E_DEADLOCK,
          "deadlock: a call or blocking send to one's own gate is an error");
    drop(g);
}

/* -- finding 3: callers of a server in another task -- */

/*
 * A "puppet": a thread in a task of its own, for tests that destroy a
 * server's task (ktest cannot destroy its own).  Its task gets one code
 * page, loaded from an ELF image built here: a system-call instruction and
 * a trap.  Its exception handler is our main thread: each trap is a
 * message to us, and our "resume" reply puts it back on the system-call
 * instruction with the eight words of its next system call (reply words
 * 2-9 are its argument registers, keel/kobj.h).  So we make it issue any
 * system call, one at a time, and hear when each has returned.  It needs
 * no stack and no UTCB; its own thread capability is its slot 0.
 */
#define PUPPET_VA ((uintptr_t)0x0000008000400000ull)
#define PUPPET_OFF 0x100
#define PUPPET_SC (PUPPET_VA + PUPPET_OFF)

/* A system call, then a trap: the puppet's whole program (keel/syscall.h
 * gives the ISA's bytes, so this file names no ISA). */
static const uint8_t puppet_code[] = KEEL_ARCH_SYSCALL_TRAP_CODE;
#define PUPPET_MACHINE KEEL_ARCH_ELF_MACHINE

static uint8_t puppet_elf[4096] __attribute__((aligned(4096)));

static void put(uint32_t at, uint64_t v, uint32_t bytes)
{
    for (uint32_t i = 0; i < bytes; i++)
        puppet_elf[at + i] = (uint8_t)(v >> (8 * i));
}

/* The ELF image: one R+X segment holding puppet_code at PUPPET_SC. */
static uint32_t puppet_image(void)
{
    static const uint8_t ident[8] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    for (uint32_t i = 0; i < sizeof(ident); i++)
        puppet_elf[i] = ident[i];
    put(16, 2, 2);                  /* ET_EXEC */
    put(18, PUPPET_MACHINE, 2);
    put(20, 1, 4);
    put(24, PUPPET_SC, 8);          /* entry */
    put(32, 64, 8);                 /* phoff */
    put(52, 64, 2);
    put(54, 56, 2);
    put(56, 1, 2);                  /* one program header */
    put(64, 1, 4);                  /* PT_LOAD */
    put(68, 5, 4);                  /* R X */
    put(72, PUPPET_OFF, 8);
    put(80, PUPPET_SC, 8);
    put(88, PUPPET_SC, 8);
    put(96, sizeof(puppet_code), 8);
    put(104, sizeof(puppet_code), 8);
    put(112, 4096, 8);
    for (uint32_t i = 0; i < sizeof(puppet_code); i++)
        puppet_elf[PUPPET_OFF + i] = puppet_code[i];
    return PUPPET_OFF + sizeof(puppet_code);
}

struct puppet {
    uint32_t task, thread, handler;
};

/* Wait for the puppet's next trap. */
static bool puppet_trapped(struct puppet *p)
{
    struct keel_ipc_result r = keel_recv(U, p->handler, 1000 * MS);
    return !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXCEPTION &&
           U->mr[KEEL_EXC_IP] > PUPPET_SC;
}

static bool puppet_start(struct puppet *p, uint8_t prio)
{
    p->task = p->thread = p->handler = KEEL_CAP_OPEN;
    if (keel_task_create(U, FACTORY, &p->task) ||
        keel_thread_create(U, FACTORY, p->task, &p->thread) ||
        keel_gate_create(U, FACTORY, SELF_THREAD, 0x9e, &p->handler) ||
        keel_invoke(U, p->task, KEEL_TASK_LOAD_ELF, (uintptr_t)puppet_elf, puppet_image(), FACTORY, 0) ||
        keel_invoke(U, p->task, KEEL_TASK_GIVE_CAP, p->thread, KEEL_RIGHTS_ALL, 0, 0) ||
        keel_invoke(U, p->thread, KEEL_THREAD_SET_REGS, PUPPET_SC + sizeof(puppet_code) / 2,
                    0, 0, 0) ||
        keel_invoke(U, p->thread, KEEL_THREAD_SET_PRIO, prio, 0, 0, 0) ||
        keel_invoke(U, p->thread, KEEL_THREAD_SET_HANDLER, p->handler, 0, 0, 0) ||
        keel_invoke(U, p->thread, KEEL_THREAD_START, 0, 0, 0, 0))
        return false;
    return puppet_trapped(p);   /* it starts on the trap */
}

/* Let the puppet (stopped at a trap) make one system call with words w. */
static bool puppet_do(const uintptr_t w[8])
{
    U->mr[0] = PUPPET_SC;
    U->mr[1] = 0;
    for (uint32_t i = 0; i < 8; i++)
        U->mr[2 + i] = w[i];
    return !err(keel_ipc(U, KEEL_TAG(KEEL_EXC_RESUME, 10, 0), 0, 0,
                         KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0)));
}

static void puppet_end(struct puppet *p)
{
    keel_invoke(U, p->task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(p->task);
    drop(p->thread);
    drop(p->handler);
}

static const uintptr_t puppet_recv[8] = {
    0, 0, KEEL_CAP_OPEN, KEEL_IPC_OPTS(KEEL_IPC_RECV, 0, KEEL_TIMEOUT_NEVER),
};
static const uintptr_t puppet_save[8] = {
    KEEL_TAG(KEEL_THREAD_SAVE_REPLY, 1, 0), 0, 0,
    KEEL_IPC_OPTS(KEEL_IPC_CALL, KEEL_TIMEOUT_NEVER, KEEL_TIMEOUT_NEVER), KEEL_CAP_OPEN,
};

#define CALLERS 8
static volatile uint32_t caller_err[CALLERS], caller_done[CALLERS], caller_order[CALLERS];
static volatile uintptr_t caller_got[CALLERS];
static volatile uint32_t answers;

/* Call the gate in arg >> 8 with word arg & 0xff (= its index), for 3 s at most. */
static void caller(struct keel_utcb *u, uintptr_t arg)
{
    uint32_t i = arg & 0xff;
    u->mr[0] = i;
    struct keel_ipc_result r = keel_call(u, (uint32_t)(arg >> 8), KEEL_TAG(1, 1, 0), 3000 * MS);
    caller_err[i] = err(r);
    caller_got[i] = u->mr[0];
    caller_order[i] = ++answers;
    caller_done[i] = 1;
}

static uint32_t start_caller(uint32_t i, uint32_t gate, uint8_t prio)
{
    caller_done[i] = 0;
    caller_err[i] = 0xff;
    return spawn(caller, (uintptr_t)gate << 8 | i, prio, KEEL_CAP_OPEN);
}

/* Wait until n callers have their answer, up to 5 s: longer than their own
 * 3 s timeout (a hang still shows, as KEEL_E_TIMEOUT), and enough for a
 * machine on a loaded host's clock (powernv has no -icount). */
static bool callers_done(uint32_t n)
{
    for (int k = 0; k < 5000; k++) {
        uint32_t done = 0;
        for (uint32_t i = 0; i < n; i++)
            done += caller_done[i];
        if (done == n)
            return true;
        sleep_us(MS);
    }
    return false;
}

/* A puppet server receives n calls, saving each reply right but the last
 * (held implicitly); then its task is destroyed: every caller must hear. */
static bool server_task_dies(uint32_t n)
{
    struct puppet p;
    uint32_t g = KEEL_CAP_OPEN, threads[CALLERS];
    bool ok = puppet_start(&p, MAIN_PRIO) &&
              !keel_gate_create(U, FACTORY, p.thread, 0x5e, &g);
    for (uint32_t i = 0; ok && i < n; i++) {
        ok = puppet_do(puppet_recv);
        threads[i] = start_caller(i, g, MAIN_PRIO);
        ok = ok && puppet_trapped(&p);          /* it received the call */
        if (ok && i + 1 < n)
            ok = puppet_do(puppet_save) && puppet_trapped(&p);
    }
    bool served = ok;
    puppet_end(&p);
    bool done = ok && callers_done(n);
    ok = done;
    for (uint32_t i = 0; i < n; i++) {
        ok = ok && caller_err[i] == KEEL_E_PARTNER;
        drop(threads[i]);
    }
    drop(g);
    if (!ok) /* which step: the setup, the callers' answers, or their errors */
        keel_printf("ktest: server_task_dies(%u): served %d, answered %d, slots %u %u %u %u\n",
                    (unsigned)n, served, done, p.task, p.thread, p.handler, g);
    return ok;
}

static void test_server_task_dies(void)
{
    check(server_task_dies(3),
          "partner: 3 callers held by a server in another task all fail when it is destroyed");
}

/* -- reply capabilities -- */

static volatile uint32_t srv_self, srv_errs, srv_step;
static volatile uint32_t srv_slot;
static volatile uintptr_t srv_from[3];  /* the caller index of the i-th call received */

/* Receive 3 calls, save each reply right, answer them in reverse order: the
 * i-th call received gets 0x100 + i. */
static void three_caps_server(struct keel_utcb *u, uintptr_t arg)
{
    uint32_t slot[3];
    for (uint32_t i = 0; i < 3; i++) {
        struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        srv_from[i] = u->mr[0];
        slot[i] = KEEL_CAP_OPEN;
        srv_errs += err(r) || keel_save_reply(u, srv_self, &slot[i]);
        srv_step++;
    }
    for (uint32_t i = 3; i-- > 0;) {
        u->mr[0] = 0x100 + i;
        srv_errs += err(keel_reply_cap(u, slot[i], KEEL_TAG(0, 1, 0)));
        /* used up: */
        srv_errs += err(keel_reply_cap(u, slot[i], KEEL_TAG(0, 1, 0))) != KEEL_E_CAP;
    }
    srv_step++;
}

static void test_three_reply_caps(void)
{
    srv_errs = srv_step = 0;
    srv_from[0] = srv_from[1] = srv_from[2] = 0xff;
    answers = 0;
    uint32_t s = spawn(three_caps_server, 0, MAIN_PRIO - 2, KEEL_CAP_OPEN), g = KEEL_CAP_OPEN;
    srv_self = s;
    keel_gate_create(U, FACTORY, s, 0x3c, &g);
    uint32_t c[3];
    for (uint32_t i = 0; i < 3; i++)
        c[i] = start_caller(i, g, MAIN_PRIO - 1);
    bool done = callers_done(3);
    settle();                           /* the server finishes after its last answer */
    bool ok = done && srv_errs == 0 && srv_step == 4;
    /* The callers may reach the server in any order (one can be preempted
     * before its call): the k-th received is answered k-th from last. */
    uint32_t seen = 0;
    for (uint32_t k = 0; k < 3; k++) {
        uintptr_t j = srv_from[k];
        ok = ok && j < 3 && !(seen & 1u << j);
        if (!ok)
            break;
        seen |= 1u << j;
        ok = caller_err[j] == 0 && caller_got[j] == 0x100 + k && caller_order[j] == 3 - k;
    }
    if (!ok)
        keel_printf("DBG done %d errs %u step %u | %u %lx %u | %u %lx %u | %u %lx %u\n", done,
                    srv_errs, srv_step, caller_err[0], (unsigned long)caller_got[0],
                    caller_order[0], caller_err[1], (unsigned long)caller_got[1],
                    caller_order[1], caller_err[2], (unsigned long)caller_got[2],
                    caller_order[2]);
    check(ok, "reply caps: a server holds 3 calls and answers them in reverse order");
    for (uint32_t i = 0; i < 3; i++)
        drop(c[i]);
    drop(s);
    drop(g);
}

/* The error of the stale server's first save: KEEL_E_CAP when its caller
 * had timed out before it (a host that stalls the machine longer than the
 * caller's timeout between the receive and the save). */
static volatile uint32_t srv_old_err;

/* Receive a call and save its reply right (the caller gives up meanwhile),
 * then its next call: the first reply capability must not answer the
 * second call.  A round per attempt of test_stale_reply_cap. */
static void stale_server(struct keel_utcb *u, uintptr_t arg)
{
    for (;;) {
        uint32_t old = KEEL_CAP_OPEN, fresh = KEEL_CAP_OPEN;
        struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        srv_errs += err(r) != 0;
        srv_old_err = keel_save_reply(u, srv_self, &old);
        /* The next call comes only once the first has timed out. */
        r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        srv_errs += err(r) || keel_save_reply(u, srv_self, &fresh);
        if (srv_old_err == KEEL_OK) {
            u->mr[0] = 0x0bad;
            srv_errs += err(keel_reply_cap(u, old, KEEL_TAG(0, 1, 0))) != KEEL_E_PARTNER;
        }
        u->mr[0] = 0x600d;
        srv_errs += err(keel_reply_cap(u, fresh, KEEL_TAG(0, 1, 0))) != 0;
        srv_step++;
    }
}

/*
 * The caller's first call waits for its reply with a timeout, which must
 * expire after the server saved the reply right.  Nothing orders the two
 * but time (powernv runs on the host's clock: a loaded host can stall the
 * machine between the server's receive and its save), so an attempt where
 * the timeout came first (the save found no call to answer: KEEL_E_CAP)
 * proves nothing and is made again with a 4x longer timeout.  The send
 * phase has no short timeout: the server waits already, and a call that
 * timed out before reaching it would desynchronise the rounds.
 */
static void test_stale_reply_cap(void)
{
    srv_errs = srv_step = 0;
    uint32_t s = spawn(stale_server, 0, MAIN_PRIO, KEEL_CAP_OPEN), g = KEEL_CAP_OPEN;
    srv_self = s;
    keel_gate_create(U, FACTORY, s, 0x57, &g);
    bool ok = false;
    uint32_t timeout = 5 * MS, attempts = 0;
    for (bool again = true; again && attempts < 5; timeout *= 4) {
        settle();                       /* it waits for calls */
        srv_errs = srv_step = 0;
        srv_old_err = 0xff;
        attempts++;
        struct keel_ipc_result first =
            keel_ipc(U, KEEL_TAG(1, 0, 0), g, 0, KEEL_IPC_OPTS(KEEL_IPC_CALL, 3000 * MS, timeout));
        U->mr[0] = 0;
        struct keel_ipc_result second = keel_call(U, g, KEEL_TAG(1, 0, 0), 3000 * MS);
        uintptr_t got = U->mr[0];
        settle();                       /* the server finishes after our reply */
        again = err(first) == KEEL_E_TIMEOUT && srv_old_err == KEEL_E_CAP;
        ok = err(first) == KEEL_E_TIMEOUT && !err(second) && got == 0x600d &&
             srv_old_err == KEEL_OK && srv_errs == 0 && srv_step == 1;
        if (!ok && !again)
            keel_printf("ktest: stale reply cap: first %u second %u got %lx saved %u errs %u "
                        "step %u\n", (unsigned)err(first), (unsigned)err(second),
                        (unsigned long)got, (unsigned)srv_old_err, (unsigned)srv_errs,
                        (unsigned)srv_step);
    }
    if (attempts > 1)
        keel_printf("ktest: stale reply cap: %u attempts (the caller timed out before the "
                    "save)\n", (unsigned)attempts);
    check(ok, "reply caps: one saved before its caller timed out does not answer its next call");
    drop(s);
    drop(g);
}

/* Receive a call and save its reply right in srv_slot; nothing more. */
static void saving_server(struct keel_utcb *u, uintptr_t arg)
{
    uint32_t slot = KEEL_CAP_OPEN;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    srv_errs += err(r) || keel_save_reply(u, srv_self, &slot);
    srv_slot = slot;
    srv_step++;
    keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
}

static void test_delete_reply_cap(void)
{
    srv_errs = srv_step = 0;
    uint32_t s = spawn(saving_server, 0, MAIN_PRIO, KEEL_CAP_OPEN), g = KEEL_CAP_OPEN;
    srv_self = s;
    keel_gate_create(U, FACTORY, s, 0xde, &g);
    uint32_t c = start_caller(0, g, MAIN_PRIO);
    settle();                           /* the call is received and saved */
    uint32_t copy = keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, srv_slot, KEEL_RIGHT_SEND,
                                KEEL_CAP_OPEN, 0);
    bool waiting = srv_step == 1 && srv_errs == 0 && !caller_done[0];
    uint32_t e = keel_invoke(U, SELF_TASK, KEEL_TASK_DELETE_CAP, srv_slot, 0, 0, 0);
    check(waiting && copy == KEEL_E_CAP && e == 0 && callers_done(1) &&
          caller_err[0] == KEEL_E_PARTNER,
          "reply caps: deleting one fails its caller; none can be copied");
    drop(c);
    drop(s);
    drop(g);
}

/* -- the random system-call test, continued: the classes of issue 7 -- */

static volatile uintptr_t refault_arg;
static volatile uint32_t refaults;

/* Resumed here (or not, for short replies) after each fault: fault again. */
static void refault(uintptr_t a0)
{
    refault_arg = a0;
    refaults++;
    *(volatile uintptr_t *)BAD_ADDR = a0;
    for (;;)
        ;
}

/* A thread faults again and again; each "resume" reply has another length
 * (every one from 0 to 64 words, the rest of the words random). */
static bool resume_every_length(void)
{
    uint32_t g = KEEL_CAP_OPEN;
    uintptr_t stack = new_stack(2);
    keel_gate_create(U, FACTORY, SELF_THREAD, 0xf0, &g);
    uint32_t t = spawn(fault_write, 0, MAIN_PRIO, g);
    struct keel_ipc_result r = keel_recv(U, g, 1000 * MS);
    bool ok = stack && !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXCEPTION;
    for (uint32_t n = 0; ok && n <= KEEL_MSG_WORDS; n++) {
        uint32_t before = refaults;
        for (uint32_t i = 0; i < KEEL_MSG_WORDS; i++)
            U->mr[i] = rnd();
        U->mr[0] = (uintptr_t)refault;
        U->mr[1] = stack - 256;
        U->mr[2] = n;
        r = keel_ipc(U, KEEL_TAG(KEEL_EXC_RESUME, n, 0), 0, g,
                     KEEL_IPC_OPTS(KEEL_IPC_REPLY | KEEL_IPC_RECV, 0, 1000 * MS));
        ok = !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXCEPTION &&
             U->mr[KEEL_EXC_KIND] == KEEL_FAULT_PAGE_WRITE &&
             refaults == before + (n > 0) && (n < 3 || refault_arg == n);
    }
    keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    drop(t);
    drop(g);
    return ok;
}

static void test_random_hardening(void)
{
    bool resumes = resume_every_length();
    bool bare = bare_victim != KEEL_CAP_OPEN;
    for (uint32_t n = 0; bare && n <= KEEL_MSG_WORDS; n++)
        bare = bare_round(n, n <= KEEL_MSG_REG_WORDS ? KEEL_OK : KEEL_E_INVALID);
    bool chains = true;
    for (uint32_t i = 0; i < 3 && chains; i++)
        chains = chain(10 + (uint32_t)(rnd() % 50));
    bool servers = true;
    for (uint32_t i = 0; i < 4 && servers; i++)
        servers = server_task_dies(1 + (uint32_t)(rnd() % 4));
    check(resumes, "random: 'resume' replies of every length from 0 to 64 words");
    check(bare, "random: a handler without a UTCB, 'resume' replies of every length");
    check(chains, "random: chains of blocked senders of random length");
    check(servers, "random: servers holding 1-4 calls, then destroyed");
    check(echo_words(4) && echo_words(64), "random: afterwards IPC still works");
}

/* ---- quota and tags (issue 7) ---- */

#define QT_AREA ((uintptr_t)0x0000020000000000ull)  /* fresh tables: a root entry of its own */
#define CYCLES 10000                                /* more tasks than any tag width */

/* Pages left in the factory at slot f (or ~0 if it cannot say). */
static uint64_t quota(uint32_t f)
{
    return keel_invoke(U, f, KEEL_FACTORY_QUOTA, 0, 0, 0, 0) ? ~(uint64_t)0 : U->mr[0];
}

/* A sub-factory of FACTORY with pages; KEEL_CAP_OPEN if none. */
static uint32_t sub_factory(uint64_t pages)
{
    uint32_t f = KEEL_CAP_OPEN;
    return keel_factory_create(U, FACTORY, pages, &f) ? KEEL_CAP_OPEN : f;
}

/* Finding 4: MAP_ANON, repeated until it fails, is bounded by the factory
 * named, which pays for the pages and their tables; no other factory pays,
 * not even the one that made the task. */
static void test_quota_map_anon(void)
{
    uint32_t s0 = sub_factory(16);
    uint64_t own = quota(FACTORY);
    uint32_t e = keel_map_anon(U, SELF_TASK, s0, QT_AREA, 1, KEEL_MAP_R | KEEL_MAP_W);
    uint64_t first = 16 - quota(s0);
    e |= keel_map_anon(U, SELF_TASK, s0, QT_AREA + 4096, 8, KEEL_MAP_R | KEEL_MAP_W);
    check(!e && first >= 1 && first <= 4 && 16 - quota(s0) == first + 8 && quota(FACTORY) == own,
          "quota: mapping into one's own task is charged to the factory named, tables included");

    uint32_t maker = sub_factory(32), s = sub_factory(64), task = KEEL_CAP_OPEN;
    own = quota(FACTORY);
    e = keel_task_create(U, maker, &task);
    uint64_t made = quota(maker);
    check(!e && made < 32 && quota(s) == 64 && quota(FACTORY) == own,
          "quota: a task is charged to the factory that made it");
    uint64_t left = 64, mapped = 0;
    bool exact = true;
    for (uintptr_t va = AREA; !e; va += 4096) {
        e = keel_map_anon(U, task, s, va, 1, KEEL_MAP_R);
        uint64_t now = quota(s);
        if (!e) {
            mapped++;
            exact &= mapped == 1 ? left - now >= 1 && left - now <= 4 : left - now == 1;
        }
        left = now;
    }
    check(e == KEEL_E_QUOTA && left == 0 && exact && mapped >= 61,
          "quota: MAP_ANON until it fails uses exactly the named factory's pages");
    check(quota(FACTORY) == own && quota(maker) == made,
          "quota: the factories not named (the task's maker, our own) are untouched");
    e = keel_map_anon(U, SELF_TASK, s, QT_AREA + 64 * 4096, 1, KEEL_MAP_R);
    check(e == KEEL_E_QUOTA && quota(FACTORY) == own,
          "quota: an exhausted factory maps nothing, not even into its holder's task");
    e = keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    bool back = quota(s) == 64 && quota(maker) == 31;
    drop(task);
    check(!e && back && quota(maker) == 32,
          "quota: destroying a task returns every page to its payer; the header goes with the last capability");
    drop(s0);
    drop(maker);
    drop(s);
}

/* FACTORY_THREAD charges the invoked factory, not the task's maker. */
static void test_quota_thread(void)
{
    uint32_t s = sub_factory(3), t[5], e = 0, made = 0;
    uint64_t own = quota(FACTORY);
    for (int i = 0; i < 5 && !e; i++) {
        t[i] = KEEL_CAP_OPEN;
        e = keel_thread_create(U, s, SELF_TASK, &t[i]);
        made += !e;
    }
    check(e == KEEL_E_QUOTA && made == 3 && quota(s) == 0 && quota(FACTORY) == own,
          "quota: FACTORY_THREAD charges the invoked factory");
    for (uint32_t i = 0; i < made; i++)
        drop(t[i]);
    drop(s);
}

/* The factory argument of MAP_ANON, LOAD_ELF and SET_UTCB. */
static void test_quota_errors(void)
{
    uint32_t idle = KEEL_CAP_OPEN, weak = KEEL_CAP_OPEN, empty = sub_factory(0);
    keel_thread_create(U, FACTORY, SELF_TASK, &idle);
    keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, FACTORY, KEEL_RIGHT_RECV, KEEL_CAP_OPEN, 0);
    weak = (uint32_t)U->mr[0];
    uint64_t own = quota(FACTORY);
    uint32_t e = keel_map_anon(U, SELF_TASK, 4000, BAD_ADDR, 1, KEEL_MAP_R);
    check(e == KEEL_E_CAP, "quota: MAP_ANON charged to a bad slot is refused");
    e = keel_map_anon(U, SELF_TASK, gate_a, BAD_ADDR, 1, KEEL_MAP_R);
    check(e == KEEL_E_CAP, "quota: MAP_ANON charged to a gate is refused");
    e = keel_map_anon(U, SELF_TASK, weak, BAD_ADDR, 1, KEEL_MAP_R);
    check(e == KEEL_E_RIGHTS, "quota: charging a factory needs the send right");
    e = keel_map_anon(U, SELF_TASK, empty, BAD_ADDR, 1, KEEL_MAP_R);
    check(e == KEEL_E_QUOTA, "quota: MAP_ANON charged to an empty factory fails");
    e = keel_thread_set_utcb(U, idle, 4000, BAD_ADDR);
    check(e == KEEL_E_CAP, "quota: SET_UTCB charged to a bad slot is refused");
    e = keel_thread_set_utcb(U, idle, empty, BAD_ADDR);
    check(e == KEEL_E_QUOTA, "quota: SET_UTCB charged to an empty factory fails");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_LOAD_ELF, AREA, 64, 4000, 0);
    check(e == KEEL_E_CAP, "quota: LOAD_ELF charged to a bad slot is refused");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_LOAD_ELF, AREA, 64, weak, 0);
    check(e == KEEL_E_RIGHTS, "quota: LOAD_ELF charged without the send right is refused");
    uint32_t t = KEEL_CAP_OPEN;
    e = keel_task_create(U, empty, &t);
    check(e == KEEL_E_QUOTA && quota(FACTORY) == own, "quota: none of these charged anyone");
    drop(idle);
    drop(weak);
    drop(empty);
}

/* One task that runs: its thread faults at its first instruction, which
 * makes the kernel activate (and tag) its address space; then it goes. */
static uint32_t run_and_destroy(uint32_t f, uint32_t handler)
{
    uint32_t task = KEEL_CAP_OPEN, t = KEEL_CAP_OPEN, e;
    if ((e = keel_task_create(U, f, &task)))
        return e;
    if (!(e = keel_thread_create(U, f, task, &t)) &&
        !(e = keel_thread_set_utcb(U, t, f, AREA)) &&
        !(e = keel_invoke(U, t, KEEL_THREAD_SET_REGS, BAD_ADDR, 0, AREA, 0)) &&
        !(e = keel_invoke(U, t, KEEL_THREAD_SET_HANDLER, handler, 0, 0, 0)) &&
        !(e = keel_invoke(U, t, KEEL_THREAD_START, 0, 0, 0, 0))) {
        struct keel_ipc_result r = keel_recv(U, handler, 1000 * MS);
        if (err(r) || KEEL_TAG_LABEL(r.tag) != KEEL_LABEL_EXCEPTION)
            e = err(r) ? err(r) : KEEL_E_INVALID;
    }
    uint32_t d = keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    if (t != KEEL_CAP_OPEN)
        drop(t);
    drop(task);
    return e ? e : d;
}

/* Finding 5: more tasks than there are tags, each run once, all succeed,
 * and each gives back every page it took. */
static void test_tag_cycles(void)
{
    uint32_t f = sub_factory(64), g = KEEL_CAP_OPEN, bad = 0, leaks = 0;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x7a, &g);
    uint64_t start = quota(f);
    for (uint32_t i = 0; i < CYCLES; i++) {
        bad += run_and_destroy(f, g) != KEEL_OK;
        leaks += quota(f) != start;
    }
    char name[96];
    keel_snprintf(name, sizeof(name), "tags: %u tasks made, run and destroyed (%u failed)",
                  CYCLES, bad);
    check(bad == 0, name);
    check(leaks == 0 && quota(f) == start,
          "tags: the factory's quota is back to its exact start after every cycle");
    check(echo_words(4), "tags: IPC still works after the tags rolled over");
    drop(g);
    drop(f);
}

/* Random operations that allocate, charged to a small factory that runs
 * dry over and over, with tasks that run (tags) and are destroyed; at the
 * end every page is back (gates, notifications and factories went with
 * their last capability). */
static void test_random_quota(uint32_t ops)
{
    enum { TASKS = 4, Q = 48 };
    uint32_t f = sub_factory(Q), g = KEEL_CAP_OPEN;
    uint32_t task[TASKS], thread[TASKS];
    uint32_t quota_errors = 0;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x7b, &g);
    uint32_t held[TASKS];
    for (int i = 0; i < TASKS; i++)
        task[i] = thread[i] = held[i] = KEEL_CAP_OPEN;
    for (uint32_t n = 0; n < ops; n++) {
        uint32_t i = (uint32_t)(rnd() % TASKS), slot = KEEL_CAP_OPEN, e = 0;
        uintptr_t va = AREA + (rnd() % 32) * 4096;
        /* Mostly the small factory; sometimes any slot at all as the factory
         * argument (never as the invoked capability: a gate would block). */
        uint32_t charge = rnd() % 16 ? f : (uint32_t)rnd() % 70;
        switch (rnd() % 9) {
        case 0:
            if (task[i] == KEEL_CAP_OPEN && (e = keel_task_create(U, f, &task[i])))
                task[i] = KEEL_CAP_OPEN;
            break;
        case 1:
            if (task[i] != KEEL_CAP_OPEN && thread[i] == KEEL_CAP_OPEN &&
                (e = keel_thread_create(U, f, task[i], &thread[i])))
                thread[i] = KEEL_CAP_OPEN;
            break;
        case 2:
            if (task[i] != KEEL_CAP_OPEN)
                e = keel_map_anon(U, task[i], charge, va, 1 + rnd() % 8,
                                  (uint32_t)(rnd() % 9)); /* 0 and 8 are invalid */
            break;
        case 3:
            if (thread[i] != KEEL_CAP_OPEN)
                e = keel_thread_set_utcb(U, thread[i], charge, va);
            break;
        case 4:
            e = keel_invoke(U, task[i] != KEEL_CAP_OPEN ? task[i] : SELF_TASK,
                            KEEL_TASK_LOAD_ELF, AREA, 64 + rnd() % 4096, charge, 0);
            break;
        case 5: { /* an object held a while: its last capability going frees it */
            uint32_t kind = (uint32_t)(rnd() % 3);
            uint64_t pages = rnd() % 24;    /* a sub-factory holds quota back */
            if (held[i] != KEEL_CAP_OPEN) {
                drop(held[i]);
                held[i] = KEEL_CAP_OPEN;
                break;
            }
            e = kind == 0 ? keel_notification_create(U, f, 1, &slot)
              : kind == 1 ? keel_gate_create(U, f, server, 1, &slot)
              : keel_factory_create(U, f, pages, &slot);
            if (!e)
                held[i] = slot;
            break;
        }
        case 6: /* run it: its thread faults at once, in its own address space */
            if (thread[i] != KEEL_CAP_OPEN &&
                !keel_invoke(U, thread[i], KEEL_THREAD_SET_REGS, BAD_ADDR, 0, 0, 0)) {
                keel_invoke(U, thread[i], KEEL_THREAD_SET_HANDLER, g, 0, 0, 0);
                keel_invoke(U, thread[i], KEEL_THREAD_START, 0, 0, 0, 0);
                keel_recv(U, g, 100 * MS);
            }
            break;
        default:
            if (task[i] != KEEL_CAP_OPEN) {
                keel_invoke(U, task[i], KEEL_TASK_DESTROY, 0, 0, 0, 0);
                if (thread[i] != KEEL_CAP_OPEN)
                    drop(thread[i]);
                drop(task[i]);
                task[i] = thread[i] = KEEL_CAP_OPEN;
            }
            break;
        }
        quota_errors += e == KEEL_E_QUOTA;
    }
    for (int i = 0; i < TASKS; i++) {
        drop(held[i]);
        if (task[i] == KEEL_CAP_OPEN)
            continue;
        keel_invoke(U, task[i], KEEL_TASK_DESTROY, 0, 0, 0, 0);
        if (thread[i] != KEEL_CAP_OPEN)
            drop(thread[i]);
        drop(task[i]);
    }
    char name[112];
    keel_snprintf(name, sizeof(name),
                  "random: %u allocating operations (%u ran out of quota), every page is back",
                  (unsigned)ops, quota_errors);
    check(quota_errors > 0 && quota(f) == Q, name);
    if (quota(f) != Q)
        keel_printf("ktest: quota %u, expected %u\n", (unsigned)quota(f), (unsigned)Q);
    drop(g);
    drop(f);
}

/* ---- the random test, several seeds ---- */

/* Each round reseeds the generator, so a failure names a seed that replays
 * it (exactly so under -icount, where the interleaving is fixed too). */
static const uint64_t random_seeds[] = {
    0x9e3779b97f4a7c15ull, 0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull,
};
#define RANDOM_CALLS 25000      /* per seed */
#define RANDOM_QUOTA_OPS 5000   /* per seed */

static void test_random(void)
{
    char name[128];
    for (uint32_t i = 0; i < sizeof(random_seeds) / sizeof(random_seeds[0]); i++) {
        unsigned long long seed = random_seeds[i];
        keel_printf("ktest: random round %u, seed 0x%llx\n", (unsigned)i, seed);
        rng = seed;
        uint64_t before = quota(FACTORY);
        random_calls(RANDOM_CALLS);
        keel_snprintf(name, sizeof(name), "random (seed 0x%llx): %u random system calls, "
                      "then IPC works and no page of quota is lost", seed, RANDOM_CALLS);
        check(echo_words(4) && echo_words(64) && quota(FACTORY) == before, name);
        test_random_hardening();
        test_random_quota(RANDOM_QUOTA_OPS);
    }
}

/* ---- object model: badges and capability-table sizes (issue 8) ---- */

#define BADGE_1 0x1001
#define BADGE_2 0x1002

/* A copy of the gate capability at from in our own table with badge (0: a
 * plain copy); its slot, or KEEL_CAP_OPEN and the error in *e. */
static uint32_t minted(uint32_t from, uint64_t badge, uint32_t *e)
{
    uint32_t slot = KEEL_CAP_OPEN;
    *e = keel_cap_mint(U, SELF_TASK, from, KEEL_RIGHTS_ALL & ~KEEL_RIGHT_CONTROL, badge, &slot);
    return *e ? KEEL_CAP_OPEN : slot;
}

/* What the echo server learns (word 2) from a WHO call through cap. */
static uintptr_t who(uint32_t cap)
{
    U->mr[0] = 0;
    struct keel_ipc_result r = keel_call(U, cap, KEEL_TAG(WHO, 0, 0), KEEL_TIMEOUT_NEVER);
    return err(r) ? ~(uintptr_t)0 : U->mr[0];
}

static volatile uintptr_t badge_client_saw[2];

/* A client thread: WHO through the capability in arg, the answer kept. */
static void badge_client(struct keel_utcb *u, uintptr_t arg)
{
    u->mr[0] = 0;
    struct keel_ipc_result r = keel_call(u, (uint32_t)(arg >> 1), KEEL_TAG(WHO, 0, 0),
                                         KEEL_TIMEOUT_NEVER);
    badge_client_saw[arg & 1] = err(r) ? ~(uintptr_t)0 : u->mr[0];
}

/* A thread that sends the capability at arg >> 32 as an item, through the
 * gate at arg & 0xffffffff. */
static void item_sender(struct keel_utcb *u, uintptr_t arg)
{
    u->item[0].slot = (uint32_t)(arg >> 32);
    u->item[0].rights = KEEL_RIGHT_SEND;
    keel_send(u, (uint32_t)arg, KEEL_TAG(7, 0, 1), 1000 * MS);
}

static void test_badges(void)
{
    uint32_t e1, e2, e;
    uint32_t b1 = minted(gate_a, BADGE_1, &e1), b2 = minted(gate_a, BADGE_2, &e2);
    check(!e1 && !e2 && who(b1) == BADGE_1 && who(b2) == BADGE_2 && who(gate_a) == 0xa,
          "badge: one gate, two badged capabilities: the receiver tells them apart");
    uint32_t t1 = spawn(badge_client, (uintptr_t)b1 << 1, MAIN_PRIO, KEEL_CAP_OPEN);
    uint32_t t2 = spawn(badge_client, (uintptr_t)b2 << 1 | 1, MAIN_PRIO, KEEL_CAP_OPEN);
    settle();
    check(t1 != KEEL_CAP_OPEN && t2 != KEEL_CAP_OPEN && badge_client_saw[0] == BADGE_1 &&
          badge_client_saw[1] == BADGE_2,
          "badge: two client threads through differently badged capabilities are told apart");
    uint32_t copy = minted(b1, 0, &e);
    check(!e && who(copy) == BADGE_1, "badge: a plain copy of a badged capability keeps its badge");
    uint32_t again = minted(b1, 0x2000, &e);
    check(e == KEEL_E_RIGHTS && again == KEEL_CAP_OPEN && who(b1) == BADGE_1,
          "badge: a badged capability cannot be re-badged (KEEL_E_RIGHTS)");
    (void)minted(FACTORY, 0x3000, &e);
    check(e == KEEL_E_CAP, "badge: only gate capabilities take a badge (KEEL_E_CAP)");
    (void)minted(4000, 0x3000, &e);
    check(e == KEEL_E_CAP, "badge: minting from a bad slot fails");

    /* Through an item: a helper sends b2 to a gate bound to us; the copy we
     * receive still carries BADGE_2.  The helper is queued before we
     * receive, so the badge of the gate it used (0x55) comes from its send. */
    uint32_t own = KEEL_CAP_OPEN, own_b = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x77, &own);
    own_b = minted(own, 0x55, &e);
    uint32_t h = spawn(item_sender, (uintptr_t)b2 << 32 | own_b, MAIN_PRIO, KEEL_CAP_OPEN);
    settle();
    U->accept_items = 1;
    struct keel_ipc_result r = keel_recv(U, own, 1000 * MS);
    U->accept_items = 0;
    uint32_t got = KEEL_TAG_ITEMS(r.tag) == 1 ? U->item[0].slot : KEEL_CAP_OPEN;
    check(!err(r) && r.label == 0x55 && got != KEEL_CAP_OPEN,
          "badge: a queued sender's badge reaches the receiver");
    check(got != KEEL_CAP_OPEN && who(got) == BADGE_2,
          "badge: a badged capability keeps its badge when sent as an item");
    settle();
    drop(got);
    drop(h);
    drop(own_b);
    drop(own);
    drop(copy);
    drop(t1);
    drop(t2);
    drop(b1);
    drop(b2);
}

/* A task of factory f with a table of 2^bits slots (0: the default); its
 * slot, or KEEL_CAP_OPEN and the error in *e. */
static uint32_t sized_task(uint32_t f, uint32_t bits, uint32_t *e)
{
    uint32_t task = KEEL_CAP_OPEN;
    *e = keel_task_create_sized(U, f, bits, &task);
    return *e ? KEEL_CAP_OPEN : task;
}

/* A gate copy into slot of task: the error. */
static uint32_t put_at(uint32_t task, uint32_t slot)
{
    return keel_invoke(U, task, KEEL_TASK_GIVE_CAP, gate_a, KEEL_RIGHT_SEND, slot, 0);
}

static void test_cap_table_sizes(void)
{
    static const uint32_t bits[] = { 1, 4, 6, 10, 12 };
    /* Charged to our own factory and given back: a sub-factory's quota
     * would be lost with it (factories are never freed). */
    uint32_t f = FACTORY, e;
    uint64_t start = quota(f), base_cost = 0;
    bool ok = true;
    for (uint32_t i = 0; i < sizeof(bits) / sizeof(bits[0]) && ok; i++) {
        uint32_t n = 1u << bits[i];
        uint64_t before = quota(f);
        uint32_t task = sized_task(f, bits[i], &e);
        uint64_t cost = before - quota(f), table = n * 64u > 4096 ? n * 64u / 4096 : 1;
        if (!i)
            base_cost = cost - table;   /* the task's header and page-table root */
        bool last = put_at(task, n - 1) == KEEL_OK;
        bool beyond = put_at(task, n) == KEEL_E_CAP;
        bool open = put_at(task, KEEL_CAP_OPEN) == KEEL_OK && U->mr[0] == 0;
        uint32_t d = keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
        drop(task);
        bool back = quota(f) == before;
        if (!(ok = !e && cost == base_cost + table && last && beyond && open && !d && back))
            keel_printf("ktest: table of %u slots: e %u cost %u last %d beyond %d back %d\n",
                        (unsigned)n, (unsigned)e, (unsigned)cost, last, beyond, back);
    }
    check(ok, "caps: tables of 2, 16, 64, 1024 and 4096 slots cost their pages, take the last "
              "slot, refuse the one after, and give every page back");
    uint32_t task = sized_task(f, 0, &e);
    bool dflt = !e && put_at(task, 63) == KEEL_OK && put_at(task, 64) == KEEL_E_CAP;
    keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(task);
    check(dflt && quota(f) == start, "caps: size 0 is the default table of 64 slots");
    (void)sized_task(f, 17, &e);
    check(e == KEEL_E_INVALID && quota(f) == start, "caps: a table of 2^17 slots is invalid");
    (void)sized_task(f, 64, &e);
    check(e == KEEL_E_INVALID && quota(f) == start, "caps: a table size of 2^64 is invalid");
    uint32_t small = sub_factory(8);
    (void)sized_task(small, 10, &e);
    check(e == KEEL_E_QUOTA && quota(small) == 8,
          "caps: a table its factory cannot pay for is KEEL_E_QUOTA, nothing charged");
    drop(small);

    /* The largest table: 65536 slots, 1024 pages. */
    start = quota(f);   /* less the sub-factory just made */
    task = sized_task(f, 16, &e);
    uint64_t used = start - quota(f);
    bool last = put_at(task, 65535) == KEEL_OK && put_at(task, 65536) == KEEL_E_CAP;
    uint32_t d = keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(task);
    if (e || used < 1024 + 2 || !last || d || quota(f) != start)
        keel_printf("ktest: 65536 slots: e %u used %u last %d destroy %u quota %u of %u\n",
                    (unsigned)e, (unsigned)used, last, (unsigned)d, (unsigned)quota(f),
                    (unsigned)start);
    check(!e && used >= 1024 + 2 && last && !d && quota(f) == start,
          "caps: a table of 65536 slots (1024 pages) takes slot 65535, and every page comes back");
}

/* ---- memory delegation (issue 8, part 2) ---- */

#define MEM_AREA ((uintptr_t)0x0000040000000000ull)
#define MEM_SRC MEM_AREA                                /* 4 pages we own */
#define MEM_WIN(i) (MEM_AREA + 0x1000000ull * (uintptr_t)(1 + (i)))  /* windows, 16 MiB apart */
#define MEM_POOL (MEM_AREA + 0x40000000ull)             /* the pager's zero pages */
#define MEM_LAZY ((uintptr_t)0x0000050000000000ull)     /* served lazily to the other task */
#define MEM_PAGE 4096u
#define MEM_FAULT 0x10000u                              /* watch(): "faulted", | kind */
#define MEM_MARK(k) (0xa000u + (k))                     /* first word of source page k */
#define UNMAP_MANY 300                                  /* more than one unmap step takes */

static volatile uint32_t mem_data[MEM_PAGE / 4] __attribute__((aligned(4096)));
static uint8_t remote_stack[2 * MEM_PAGE] __attribute__((aligned(4096)));

/* Bodies for watched threads (no UTCB: raw system calls only). */
static void probe_read(uintptr_t a)
{
    keel_debug_exit((int)*(volatile uint32_t *)a);
}

static void probe_write(uintptr_t a)
{
    *(volatile uint32_t *)a = 0x77;
    keel_debug_exit(0x77);
}

/* Four pages at a: each must read zero first; writes k + 1 into page k. */
static void probe_zero_fill(uintptr_t a)
{
    uint32_t sum = 0;
    for (uint32_t k = 0; k < 4; k++) {
        volatile uint32_t *p = (volatile uint32_t *)(a + k * MEM_PAGE);
        if (*p)
            keel_debug_exit((int)(1000 + k));
        *p = k + 1;
        sum += *p;
    }
    keel_debug_exit((int)sum);
}

/* A thread whose faults come to us.  As a pager (mirror) it serves every
 * fault with our own page at the same address, except in [lo, hi): there
 * with rights data_rights, or (zero) with a fresh zero page of the pool;
 * a second fault on a page of [lo, hi) is not served (rights). */
struct watched {
    uint32_t task, thread, gate;
    uintptr_t sp, lo, hi;
    bool mirror, zero;
    uint32_t data_rights, served, range_faults;
};

/* Run fn(arg) on w's thread: its exit status, or MEM_FAULT | kind of the
 * fault left unserved; 0xdead if the protocol broke. */
static uint32_t watch(struct watched *w, void (*fn)(uintptr_t), uintptr_t arg)
{
    if (keel_invoke(U, w->thread, KEEL_THREAD_SET_REGS, (uintptr_t)fn, w->sp, arg, 0) ||
        keel_invoke(U, w->thread, KEEL_THREAD_START, 0, 0, 0, 0))
        return 0xdead;
    struct keel_ipc_result r = keel_recv(U, w->gate, 1000 * MS);
    for (uint32_t n = 0; n < 64 && !err(r); n++) {
        uintptr_t addr = U->mr[KEEL_EXC_ADDR];
        uint32_t kind = (uint32_t)U->mr[KEEL_EXC_KIND], verdict = 0;
        if (KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT)
            verdict = (uint32_t)U->mr[0];
        else if (kind == KEEL_FAULT_PAGE_EXEC && !addr)
            addr = U->mr[KEEL_EXC_IP];
        uintptr_t page = addr & ~(uintptr_t)(MEM_PAGE - 1), from = page;
        uint32_t rights = KEEL_MAP_R | KEEL_MAP_W | KEEL_MAP_X;
        bool in_range = addr >= w->lo && addr < w->hi;
        uint32_t bit = in_range ? 1u << ((page - w->lo) / MEM_PAGE) : 0;
        if (KEEL_TAG_LABEL(r.tag) != KEEL_LABEL_EXIT) {
            if (!w->mirror || kind > KEEL_FAULT_PAGE_EXEC || (w->served & bit))
                verdict = MEM_FAULT | kind;
            w->range_faults += in_range;
        }
        if (verdict) {
            keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
            return verdict;
        }
        if (in_range) {
            w->served |= bit;
            from = w->zero ? MEM_POOL + (page - w->lo) : page;
            rights = w->zero ? KEEL_MAP_R | KEEL_MAP_W : w->data_rights;
        }
        U->mr[0] = U->mr[1] = 0;                        /* retry the access */
        keel_mem_item(U, 0, KEEL_ITEM_MAP, from, 12, rights);
        r = keel_reply_wait(U, KEEL_TAG(KEEL_EXC_RESUME, 0, 1), w->gate, 1000 * MS);
    }
    return 0xdead;
}

/* A watched thread in task (SELF_TASK or another), at our priority, its
 * faults to gate (a gate of ours). */
static bool watched_start(struct watched *w, uint32_t task, uintptr_t sp, uint32_t gate)
{
    *w = (struct watched){ .task = task, .thread = KEEL_CAP_OPEN, .gate = gate, .sp = sp };
    return gate != KEEL_CAP_OPEN && !keel_thread_create(U, FACTORY, task, &w->thread) &&
           !keel_invoke(U, w->thread, KEEL_THREAD_SET_PRIO, MAIN_PRIO, 0, 0, 0) &&
           !keel_invoke(U, w->thread, KEEL_THREAD_SET_HANDLER, w->gate, 0, 0, 0);
}

static struct watched probe;

/* What a thread of ours reads at a: the word, or MEM_FAULT | kind. */
static uint32_t read_at(uintptr_t a)
{
    return watch(&probe, probe_read, a);
}

/* The window server: receives memory items into the window we set in its
 * UTCB (ws_u) and records what arrived. */
static uint32_t ws_gate = KEEL_CAP_OPEN;
static struct keel_utcb *volatile ws_u;
static volatile uint32_t ws_msgs, ws_items, ws_type, ws_order;
static volatile uintptr_t ws_base;

static void window_server(struct keel_utcb *u, uintptr_t arg)
{
    u->accept_items = KEEL_MSG_ITEMS;
    ws_u = u;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        ws_items = KEEL_TAG_ITEMS(r.tag);
        ws_type = u->item[0].type;
        ws_order = u->item[0].order;
        ws_base = u->item[0].base;
        ws_msgs++;
        r = keel_reply_wait(u, KEEL_TAG(0, 0, 0), KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    }
}

/* Send the window server a memory item; its window is [win, win + 2^win_order).
 * The sender's error. */
static uint32_t send_mem(uint32_t type, uintptr_t base, uint32_t order, uint32_t rights,
                         uintptr_t win, uint32_t win_order)
{
    keel_set_window(ws_u, win, win_order);
    keel_mem_item(U, 0, type, base, order, rights);
    return err(keel_call(U, ws_gate, KEEL_TAG(1, 0, 1), 1000 * MS));
}

static uint32_t mem_word(uintptr_t a)
{
    return *(volatile uint32_t *)a;
}

static void test_map_items(void)
{
    uint32_t e = send_mem(KEEL_ITEM_MAP, MEM_SRC, 12, KEEL_MAP_R | KEEL_MAP_W, MEM_WIN(0), 12);
    check(!e && ws_items == 1 && ws_type == KEEL_ITEM_MAP && ws_base == MEM_WIN(0) &&
          ws_order == 12 && mem_word(MEM_WIN(0)) == MEM_MARK(0),
          "map: a page lands in the receiver's window and the item says where");
    *(volatile uint32_t *)MEM_WIN(0) = 0xbeef;
    check(mem_word(MEM_SRC) == 0xbeef, "map: sender and receiver share the frame");
    *(volatile uint32_t *)MEM_SRC = MEM_MARK(0);

    e = send_mem(KEEL_ITEM_MAP, MEM_SRC + MEM_PAGE, 12, KEEL_MAP_R, MEM_WIN(1), 12);
    check(!e && read_at(MEM_WIN(1)) == MEM_MARK(1) &&
          watch(&probe, probe_write, MEM_WIN(1)) == (MEM_FAULT | KEEL_FAULT_PAGE_WRITE) &&
          mem_word(MEM_SRC + MEM_PAGE) == MEM_MARK(1),
          "map: rights only shrink (a read-only map refuses writes)");

    /* The L4 rule: the smaller of region and window decides, same offset. */
    e = send_mem(KEEL_ITEM_MAP, MEM_SRC + 2 * MEM_PAGE, 12, KEEL_MAP_R, MEM_WIN(2), 16);
    check(!e && ws_base == MEM_WIN(2) + 2 * MEM_PAGE && ws_order == 12 &&
          mem_word(MEM_WIN(2) + 2 * MEM_PAGE) == MEM_MARK(2),
          "map: a page lands at its offset in a larger window");
    e = send_mem(KEEL_ITEM_MAP, MEM_SRC, 14, KEEL_MAP_R, MEM_WIN(3) + 3 * MEM_PAGE, 12);
    check(!e && ws_base == MEM_WIN(3) + 3 * MEM_PAGE && ws_order == 12 &&
          mem_word(MEM_WIN(3) + 3 * MEM_PAGE) == MEM_MARK(3) &&
          read_at(MEM_WIN(3) + 2 * MEM_PAGE) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "map: a smaller window takes the part of the region at its offset");

    e = send_mem(KEEL_ITEM_MAP, MEM_SRC + 16 * MEM_PAGE, 12, KEEL_MAP_R, MEM_WIN(7), 12);
    check(!e && ws_items == 1 && read_at(MEM_WIN(7)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "map: a page the sender does not have is skipped");

    e = keel_unmap(U, SELF_TASK, MEM_SRC, 12, 0);
    check(!e && read_at(MEM_WIN(0)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          mem_word(MEM_SRC) == MEM_MARK(0),
          "unmap: access through the receiver faults after unmap; the owner keeps its page");
}

static void test_unmap_and_grant(void)
{
    /* Three levels: SRC+1 -> WIN(1) (above) -> WIN(4) -> WIN(5). */
    uint32_t e = send_mem(KEEL_ITEM_MAP, MEM_WIN(1), 12, KEEL_MAP_R, MEM_WIN(4), 12);
    e = e ? e : send_mem(KEEL_ITEM_MAP, MEM_WIN(4), 12, KEEL_MAP_R, MEM_WIN(5), 12);
    check(!e && read_at(MEM_WIN(5)) == MEM_MARK(1), "map: a mapping mapped on (three levels)");
    e = keel_unmap(U, SELF_TASK, MEM_SRC + MEM_PAGE, 12, 0);
    check(!e && read_at(MEM_WIN(1)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(MEM_WIN(4)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(MEM_WIN(5)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          mem_word(MEM_SRC + MEM_PAGE) == MEM_MARK(1),
          "unmap: recursive, three levels deep");

    /* Grant moves WIN(2)+2 (from SRC+2) to WIN(6); it stays derived from SRC+2. */
    e = send_mem(KEEL_ITEM_GRANT, MEM_WIN(2) + 2 * MEM_PAGE, 12, KEEL_MAP_R, MEM_WIN(6), 12);
    check(!e && ws_type == KEEL_ITEM_GRANT && read_at(MEM_WIN(6)) == MEM_MARK(2) &&
          read_at(MEM_WIN(2) + 2 * MEM_PAGE) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "grant: the receiver gets the page, the sender loses it");
    e = keel_unmap(U, SELF_TASK, MEM_SRC + 2 * MEM_PAGE, 12, 0);
    check(!e && read_at(MEM_WIN(6)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "grant: a granted mapping is still taken back from its source");
    check(send_mem(KEEL_ITEM_GRANT, MEM_SRC + 3 * MEM_PAGE, 12, KEEL_MAP_R, MEM_WIN(7), 12) ==
          KEEL_E_INVALID, "grant: memory the sender owns is mapped, not granted (KEEL_E_INVALID)");

    /* Unmap of the caller's own received mapping. */
    e = send_mem(KEEL_ITEM_MAP, MEM_SRC, 12, KEEL_MAP_R, MEM_WIN(9), 12);
    e = e ? e : keel_unmap(U, SELF_TASK, MEM_WIN(9), 12, KEEL_UNMAP_SELF);
    check(!e && read_at(MEM_WIN(9)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(MEM_SRC) == MEM_MARK(0), "unmap: KEEL_UNMAP_SELF removes a received mapping");

    /* A long unmap is done in bounded steps: the first one reports more. */
    e = 0;
    for (uint32_t i = 0; i < UNMAP_MANY && !e; i++)
        e = send_mem(KEEL_ITEM_MAP, MEM_SRC + 3 * MEM_PAGE, 12, KEEL_MAP_R,
                     MEM_WIN(8) + i * MEM_PAGE, 12);
    uint32_t first = e ? e : keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, MEM_SRC + 3 * MEM_PAGE,
                                         12, 0, 0);
    uintptr_t more = U->mr[0];
    e = first ? first : keel_unmap(U, SELF_TASK, MEM_SRC + 3 * MEM_PAGE, 12, 0);
    check(!e && more == 1 && read_at(MEM_WIN(8)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(MEM_WIN(8) + (UNMAP_MANY - 1) * MEM_PAGE) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "unmap: 300 mappings go in bounded steps, each call reporting whether more is left");
}

static void test_map_errors(void)
{
    uint32_t msgs = ws_msgs;
    check(send_mem(KEEL_ITEM_MAP, MEM_SRC, 12, KEEL_MAP_R, 0, 0) == KEEL_E_WINDOW &&
          ws_msgs == msgs, "map: a receiver without a window refuses (KEEL_E_WINDOW), nothing arrives");
    check(send_mem(KEEL_ITEM_MAP, MEM_SRC, 12, KEEL_MAP_R, MEM_WIN(7) + 0x800, 12) == KEEL_E_WINDOW,
          "map: a misaligned window refuses (KEEL_E_WINDOW)");
    check(send_mem(KEEL_ITEM_MAP, MEM_SRC, 11, KEEL_MAP_R, MEM_WIN(7), 12) == KEEL_E_INVALID &&
          send_mem(KEEL_ITEM_MAP, MEM_SRC, KEEL_MAP_ORDER_MAX + 1, KEEL_MAP_R, MEM_WIN(7), 12) ==
          KEEL_E_INVALID, "map: a region below a page or above 1 GiB is KEEL_E_INVALID");
    check(send_mem(KEEL_ITEM_MAP, MEM_SRC + MEM_PAGE, 13, KEEL_MAP_R, MEM_WIN(7), 12) ==
          KEEL_E_INVALID && send_mem(KEEL_ITEM_MAP, 0x1000, 12, KEEL_MAP_R, MEM_WIN(7), 12) ==
          KEEL_E_INVALID, "map: a misaligned region or one outside user space is KEEL_E_INVALID");
    check(send_mem(KEEL_ITEM_MAP, MEM_SRC, 12, 0, MEM_WIN(7), 12) == KEEL_E_INVALID &&
          send_mem(KEEL_ITEM_MAP, MEM_SRC, 12, 8, MEM_WIN(7), 12) == KEEL_E_INVALID &&
          send_mem(3, MEM_SRC, 12, KEEL_MAP_R, MEM_WIN(7), 12) == KEEL_E_INVALID,
          "map: no rights, unknown rights or an unknown item type is KEEL_E_INVALID");
    keel_mem_item(U, 0, KEEL_ITEM_MAP, MEM_SRC, 12, KEEL_MAP_R);
    check(err(keel_call(U, gate_nogrant, KEEL_TAG(ECHO, 0, 1), 1000 * MS)) == KEEL_E_RIGHTS,
          "map: through a gate without the grant right is KEEL_E_RIGHTS");
    check(ws_msgs == msgs, "map: a refused item delivers nothing");
    check(keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, MEM_SRC, 11, 0, 0) == KEEL_E_INVALID &&
          keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, MEM_SRC + MEM_PAGE, 13, 0, 0) == KEEL_E_INVALID &&
          keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, MEM_SRC, 12, 2, 0) == KEEL_E_INVALID &&
          keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, 0x1000, 12, 0, 0) == KEEL_E_INVALID,
          "unmap: a bad size, alignment, flag or address is KEEL_E_INVALID");
}

/* Another task runs our code through a pager (us): every page it touches
 * is mapped to it from ours on its fault. */
static void test_other_task(void)
{
    struct watched w;
    uint32_t task = KEEL_CAP_OPEN, gate = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x8f, &gate);    /* gates stay: not measured */
    uint64_t before = quota(FACTORY);
    bool up = !keel_task_create(U, FACTORY, &task) &&
              watched_start(&w, task, (uintptr_t)remote_stack + sizeof(remote_stack) - 64, gate);
    w.mirror = true;
    w.lo = (uintptr_t)mem_data;
    w.hi = w.lo + MEM_PAGE;
    w.data_rights = KEEL_MAP_R;
    mem_data[0] = 0x600d;
    check(up && watch(&w, probe_read, (uintptr_t)mem_data) == 0x600d && w.range_faults == 1,
          "pager: another task faults its pages in from us and reads a page mapped to it");
    check(watch(&w, probe_write, (uintptr_t)mem_data) == (MEM_FAULT | KEEL_FAULT_PAGE_WRITE) &&
          mem_data[0] == 0x600d, "map: the other task cannot write a page mapped read-only");
    w.served = w.range_faults = 0;
    uint32_t e = keel_unmap(U, SELF_TASK, (uintptr_t)mem_data, 12, 0);
    mem_data[0] = 0x600e;
    check(!e && watch(&w, probe_read, (uintptr_t)mem_data) == 0x600e && w.range_faults == 1,
          "unmap: the other task faults on the page again after unmap");

    /* Lazily zero-filled: four pages it has never had, one fault each. */
    w.lo = MEM_LAZY;
    w.hi = MEM_LAZY + 4 * MEM_PAGE;
    w.zero = true;
    w.served = w.range_faults = 0;
    bool pool = true;
    for (uint32_t k = 0; k < 4; k++)
        pool = pool && mem_word(MEM_POOL + k * MEM_PAGE) == 0;
    uint32_t sum = watch(&w, probe_zero_fill, MEM_LAZY);
    for (uint32_t k = 0; k < 4; k++)
        pool = pool && mem_word(MEM_POOL + k * MEM_PAGE) == k + 1;
    check(sum == 10 && w.range_faults == 4 && pool,
          "pager: a region served lazily, zero-filled, one fault per page");

    keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(w.thread);
    drop(task);
    check(quota(FACTORY) == before, "map: the other task's mappings, nodes and tables go back "
          "with it");
    drop(w.gate);
}

/* A random address for a memory item or window: a source page, a page of
 * the random windows, or anything. */
static uintptr_t random_mem_addr(void)
{
    switch (rnd() % 4) {
    case 0:
        return MEM_SRC + (rnd() % 4) * MEM_PAGE;
    case 1:
    case 2:
        return MEM_WIN(10 + rnd() % 4) + (rnd() % 16) * MEM_PAGE;
    default:
        return (uintptr_t)rnd();
    }
}

/* Random map and grant items into random windows, random unmaps: every
 * answer is one the ABI names, and unmapping the sources afterwards leaves
 * nothing of them in any window. */
static void test_random_memory(uint32_t ops)
{
    uint32_t odd = 0, delivered = 0;
    for (uint32_t i = 0; i < ops; i++) {
        if (rnd() % 5 == 0) {
            uint32_t e = keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, random_mem_addr(),
                                     10 + rnd() % 8, rnd() % 3, 0);
            odd += e && e != KEEL_E_INVALID;
            continue;
        }
        uint32_t wo = rnd() % 3 ? 12 + (uint32_t)(rnd() % 5) : (uint32_t)(rnd() % 64);
        uintptr_t win = random_mem_addr() & ~(((uintptr_t)1 << (wo % 17)) - 1);
        /* Memory items, or an unknown type (a capability item would copy
         * one of our capabilities into our own small table). */
        uint32_t type = rnd() % 8 ? 1 + (uint32_t)(rnd() % 2) : 3 + (uint32_t)(rnd() % 100);
        uint32_t order = rnd() % 3 ? 12 + (uint32_t)(rnd() % 3) : (uint32_t)(rnd() % 32);
        uintptr_t base = random_mem_addr() & ~(((uintptr_t)1 << (order % 17)) - 1);
        uint32_t e = send_mem(type, base, order, (uint32_t)(rnd() % 9), win, wo);
        odd += e && e != KEEL_E_INVALID && e != KEEL_E_WINDOW && e != KEEL_E_CAP &&
               e != KEEL_E_RIGHTS;
        delivered += !e;
    }
    keel_set_window(ws_u, 0, 0);
    uint32_t e = keel_unmap(U, SELF_TASK, MEM_SRC, 14, 0), left = 0;
    for (uint32_t j = 0; j < 4; j++)
        for (uint32_t k = 0; k < 16; k++)
            left += read_at(MEM_WIN(10 + j) + k * MEM_PAGE) < MEM_FAULT;
    bool marks = true;
    for (uint32_t k = 0; k < 4; k++)
        marks = marks && mem_word(MEM_SRC + k * MEM_PAGE) == MEM_MARK(k);
    char name[128];
    keel_snprintf(name, sizeof(name), "random memory: %u random map/grant items (%u delivered) "
                  "and unmaps, then unmapping the sources leaves no window page mapped",
                  ops, delivered);
    check(!e && !odd && !left && marks && delivered > 0 && echo_words(4), name);
}

static void test_memory_delegation(void)
{
    uintptr_t sp = new_stack(1);
    uint32_t gate = KEEL_CAP_OPEN;
    struct keel_item saved[KEEL_MSG_ITEMS];
    for (uint32_t i = 0; i < KEEL_MSG_ITEMS; i++)
        saved[i] = U->item[i];
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x8e, &gate);
    bool ok = sp && watched_start(&probe, SELF_TASK, sp - 64, gate) &&
              !keel_map_anon(U, SELF_TASK, FACTORY, MEM_SRC, 4, KEEL_MAP_R | KEEL_MAP_W) &&
              !keel_map_anon(U, SELF_TASK, FACTORY, MEM_POOL, 4, KEEL_MAP_R | KEEL_MAP_W);
    uint32_t ws = ok ? spawn(window_server, 0, MAIN_PRIO, KEEL_CAP_OPEN) : KEEL_CAP_OPEN;
    ok = ok && ws != KEEL_CAP_OPEN && !keel_gate_create(U, FACTORY, ws, 0x3e, &ws_gate);
    settle();
    check(ok && ws_u, "memory: setup (a window server and a watched thread)");
    if (!ok || !ws_u)
        return;
    for (uint32_t k = 0; k < 4; k++)
        *(volatile uint32_t *)(MEM_SRC + k * MEM_PAGE) = MEM_MARK(k);
    test_map_items();
    test_unmap_and_grant();
    test_map_errors();
    test_other_task();
    test_random_memory(2000);
    /* Tidy: nothing of ours stays mapped elsewhere, no window stays open. */
    keel_unmap(U, SELF_TASK, MEM_SRC, 14, 0);
    keel_set_window(ws_u, 0, 0);
    for (uint32_t i = 0; i < KEEL_MSG_ITEMS; i++)
        U->item[i] = saved[i];  /* the random cases send what earlier cases left here */
    drop(ws_gate);
    drop(ws);
    drop(probe.thread);
    drop(probe.gate);
}

/* ---- interrupts at user level ---- */

/* Root gives ktest (a driver module) the interrupt controller here, and the
 * console UART's registers (keel/irq.h). */
#define IRQ_CONTROL 4
#define UART_RX_BIT 3
#define UART_RX_TEXT "keel-uart-rx 0123456789 abcdefghijklmnopqrstuvwxyz"
#define UART_RX_MAX 96
#define UART_RX_WAIT (20 * 1000 * MS)   /* per interrupt: the harness types slowly */

/* An IRQ capability for line; its slot in *slot. */
static uint32_t irq_get(uintptr_t line, uint32_t *slot)
{
    uint32_t e = keel_invoke(U, IRQ_CONTROL, KEEL_IRQCTL_GET, line, KEEL_CAP_OPEN, 0, 0);
    *slot = e ? KEEL_CAP_OPEN : (uint32_t)U->mr[0];
    return e;
}

/* A copy of our slot with rights, in a new slot of ours. */
static uint32_t copy_with(uint32_t slot, uint32_t rights)
{
    if (keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, slot, rights, KEEL_CAP_OPEN, 0))
        return KEEL_CAP_OPEN;
    return (uint32_t)U->mr[0];
}

static void test_irq_errors(void)
{
    char name[112];
    uint32_t e = keel_invoke(U, IRQ_CONTROL, KEEL_IRQCTL_INFO, 0, 0, 0, 0), a, b;
    uintptr_t lines = U->mr[0], kernel_line = U->mr[1];
    check(!e, "irq: root handed ktest the interrupt controller; it reports its lines");
    keel_printf("ktest: irq: %u lines, the kernel keeps line %d\n", (unsigned)lines,
                kernel_line == KEEL_IRQ_NONE ? -1 : (int)kernel_line);
    check(irq_get(lines, &a) == KEEL_E_INVALID && irq_get(~(uintptr_t)0, &b) == KEEL_E_INVALID &&
          a == KEEL_CAP_OPEN && b == KEEL_CAP_OPEN, "irq: a line out of range: KEEL_E_INVALID");
    if (kernel_line != KEEL_IRQ_NONE) {
        keel_snprintf(name, sizeof(name), "irq: the kernel's own line %u: KEEL_E_RIGHTS",
                      (unsigned)kernel_line);
        check(irq_get(kernel_line, &a) == KEEL_E_RIGHTS, name);
    }
    uint32_t weak_ctl = copy_with(IRQ_CONTROL, KEEL_RIGHT_SEND);
    e = keel_invoke(U, weak_ctl, KEEL_IRQCTL_GET, lines ? lines - 1 : 0, KEEL_CAP_OPEN, 0, 0);
    check(weak_ctl != KEEL_CAP_OPEN && e == KEEL_E_RIGHTS,
          "irq: the controller without the control right: KEEL_E_RIGHTS");
    drop(weak_ctl);
    check(keel_invoke(U, SELF_TASK, KEEL_TASK_IO_PORTS, 0x3f8, 1, 0, 0) == KEEL_E_RIGHTS,
          "device: granting I/O ports is the root task's: KEEL_E_RIGHTS");
    check(keel_invoke(U, SELF_TASK, KEEL_TASK_MAP_DEVICE, KEEL_DRIVER_UART_VA + 0x100000, 0,
                      FACTORY, 0) == KEEL_E_NOSYS,
          "device: the retired KEEL_TASK_MAP_DEVICE is KEEL_E_NOSYS (device memory comes from "
          "root by IPC)");
    if (!lines) {
        keel_printf("ktest: irq: no interrupt line reaches user level on this machine: "
                    "the per-line cases are skipped\n");
        return;
    }
    uint32_t line = (uint32_t)lines - 1, notif = KEEL_CAP_OPEN;
    if (line == kernel_line)
        line--;
    e = irq_get(line, &a);
    keel_snprintf(name, sizeof(name), "irq: an IRQ capability for line %u", (unsigned)line);
    check(!e && a != KEEL_CAP_OPEN, name);
    check(irq_get(line, &b) == KEEL_E_BUSY && b == KEEL_CAP_OPEN,
          "irq: a line taken by another capability: KEEL_E_BUSY");
    check(keel_invoke(U, a, KEEL_IRQ_ACK, 0, 0, 0, 0) == KEEL_E_INVALID,
          "irq: acknowledging with no interrupt pending: KEEL_E_INVALID");
    check(keel_invoke(U, a, KEEL_IRQ_BIND, SELF_THREAD, 0, 0, 0) == KEEL_E_CAP &&
          keel_invoke(U, a, KEEL_IRQ_BIND, 60, 0, 0, 0) == KEEL_E_CAP,
          "irq: binding to a thread or an empty slot (no notification): KEEL_E_CAP");
    keel_notification_create(U, FACTORY, 0, &notif);
    check(keel_invoke(U, a, KEEL_IRQ_BIND, notif, 64, 0, 0) == KEEL_E_INVALID,
          "irq: binding to bit 64: KEEL_E_INVALID");
    uint32_t weak = copy_with(a, KEEL_RIGHT_SEND);
    check(weak != KEEL_CAP_OPEN &&
          keel_invoke(U, weak, KEEL_IRQ_BIND, notif, 0, 0, 0) == KEEL_E_RIGHTS &&
          keel_invoke(U, weak, KEEL_IRQ_ACK, 0, 0, 0, 0) == KEEL_E_RIGHTS,
          "irq: an IRQ capability without the control right: KEEL_E_RIGHTS");
    uint32_t no_send = copy_with(a, KEEL_RIGHT_CONTROL);
    check(no_send != KEEL_CAP_OPEN &&
          keel_invoke(U, no_send, KEEL_IRQ_ACK, 0, 0, 0, 0) == KEEL_E_RIGHTS,
          "irq: an IRQ capability without the send right cannot be invoked: KEEL_E_RIGHTS");
    check(keel_invoke(U, a, KEEL_IRQ_BIND, notif, 1, 0, 0) == KEEL_OK &&
          keel_invoke(U, a, KEEL_IRQ_ACK, 0, 0, 0, 0) == KEEL_E_INVALID,
          "irq: bound to a notification; still no interrupt to acknowledge");
    drop(a);
    check(irq_get(line, &b) == KEEL_E_BUSY, "irq: the line stays taken while a copy remains");
    drop(weak);
    drop(no_send);
    uint32_t fill[64], filled = 0;
    while (filled < 64 && (fill[filled] = copy_with(SELF_THREAD, KEEL_RIGHT_SEND)) != KEEL_CAP_OPEN)
        filled++;
    check(filled > 0 && filled < 64 && irq_get(line, &b) == KEEL_E_QUOTA,
          "irq: a free line, but no free slot in the caller's table: KEEL_E_QUOTA");
    for (uint32_t i = 0; i < filled; i++)
        drop(fill[i]);
    check(irq_get(line, &b) == KEEL_OK, "irq: the last capability gone, the line is free again");
    drop(b);
    drop(notif);
}

/* The console UART, as the kernel describes it, at the registers root
 * gave us (keel/uart.h: one source for the 16550 and the PL011). */
static struct keel_uart uart;

/* The harness types UART_RX_TEXT and a newline once it sees "uart-rx:
 * ready": each receive interrupt reaches us through the notification; we
 * read what the UART holds, then acknowledge. */
/* Device memory is the root task's from boot (sigma0): the kernel lists
 * the regions, root's and its own; the console UART's page is root's and
 * reaches us by a map item from root's device window on our first touch
 * of KEEL_DRIVER_UART_VA; what the kernel drives is no one's. */
static void test_device_regions(void)
{
    struct keel_uart dev;
    uint32_t i = 0, owned = 0, kept = 0, e, overlap = 0;
    uintptr_t ob[64], os[64], kb[64], ks[64];
    for (; !(e = keel_invoke(U, IRQ_CONTROL, KEEL_IRQCTL_DEVICE, i, 0, 0, 0)); i++) {
        bool root = U->mr[2] == KEEL_DEVICE_ROOT;
        uint32_t *n = root ? &owned : &kept;
        if (*n < 64) {
            (root ? ob : kb)[*n] = U->mr[0];
            (root ? os : ks)[*n] = U->mr[1];
        }
        ++*n;
    }
    for (uint32_t a = 0; a < owned && a < 64; a++)
        for (uint32_t b = 0; b < kept && b < 64; b++)
            overlap += ob[a] < kb[b] + ks[b] && kb[b] < ob[a] + os[a];
    keel_printf("ktest: device: %u region(s) the root task's, %u the kernel's\n", owned, kept);
    check(e == KEEL_E_INVALID && !overlap && kept > 0,
          "device: the kernel lists the device regions, root's and the ones it drives "
          "(at least its interrupt controller), disjoint; past the last KEEL_E_INVALID");
    e = keel_invoke(U, IRQ_CONTROL, KEEL_IRQCTL_DEVICE, (uintptr_t)-1, 0, 0, 0);
    check(e == KEEL_E_INVALID, "device: a region index out of range is KEEL_E_INVALID");
    keel_uart_find(U, IRQ_CONTROL, &dev);
    if (dev.kind != KEEL_UART_16550_MMIO && dev.kind != KEEL_UART_PL011) {
        keel_printf("ktest: device: the console UART is not memory-mapped here: no device "
                    "page to delegate\n");
        return;
    }
    bool listed = false, kernels = false;
    uintptr_t page = dev.base & ~(uintptr_t)4095;
    for (uint32_t a = 0; a < owned && a < 64; a++)
        listed = listed || (page >= ob[a] && page - ob[a] < os[a]);
    for (uint32_t b = 0; b < kept && b < 64; b++)
        kernels = kernels || (page >= kb[b] && page - kb[b] < ks[b]);
    /* Transmitter empty, as QEMU's UARTs always are between writes. */
    bool idle = dev.kind == KEEL_UART_PL011
                    ? (keel_mmio_read32(keel_uart_addr(&dev, KEEL_PL011_FR)) & 0x80) != 0
                    : (keel_u16550_read(&dev, KEEL_U16550_LSR) & KEEL_U16550_LSR_THRE) != 0;
    check(listed && !kernels && idle, "device: the console UART's page is the root task's, "
          "delegated to us by a map item, and reads as the device");
}

static void test_uart_rx(void)
{
    uint32_t e = keel_uart_find(U, IRQ_CONTROL, &uart);
    if (e || uart.kind == KEEL_UART_UNKNOWN || uart.line == KEEL_IRQ_NONE) {
        keel_printf("ktest: uart-rx: no UART interrupt reaches user level on this machine: "
                    "skipped\n");
        return;
    }
    uint32_t notif = KEEL_CAP_OPEN, irq = KEEL_CAP_OPEN, interrupts = 0, bad_acks = 0;
    uint32_t bad_bits = 0, n = 0, empty = 0;
    char got[UART_RX_MAX + 1];
    keel_notification_create(U, FACTORY, 0x1e0, &notif);
    e = irq_get(uart.line, &irq);
    if (!e)
        e = keel_invoke(U, irq, KEEL_IRQ_BIND, notif, UART_RX_BIT, 0, 0);
    check(!e, "uart-rx: an IRQ capability for the console UART, bound to a notification");
    while (keel_uart_getc(&uart) >= 0) /* nothing typed yet: drop what firmware left */
        ;
    keel_uart_rx_interrupts(&uart, true);
    keel_printf("ktest: uart-rx: ready (line %u)\n", (unsigned)uart.line);
    while (!e && n < UART_RX_MAX && (n == 0 || got[n - 1] != '\n')) {
        struct keel_ipc_result r = keel_wait(U, notif, UART_RX_WAIT);
        if (err(r)) {
            keel_printf("ktest: uart-rx: waiting for an interrupt: error %u\n", err(r));
            break;
        }
        interrupts++;
        bad_bits += U->mr[0] != (uintptr_t)1 << UART_RX_BIT;
        uint32_t before = n;
        for (int c; n < UART_RX_MAX && (c = keel_uart_getc(&uart)) >= 0;)
            got[n++] = (char)c;
        empty += n == before;
        bad_acks += keel_invoke(U, irq, KEEL_IRQ_ACK, 0, 0, 0, 0) != KEEL_OK;
    }
    keel_uart_rx_interrupts(&uart, false);
    got[n] = 0;
    if (n && got[n - 1] == '\n')
        got[--n] = 0;
    if (n && got[n - 1] == '\r')
        got[--n] = 0;
    keel_printf("ktest: uart-rx: received \"%s\" in %u interrupts (%u found nothing left to "
                "read)\n", got, interrupts, empty);
    bool same = n == sizeof(UART_RX_TEXT) - 1;
    for (uint32_t i = 0; same && i < n; i++)
        same = got[i] == UART_RX_TEXT[i];
    check(same && interrupts > 0 && !bad_bits && !bad_acks,
          "uart-rx: the typed line arrived by receive interrupts, each acknowledged");
    /* QEMU's UART and interrupt controller now and then raise an interrupt
     * for bytes we have already read (the count above): one that came after
     * our last acknowledgement is pending in the kernel, signalled to us, and
     * made the check below fail under host load.  The UART's receive
     * interrupts are off now (no more can come); take that one, if any, and
     * acknowledge it, so that the second acknowledgement meets nothing. */
    bool late = !err(keel_wait(U, notif, KEEL_TIMEOUT_ZERO));
    uint32_t late_ack = late ? keel_invoke(U, irq, KEEL_IRQ_ACK, 0, 0, 0, 0) : KEEL_OK;
    if (late)
        keel_printf("ktest: uart-rx: one more interrupt after the line, acknowledged: %u\n",
                    late_ack);
    check(late_ack == KEEL_OK && keel_invoke(U, irq, KEEL_IRQ_ACK, 0, 0, 0, 0) == KEEL_E_INVALID,
          "uart-rx: a second acknowledgement finds nothing pending: KEEL_E_INVALID");
    drop(irq);
    drop(notif);
}

/* ---- floating point and SIMD ---- */

/* User code is built with each ISA's default ABI (SSE2, FP/NEON, D, FP/VSX):
 * several threads compute with different values across preemption and IPC,
 * and each must get exactly the result computed beforehand.  fp_work uses
 * scalar doubles and, through the vector extension, 128-bit SIMD registers
 * (XMM, V, VSX; RISC-V without V lowers it to scalar f registers). */

#define FP_WORKERS 4
#define FP_LEN 64
#define FP_BATCH 200           /* fp_work runs between two IPCs (no system call) */
#define FP_MIN_ROUNDS 4
#define FP_MAX_ROUNDS 3000
#define FP_MIN_PREEMPTED 3      /* batches in which another worker ran */

typedef double fp_v2d __attribute__((vector_size(16)));

static volatile double fp_expect[FP_WORKERS + 1];
static volatile uint32_t fp_seed[FP_WORKERS + 1];  /* read each time: no call is hoisted */
static volatile uint32_t fp_progress[FP_WORKERS], fp_bad[FP_WORKERS], fp_ipc_bad[FP_WORKERS];
static volatile uint32_t fp_preempted[FP_WORKERS], fp_done[FP_WORKERS], fp_exited[FP_WORKERS];
static volatile bool fp_stop;   /* all are done: a done worker keeps computing until then */

/* A deterministic computation whose result depends on every step and on
 * seed (exact binary fractions, so each worker's values differ). */
static double fp_work(uint32_t seed)
{
    fp_v2d a[FP_LEN / 2], b[FP_LEN / 2];
    double x = 1.0 + seed * 0.125;
    for (uint32_t k = 0; k < FP_LEN / 2; k++) {
        a[k] = (fp_v2d){ x + k * 0.5, x - k * 0.75 };
        b[k] = (fp_v2d){ x * 0.25 - k, x + k };
    }
    fp_v2d xv = { x, x / 3.0 };
    for (uint32_t k = 0; k < FP_LEN / 2; k++)
        a[k] = a[k] * b[k] + xv;
    double s = 0;
    for (uint32_t k = 0; k < FP_LEN / 2; k++)
        s = s * 0.5 + a[k][0] - a[k][1] / 7.0;
    return s;
}

static uint32_t fp_others(uint32_t i)
{
    uint32_t sum = 0;
    for (uint32_t j = 0; j < FP_WORKERS; j++)
        sum += j == i ? 0 : fp_progress[j];
    return sum;
}

/* Worker i, in rounds: a batch of computations with no system call (if
 * another worker progressed meanwhile, the timer preempted this one inside
 * it), then a call to the echo server with the result's bits (IPC between
 * threads with live FP state); every result checked.  Until it has been
 * preempted inside enough batches, and the others too (fp_stop). */
static void fp_worker(struct keel_utcb *u, uintptr_t i)
{
    for (uint32_t n = 0; n < FP_MAX_ROUNDS; n++) {
        union { double d; uint64_t bits; } v = { .d = 0 };
        double carried = fp_work(fp_seed[i + 1]);  /* live across the batch and the call */
        uint32_t seen = fp_others((uint32_t)i);
        for (uint32_t k = 0; k < FP_BATCH; k++) {
            v.d = fp_work(fp_seed[i]);
            fp_bad[i] += v.d != fp_expect[i];
            fp_progress[i]++;
        }
        fp_preempted[i] += fp_others((uint32_t)i) != seen;
        u->mr[0] = v.bits;
        struct keel_ipc_result r = keel_call(u, gate_a, KEEL_TAG(ECHO, 1, 0), 1000 * MS);
        fp_ipc_bad[i] += err(r) || u->mr[0] != v.bits + 1;
        fp_bad[i] += carried != fp_expect[i + 1];
        if (n + 1 >= FP_MIN_ROUNDS && fp_preempted[i] >= FP_MIN_PREEMPTED)
            fp_done[i] = 1;
        if (fp_stop)
            break;
    }
    fp_done[i] = 1;
    fp_exited[i] = 1;
}

static void test_fp_threads(void)
{
    fp_stop = false;
    for (uint32_t i = 0; i <= FP_WORKERS; i++) {
        fp_seed[i] = i;
        fp_expect[i] = fp_work(i);
    }
    uint32_t t[FP_WORKERS];
    bool started = true, distinct = true;
    for (uint32_t i = 0; i < FP_WORKERS; i++) {
        fp_progress[i] = fp_bad[i] = fp_ipc_bad[i] = fp_preempted[i] = fp_done[i] = 0;
        fp_exited[i] = 0;
        distinct = distinct && fp_expect[i] != fp_expect[i + 1];
        t[i] = spawn(fp_worker, i, MAIN_PRIO - 30, KEEL_CAP_OPEN);
        started = started && t[i] != KEEL_CAP_OPEN;
    }
    uint32_t done = 0;
    for (uint32_t k = 0; k < 5000 && done < FP_WORKERS; k++) {
        sleep_us(2 * MS);
        done = 0;
        for (uint32_t i = 0; i < FP_WORKERS; i++)
            done += fp_done[i];
    }
    fp_stop = true;
    for (uint32_t k = 0, exited = 0; k < 1000 && exited < FP_WORKERS; k++) {
        sleep_us(2 * MS);
        exited = 0;
        for (uint32_t i = 0; i < FP_WORKERS; i++)
            exited += fp_exited[i];
    }
    uint32_t bad = 0, ipc_bad = 0, preempted = 0;
    for (uint32_t i = 0; i < FP_WORKERS; i++) {
        bad += fp_bad[i];
        ipc_bad += fp_ipc_bad[i];
        preempted += fp_preempted[i] >= FP_MIN_PREEMPTED;
        drop(t[i]);
    }
    if (bad || ipc_bad || preempted < FP_WORKERS || done < FP_WORKERS)
        keel_printf("ktest: fp: done %u, wrong %u, ipc wrong %u, computations %u %u %u %u, "
                    "preempted %u %u %u %u\n", done, bad, ipc_bad, fp_progress[0],
                    fp_progress[1], fp_progress[2], fp_progress[3], fp_preempted[0],
                    fp_preempted[1], fp_preempted[2], fp_preempted[3]);
    check(started && distinct && done == FP_WORKERS && bad == 0,
          "fp: 4 threads computing with doubles and SIMD each get their exact result");
    check(done == FP_WORKERS && preempted == FP_WORKERS,
          "fp: each was preempted by the timer inside at least 3 of its computing batches");
    check(done == FP_WORKERS && ipc_bad == 0, "fp: their IPC with the echo server is intact");
}

static volatile uintptr_t fp_fault_addr;

/* Hold FP values in registers across a page fault the handler resolves,
 * then exit with 1 if they survived (2 if not). */
static void fp_faulter(struct keel_utcb *u, uintptr_t seed)
{
    double d = fp_work((uint32_t)seed);
    fp_v2d v = { d, -d };
    (void)*(volatile uintptr_t *)fp_fault_addr;     /* the handler maps it and retries */
    v = v * (fp_v2d){ 2.0, 2.0 };
    keel_debug_exit(d == fp_expect[seed] && v[0] == 2 * d && v[1] == -2 * d ? 1 : 2);
}

static void test_fp_exception(void)
{
    uint32_t g = KEEL_CAP_OPEN, seed = 3;
    fp_expect[seed] = fp_work(seed);
    uintptr_t page = AREA + (uintptr_t)next_area++ * SLOT_AREA;
    fp_fault_addr = page;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0xf, &g);
    uint32_t t = spawn(fp_faulter, seed, MAIN_PRIO, g);
    struct keel_ipc_result r = keel_recv(U, g, 1000 * MS);
    bool fault = t != KEEL_CAP_OPEN && !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXCEPTION &&
                 U->mr[KEEL_EXC_KIND] == KEEL_FAULT_PAGE_READ && U->mr[KEEL_EXC_ADDR] == page;
    check(fault, "fp: a thread holding FP values takes a page fault to its handler");
    /* Compute with other values meanwhile: the CPU's registers are ours now. */
    volatile double mine = fp_work(seed + 5);
    bool mapped = !keel_map_anon(U, SELF_TASK, FACTORY, page, 1, KEEL_MAP_R);
    U->mr[0] = 0;       /* retry the load */
    U->mr[1] = 0;
    r = keel_reply_wait(U, KEEL_TAG(KEEL_EXC_RESUME, 2, 0), g, 1000 * MS);
    check(fault && mapped && !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT &&
          U->mr[0] == 1 && mine == fp_work(seed + 5),
          "fp: resumed, it finds its FP values intact and its exit reaches the handler");
    keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    drop(t);
    drop(g);
}

/* ---- random interrupt operations (issue 8) ---- */

#define RANDOM_IRQ_OPS 4000
#define RANDOM_IRQ_CAPS 8

/* A random slot to invoke or to pass: one of our IRQ capabilities, our
 * notification, or an empty slot far outside the table.  Never a slot the
 * suite relies on, nor the controller (a GET into a chosen free slot would
 * take a line behind the test's back). */
static uint32_t random_irq_slot(const uint32_t *caps, uint32_t notif)
{
    switch (rnd() % 4) {
    case 0: return caps[rnd() % RANDOM_IRQ_CAPS];
    case 1: return notif;
    case 2: return 64 + (uint32_t)(rnd() % 1024);
    default: return (uint32_t)rnd() | 0x80000000u;
    }
}

/* How many of the first lines (up to 1024) an IRQ capability can be had for. */
static uint32_t free_irq_lines(uint64_t lines)
{
    uint32_t n = 0, slot;
    for (uint64_t l = 0; l < lines && l < 1024; l++) {
        if (irq_get(l, &slot) == KEEL_OK) {
            n++;
            drop(slot);
        }
    }
    return n;
}

/* Random IRQ-control and IRQ operations with random lines, slots, bits and
 * rights (seeded): every call gives KEEL_OK or an error the ABI names, and
 * afterwards every line taken is free again, no page of quota is lost and
 * IPC still works. */
static void test_random_irq(void)
{
    uint32_t caps[RANDOM_IRQ_CAPS], notif = KEEL_CAP_OPEN, bad = 0, granted = 0;
    uint32_t e = keel_invoke(U, IRQ_CONTROL, KEEL_IRQCTL_INFO, 0, 0, 0, 0);
    uint64_t lines = U->mr[0];
    uint32_t free_before = free_irq_lines(lines);
    rng = 0x243f6a8885a308d3ull;
    for (uint32_t i = 0; i < RANDOM_IRQ_CAPS; i++)
        caps[i] = KEEL_CAP_OPEN;
    uint64_t before = quota(FACTORY);   /* the notification's page comes back too */
    keel_notification_create(U, FACTORY, 0, &notif);
    for (uint32_t i = 0; !e && i < RANDOM_IRQ_OPS; i++) {
        uint32_t k = (uint32_t)(rnd() % RANDOM_IRQ_CAPS), r;
        switch (rnd() % 6) {
        case 0:     /* a line near the real ones, or any number */
            if (caps[k] != KEEL_CAP_OPEN)
                continue;
            r = irq_get(rnd() % 2 ? rnd() % (lines + 4) : rnd(), &caps[k]);
            granted += r == KEEL_OK;
            break;
        case 1:
            r = keel_invoke(U, random_irq_slot(caps, notif), KEEL_IRQ_BIND,
                            random_irq_slot(caps, notif), rnd() % 72, 0, 0);
            break;
        case 2:
            r = keel_invoke(U, random_irq_slot(caps, notif), KEEL_IRQ_ACK, rnd(), 0, 0, 0);
            break;
        case 3:     /* an operation number of either kind, garbage included */
            r = keel_invoke(U, random_irq_slot(caps, notif), rnd() % 8, rnd(), rnd(), rnd(), rnd());
            break;
        case 4:     /* a weaker copy, used once, then gone */
            if (caps[k] == KEEL_CAP_OPEN)
                continue;
            r = copy_with(caps[k], (uint32_t)(rnd() % 16));
            if (r != KEEL_CAP_OPEN) {
                (void)keel_invoke(U, r, (uint32_t)(rnd() % 3), notif, rnd() % 64, 0, 0);
                drop(r);
            }
            r = KEEL_OK;
            break;
        default:
            drop(caps[k]);
            caps[k] = KEEL_CAP_OPEN;
            r = KEEL_OK;
            break;
        }
        bad += r > KEEL_E_BUSY;
    }
    for (uint32_t i = 0; i < RANDOM_IRQ_CAPS; i++)
        drop(caps[i]);
    char name[160];
    keel_snprintf(name, sizeof(name), "random: %u IRQ operations (%u lines taken), only named "
                  "errors; as many lines free as before, quota back, IPC works",
                  RANDOM_IRQ_OPS, (unsigned)granted);
    drop(notif);
    check(!e && bad == 0 && free_irq_lines(lines) == free_before &&
          quota(FACTORY) == before && echo_words(4), name);
}

/* ---- revocation and object lifetimes (issue 8) ---- */

#define REVOKE_CHAIN 1000
#define TASK_CYCLES 20000

/* An echo call through gate slot g; its error. */
static uint32_t echo_through(uint32_t g)
{
    U->mr[0] = 7;
    return err(keel_call(U, g, KEEL_TAG(ECHO, 1, 0), 1000 * MS));
}

/* A chain of REVOKE_CHAIN copies of a gate capability, each derived from
 * the one before, across three tasks (COPY_CAP between other tasks'
 * tables), plus one in our own table; revoking the original removes them
 * all in bounded calls of at most 256. */
static void test_revoke_chain(void)
{
    uint32_t task[3], g = KEEL_CAP_OPEN, mine, at, e = 0, weak;
    uint64_t before = quota(FACTORY);
    for (int i = 0; i < 3; i++) {
        task[i] = KEEL_CAP_OPEN;
        e |= keel_task_create_sized(U, FACTORY, 9, &task[i]);
    }
    e |= keel_gate_create(U, FACTORY, server, 0x77, &g);
    e |= keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, g, KEEL_RIGHT_SEND, KEEL_CAP_OPEN, 0);
    mine = (uint32_t)U->mr[0];
    e |= keel_invoke(U, task[0], KEEL_TASK_GIVE_CAP, g, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT,
                     KEEL_CAP_OPEN, 0);
    at = (uint32_t)U->mr[0];
    uint32_t first = at;
    for (uint32_t i = 1; !e && i < REVOKE_CHAIN; i++) {
        e = keel_invoke(U, task[(i - 1) % 3], KEEL_TASK_COPY_CAP, at, task[i % 3],
                        KEEL_CAP_OPEN, KEEL_RIGHT_SEND);
        at = (uint32_t)U->mr[0];
    }
    uint32_t last = at, ipc_before = echo_through(mine);
    check(!e && ipc_before == KEEL_OK,
          "revoke: a chain of 1000 copies of a gate capability across 3 tasks, and one of ours");
    uint32_t calls = 0, r;
    do {
        r = keel_invoke(U, SELF_TASK, KEEL_TASK_REVOKE, g, 0, 0, 0);
        calls++;
    } while (!r && U->mr[0] && calls < 100);
    char name[128];
    keel_snprintf(name, sizeof(name), "revoke: all 1001 copies go in %u bounded calls "
                  "(256 each at most)", (unsigned)calls);
    check(r == KEEL_OK && calls == 4, name);
    check(echo_through(mine) == KEEL_E_REVOKED,
          "revoke: IPC through a revoked capability fails with KEEL_E_REVOKED");
    r = keel_invoke(U, task[(REVOKE_CHAIN - 1) % 3], KEEL_TASK_COPY_CAP, last, task[0],
                    KEEL_CAP_OPEN, KEEL_RIGHT_SEND);
    uint32_t r2 = keel_invoke(U, task[0], KEEL_TASK_COPY_CAP, first, task[1], KEEL_CAP_OPEN,
                              KEEL_RIGHT_SEND);
    check(r == KEEL_E_REVOKED && r2 == KEEL_E_REVOKED,
          "revoke: the first and the last copy, in other tasks, are revoked too");
    check(echo_through(g) == KEEL_OK && keel_revoke(U, SELF_TASK, g) == KEEL_OK,
          "revoke: the original still works; revoking it again (keel_revoke) has nothing to do");
    r = keel_invoke(U, SELF_TASK, KEEL_TASK_REVOKE, mine, 0, 0, 0);
    r2 = keel_invoke(U, SELF_TASK, KEEL_TASK_REVOKE, 4000, 0, 0, 0);
    uint32_t r3 = keel_invoke(U, SELF_TASK, KEEL_TASK_REVOKE, 60, 0, 0, 0); /* empty */
    /* (A revoked slot is free: the next capability may land there.) */
    uint32_t d = keel_invoke(U, SELF_TASK, KEEL_TASK_DELETE_CAP, mine, 0, 0, 0);
    uint32_t gone = echo_through(mine);
    keel_invoke(U, SELF_TASK, KEEL_TASK_GIVE_CAP, task[0], KEEL_RIGHT_SEND, KEEL_CAP_OPEN, 0);
    weak = (uint32_t)U->mr[0];
    uint32_t r4 = keel_invoke(U, weak, KEEL_TASK_REVOKE, first, 0, 0, 0);
    drop(weak);
    check(r == KEEL_E_REVOKED && r2 == KEEL_E_CAP && r3 == KEEL_E_CAP && r4 == KEEL_E_RIGHTS,
          "revoke: errors: a revoked slot (REVOKED), none (CAP), no control right (RIGHTS)");
    check(d == KEEL_OK && gone == KEEL_E_CAP,
          "revoke: deleting a revoked slot clears its mark (then KEEL_E_CAP)");
    drop(g);
    for (int i = 0; i < 3; i++)
        drop(task[i]);  /* their last capabilities: the tasks are destroyed */
    check(quota(FACTORY) == before,
          "revoke: the tasks and the gate went with their last capabilities, every page back");
}

/* Tasks made and destroyed many times, half by KEEL_TASK_DESTROY and half
 * by deleting their only capability: the quota is back to its exact start. */
static void test_task_cycles(void)
{
    uint32_t f = sub_factory(64), bad = 0, leaks = 0;
    uint64_t start = quota(f);
    for (uint32_t i = 0; i < TASK_CYCLES; i++) {
        uint32_t task = KEEL_CAP_OPEN;
        if (keel_task_create(U, f, &task)) {
            bad++;
            continue;
        }
        if (i & 1)
            bad += keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0) != KEEL_OK;
        drop(task);
        if (i % 1024 == 0)
            leaks += quota(f) != start;
    }
    char name[128];
    keel_snprintf(name, sizeof(name), "lifetime: %u tasks created and destroyed (by DESTROY or "
                  "their last capability), quota back exactly", TASK_CYCLES);
    check(bad == 0 && leaks == 0 && quota(f) == start, name);
    drop(f);
}

static volatile uint32_t death_err = 0xff, death_done;

/* Wait on the notification in arg; record how that ended. */
static void death_waiter(struct keel_utcb *u, uintptr_t note)
{
    death_err = err(keel_wait(u, (uint32_t)note, 3000 * MS));
    death_done = 1;
}

static bool death_seen(void)
{
    for (int k = 0; k < 5000 && !death_done; k++)
        sleep_us(MS);
    return death_done;
}

/* A gate's last capability going wakes a caller blocked on it; a
 * notification's wakes its waiter; both with KEEL_E_REVOKED. */
static void test_object_death(void)
{
    uint32_t g = KEEL_CAP_OPEN, n = KEEL_CAP_OPEN;
    /* A gate bound to us (we do not receive): the caller blocks sending. */
    keel_gate_create(U, FACTORY, SELF_THREAD, 0xd1, &g);
    uint32_t c = start_caller(0, g, MAIN_PRIO);
    settle();
    bool blocked = !caller_done[0];
    drop(g);
    check(blocked && callers_done(1) && caller_err[0] == KEEL_E_REVOKED,
          "lifetime: a gate's last capability going wakes its blocked caller (KEEL_E_REVOKED)");
    drop(c);

    uint64_t before = quota(FACTORY);
    keel_notification_create(U, FACTORY, 0, &n);
    bool charged = quota(FACTORY) == before - 1;
    death_done = 0;
    uint32_t w = spawn(death_waiter, n, MAIN_PRIO, KEEL_CAP_OPEN);
    settle();
    blocked = !death_done;
    drop(n);
    check(blocked && death_seen() && death_err == KEEL_E_REVOKED,
          "lifetime: a notification's last capability going wakes its waiter (KEEL_E_REVOKED)");
    uint64_t q = quota(FACTORY);
    drop(w);    /* a thread dies with its last capability: its page comes back */
    check(charged && quota(FACTORY) == q + 1,
          "lifetime: a notification and a thread are freed with their last capability");
    before = quota(FACTORY);
    keel_notification_create(U, FACTORY, 0, &n);
    drop(n);
    check(quota(FACTORY) == before, "lifetime: a notification made and deleted costs nothing");
}

/* A thread's exception handler gate dies before the thread faults: the link
 * is cut (the fault stops the thread), never followed to the gate's page,
 * which a new gate may have taken. */
static void test_handler_death(void)
{
    uint32_t h = KEEL_CAP_OPEN, h2 = KEEL_CAP_OPEN, t = KEEL_CAP_OPEN, e;
    e = keel_gate_create(U, FACTORY, SELF_THREAD, 0xe1, &h);
    e |= keel_thread_create(U, FACTORY, SELF_TASK, &t);
    e |= keel_invoke(U, t, KEEL_THREAD_SET_REGS, BAD_ADDR, 0, 0, 0);
    e |= keel_invoke(U, t, KEEL_THREAD_SET_HANDLER, h, 0, 0, 0);
    drop(h);
    e |= keel_gate_create(U, FACTORY, SELF_THREAD, 0xe2, &h2);
    e |= keel_invoke(U, t, KEEL_THREAD_START, 0, 0, 0, 0);
    struct keel_ipc_result r = keel_recv(U, h2, 100 * MS);
    check(!e && err(r) == KEEL_E_TIMEOUT,
          "lifetime: a dead exception handler gate is cut from its thread (the fault stops it)");
    e = keel_invoke(U, t, KEEL_THREAD_SET_HANDLER, h2, 0, 0, 0);
    e |= keel_invoke(U, t, KEEL_THREAD_SET_REGS, BAD_ADDR, 0, 0, 0);
    e |= keel_invoke(U, t, KEEL_THREAD_START, 0, 0, 0, 0);
    r = keel_recv(U, h2, 1000 * MS);
    check(!e && !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXCEPTION,
          "lifetime: with a live handler again, its fault arrives there");
    drop(t);    /* the last capability: the thread waiting for its verdict dies */
    drop(h2);
}

/* A receiver waiting only for one gate wakes with KEEL_E_REVOKED when that
 * gate's last capability goes. */
static volatile uint32_t only_err = 0xff, only_done;
static volatile uint32_t only_gate = KEEL_CAP_OPEN;

static void only_receiver(struct keel_utcb *u, uintptr_t arg)
{
    while (only_gate == KEEL_CAP_OPEN)
        sleep_us(MS);
    only_err = err(keel_recv(u, only_gate, 3000 * MS));
    only_done = 1;
}

static void test_receiver_gate_death(void)
{
    uint32_t g = KEEL_CAP_OPEN;
    only_gate = KEEL_CAP_OPEN;
    only_done = 0;
    uint32_t s = spawn(only_receiver, 0, MAIN_PRIO, KEEL_CAP_OPEN);
    keel_gate_create(U, FACTORY, s, 0xd2, &g);
    only_gate = g;
    sleep_us(30 * MS);      /* it receives from that gate only, and waits */
    bool waiting = !only_done;
    drop(g);
    for (int k = 0; k < 5000 && !only_done; k++)
        sleep_us(MS);
    check(waiting && only_done && only_err == KEEL_E_REVOKED,
          "lifetime: a receiver waiting only for a gate wakes when it goes (KEEL_E_REVOKED)");
    drop(s);
}

/* Random copies (GIVE_CAP, COPY_CAP) of a gate and a notification among
 * three tasks, deletions, revocations of random slots and IPC through our
 * own copies: only named errors; revoking the two originals then leaves no
 * capability in the tasks, and with them gone every page is back. */
static void test_random_revoke(uint32_t ops)
{
    uint64_t before = quota(FACTORY);
    uint32_t task[3], src[2] = { KEEL_CAP_OPEN, KEEL_CAP_OPEN }, mine = KEEL_CAP_OPEN;
    uint32_t bad = 0, e = 0, revoked_seen = 0, copies = 0;
    for (int i = 0; i < 3; i++) {
        task[i] = KEEL_CAP_OPEN;
        e |= keel_task_create_sized(U, FACTORY, 5, &task[i]);
    }
    e |= keel_gate_create(U, FACTORY, server, 0x5d, &src[0]);
    e |= keel_notification_create(U, FACTORY, 0x5e, &src[1]);
    rng = 0x13198a2e03707344ull;
    for (uint32_t n = 0; !e && n < ops; n++) {
        uint32_t i = (uint32_t)(rnd() % 3), j = (uint32_t)(rnd() % 3), r;
        uint32_t slot = (uint32_t)(rnd() % 40), rights = (uint32_t)(rnd() % 16);
        switch (rnd() % 6) {
        case 0:     /* from us into a task */
            r = keel_invoke(U, task[i], KEEL_TASK_GIVE_CAP, src[rnd() % 2], rights,
                            rnd() % 2 ? KEEL_CAP_OPEN : slot, 0);
            copies += r == KEEL_OK;
            break;
        case 1:     /* from one task into another (or the same) */
            r = keel_invoke(U, task[i], KEEL_TASK_COPY_CAP, slot, task[j],
                            rnd() % 2 ? KEEL_CAP_OPEN : (uint32_t)(rnd() % 40), rights);
            copies += r == KEEL_OK;
            break;
        case 2:
            r = keel_invoke(U, task[i], KEEL_TASK_DELETE_CAP, slot, 0, 0, 0);
            break;
        case 3:
            r = keel_revoke(U, task[i], slot);
            break;
        case 4:     /* a copy of ours, derived from one in a task, and IPC through it */
            if (mine == KEEL_CAP_OPEN) {
                r = keel_invoke(U, task[i], KEEL_TASK_COPY_CAP, slot, SELF_TASK, KEEL_CAP_OPEN,
                                KEEL_RIGHT_SEND);
                if (!r)
                    mine = (uint32_t)U->mr[0];
                break;
            }
            /* A one-word send: a signal on a notification copy; on a gate
             * copy, a message to the echo server, which we wait to take it.
             * (A zero timeout, as keel_signal has, made the result depend on
             * the host: a timer tick that preempts the server before it is
             * back in its receive leaves it not waiting, and the send fails
             * with KEEL_E_TIMEOUT, not a named error here.  POWER9 boots on
             * the host clock, where ticks land anywhere.) */
            U->mr[0] = 1;
            r = KEEL_TAG_ERROR(keel_send(U, mine, KEEL_TAG(0, 1, 0), KEEL_TIMEOUT_NEVER).tag);
            if (r == KEEL_E_CAP || r == KEEL_E_REVOKED || r == KEEL_E_INVALID) {
                revoked_seen += r == KEEL_E_REVOKED;
                drop(mine);
                mine = KEEL_CAP_OPEN;
                r = KEEL_OK;
            }
            break;
        default:
            r = keel_revoke(U, SELF_TASK, src[rnd() % 2]);
            break;
        }
        bool named = r == KEEL_OK || r == KEEL_E_CAP || r == KEEL_E_RIGHTS ||
                     r == KEEL_E_REVOKED || r == KEEL_E_INVALID || r == KEEL_E_QUOTA;
        if (!named && bad++ == 0)
            keel_printf("ktest: random revocation: operation %u returned %u\n", n, r);
    }
    e |= keel_revoke(U, SELF_TASK, src[0]) | keel_revoke(U, SELF_TASK, src[1]);
    uint32_t left = 0;
    for (int i = 0; i < 3; i++)
        for (uint32_t k = 0; k < 32; k++)
            left += keel_invoke(U, task[i], KEEL_TASK_COPY_CAP, k, task[0], KEEL_CAP_OPEN,
                                KEEL_RIGHT_SEND) == KEEL_OK;
    char name[160];
    keel_snprintf(name, sizeof(name), "random: %u revocation operations (%u copies made, "
                  "%u revoked uses): only named errors, nothing left below the originals",
                  ops, copies, revoked_seen);
    if (e || bad || left)   /* which part failed, for an intermittent failure's log */
        keel_printf("ktest: random revocation: error %u while setting up or revoking the "
                    "originals, %u unnamed errors, %u copies left\n", e, bad, left);
    check(!e && bad == 0 && left == 0 && copies > 0, name);
    drop(mine);
    drop(src[0]);
    drop(src[1]);
    for (int i = 0; i < 3; i++)
        drop(task[i]);
    check(quota(FACTORY) == before && echo_words(4),
          "random: after the revocations every page is back and IPC works");
}

/* Memory is delegated, never made: a factory without memory (made with
 * KEEL_FACTORY_NO_MEMORY, as the root task makes programs' factories) pays
 * for kernel objects and page tables only; fresh memory charged to it, or
 * to any factory made from it, is refused. */
static void test_memory_factories(void)
{
    uint32_t bare = KEEL_CAP_OPEN, sub = KEEL_CAP_OPEN, idle = KEEL_CAP_OPEN;
    uint32_t e = keel_invoke(U, FACTORY, KEEL_FACTORY_FACTORY, 16, KEEL_CAP_OPEN, 2, 0);
    check(e == KEEL_E_INVALID, "memory: an unknown factory flag is refused");
    e = keel_invoke(U, FACTORY, KEEL_FACTORY_FACTORY, 16, KEEL_CAP_OPEN, ~(uintptr_t)0, 0);
    check(e == KEEL_E_INVALID, "memory: all flags set is refused");
    e = keel_invoke(U, FACTORY, KEEL_FACTORY_FACTORY, 64, KEEL_CAP_OPEN,
                    KEEL_FACTORY_NO_MEMORY, 0);
    bare = e ? KEEL_CAP_OPEN : (uint32_t)U->mr[0];
    check(!e, "memory: a factory for kernel objects only is made");
    e = keel_map_anon(U, SELF_TASK, bare, QT_AREA + 0x400000, 1, KEEL_MAP_R | KEEL_MAP_W);
    check(e == KEEL_E_RIGHTS && quota(bare) == 64,
          "memory: MAP_ANON charged to a factory without memory: KEEL_E_RIGHTS, nothing charged");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_LOAD_ELF, AREA, 64, bare, 0);
    check(e == KEEL_E_RIGHTS, "memory: LOAD_ELF charged to a factory without memory: KEEL_E_RIGHTS");
    e = keel_factory_create(U, bare, 16, &sub);
    uint32_t e2 = keel_map_anon(U, SELF_TASK, sub, QT_AREA + 0x400000, 1, KEEL_MAP_R);
    check(!e && e2 == KEEL_E_RIGHTS,
          "memory: a factory made from one without memory has none either");
    e = keel_thread_create(U, bare, SELF_TASK, &idle);
    e2 = e ? e : keel_thread_set_utcb(U, idle, bare, QT_AREA + 0x800000);
    check(!e && !e2 && quota(bare) < 64 - 16,
          "memory: a factory without memory still pays for threads and UTCBs");
    e = keel_map_anon(U, SELF_TASK, FACTORY, QT_AREA + 0x400000, 1, KEEL_MAP_R);
    check(!e, "memory: our own factory (given with memory) maps fresh pages");
    drop(idle);
    drop(sub);
    drop(bare);
}

/* The root task is our main thread's pager: a touch in the memory region
 * (keel/system.h) gets a zeroed page of root's by IPC, charged to root (our
 * factory pays for page tables and mapping records only). */
static void test_root_pager(void)
{
    uintptr_t a = KEEL_MEMORY_BASE + 0x10000000u;   /* 2 MiB aligned, untouched */
    uint64_t before = quota(FACTORY);
    volatile uint64_t *p = (volatile uint64_t *)a;
    bool zero = true;
    for (uint32_t k = 0; k < 8; k++)
        zero &= p[k * 512] == 0 && p[k * 512 + 511] == 0;
    uint64_t paid = before - quota(FACTORY);
    check(zero, "memory: loads in the memory region get zeroed pages from the root task");
    check(paid <= 4, "memory: 8 pages from root cost our factory only tables and records");
    p[0] = 0x1234;
    check(p[0] == 0x1234, "memory: a page from root is writable");
    uint32_t e = keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, a, 12, KEEL_UNMAP_SELF, 0);
    check(!e && p[0] == 0, "memory: a page from root given back comes again zeroed on a touch");
    e = keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, a, 21, KEEL_UNMAP_SELF, 0);
    check(!e && quota(FACTORY) >= before - 4, "memory: giving root's pages back keeps the quota");
}

/* ---- large pages ---- */

#define LARGE_SRC (MEM_AREA + 0x80000000ull)                 /* 1 GiB aligned */
#define LARGE_WIN(i) (MEM_AREA + 0xc0000000ull + 0x1000000ull * (uintptr_t)(i))
#define LARGE_CYCLES 1000

/* Map and grant at page size 2^o (a size KEEL_ARCH_PAGE_ORDERS names, one
 * a map item can carry), from a large page of ours made by MAP_ANON. */
static void large_pages_of(uint32_t o)
{
    uintptr_t size = (uintptr_t)1 << o, last = size - MEM_PAGE;
    char name[160];
    uint32_t e = keel_map_anon(U, SELF_TASK, FACTORY, LARGE_SRC, (uint32_t)(size / MEM_PAGE),
                               KEEL_MAP_R | KEEL_MAP_W);
    *(volatile uint32_t *)LARGE_SRC = 0x1a0;
    *(volatile uint32_t *)(LARGE_SRC + MEM_PAGE) = 0x1a3;   /* read_at() cannot tell 0 */
    *(volatile uint32_t *)(LARGE_SRC + last) = 0x1a1;
    uint64_t before = quota(FACTORY);
    e = e ? e : send_mem(KEEL_ITEM_MAP, LARGE_SRC, o, KEEL_MAP_R | KEEL_MAP_W, LARGE_WIN(0), o);
    uint64_t cost = before - quota(FACTORY);
    keel_snprintf(name, sizeof(name), "large pages: a %u KiB page maps whole into a window "
                  "(one entry: %u pages of tables and nodes)", (uint32_t)(size >> 10),
                  (uint32_t)cost);
    check(!e && ws_order == o && ws_base == LARGE_WIN(0) && mem_word(LARGE_WIN(0)) == 0x1a0 &&
          mem_word(LARGE_WIN(0) + last) == 0x1a1 && cost <= 4, name);
    *(volatile uint32_t *)(LARGE_WIN(0) + last) = 0x1a2;
    check(mem_word(LARGE_SRC + last) == 0x1a2, "large pages: sender and receiver share it");

    e = send_mem(KEEL_ITEM_MAP, LARGE_SRC, o, KEEL_MAP_R, LARGE_WIN(1), o);
    check(!e && read_at(LARGE_WIN(1) + last) == 0x1a2 &&
          watch(&probe, probe_write, LARGE_WIN(1) + last) == (MEM_FAULT | KEEL_FAULT_PAGE_WRITE),
          "large pages: rights only shrink (a read-only large mapping refuses writes)");

    /* Pieces: a smaller window takes the part at its offset. */
    e = send_mem(KEEL_ITEM_MAP, LARGE_SRC, o, KEEL_MAP_R, LARGE_WIN(2) + 5 * MEM_PAGE, 12);
    e = e ? e : send_mem(KEEL_ITEM_MAP, LARGE_SRC + 9 * MEM_PAGE, 12, KEEL_MAP_R,
                         LARGE_WIN(3), 12);
    *(volatile uint32_t *)(LARGE_SRC + 5 * MEM_PAGE) = 0x1a5;
    *(volatile uint32_t *)(LARGE_SRC + 9 * MEM_PAGE) = 0x1a9;
    check(!e && ws_order == 12 && read_at(LARGE_WIN(2) + 5 * MEM_PAGE) == 0x1a5 &&
          read_at(LARGE_WIN(3)) == 0x1a9 &&
          read_at(LARGE_WIN(2)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "large pages: 4 KiB parts of a large page map on their own");
    e = keel_unmap(U, SELF_TASK, LARGE_SRC + 5 * MEM_PAGE, 12, 0);
    check(!e && read_at(LARGE_WIN(2) + 5 * MEM_PAGE) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(LARGE_WIN(0) + 5 * MEM_PAGE) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(LARGE_WIN(3)) == 0x1a9 && mem_word(LARGE_SRC + 5 * MEM_PAGE) == 0x1a5,
          "large pages: unmap of a part takes back (whole) the mappings that overlap it, "
          "no other; the owner's page is not split");

    /* The caller's own received large page is not split either. */
    e = send_mem(KEEL_ITEM_MAP, LARGE_SRC, o, KEEL_MAP_R, LARGE_WIN(0), o);
    uint32_t part = e ? e : keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, LARGE_WIN(0) + MEM_PAGE,
                                        12, KEEL_UNMAP_SELF, 0);
    check(part == KEEL_E_INVALID && read_at(LARGE_WIN(0) + MEM_PAGE) == 0x1a3,
          "large pages: KEEL_UNMAP_SELF of part of a received large page is KEEL_E_INVALID, "
          "nothing taken");

    /* Grant moves it whole; a part of it cannot be granted. */
    e = send_mem(KEEL_ITEM_GRANT, LARGE_WIN(0), o, KEEL_MAP_R, LARGE_WIN(4), o);
    check(!e && ws_type == KEEL_ITEM_GRANT && read_at(LARGE_WIN(4) + last) == 0x1a2 &&
          read_at(LARGE_WIN(0)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "large pages: grant moves a large page whole");
    check(send_mem(KEEL_ITEM_GRANT, LARGE_WIN(4) + MEM_PAGE, 12, KEEL_MAP_R, LARGE_WIN(5), 12) ==
          KEEL_E_INVALID && send_mem(KEEL_ITEM_GRANT, LARGE_WIN(4), o, KEEL_MAP_R,
          LARGE_WIN(5), 12) == KEEL_E_INVALID && read_at(LARGE_WIN(4)) == 0x1a0,
          "large pages: granting part of a large page (item or window smaller) is "
          "KEEL_E_INVALID");

    /* A destination with a page already mapped in it takes the rest in pages. */
    e = send_mem(KEEL_ITEM_MAP, LARGE_SRC + 9 * MEM_PAGE, 12, KEEL_MAP_R, LARGE_WIN(6) + MEM_PAGE,
                 12);
    e = e ? e : send_mem(KEEL_ITEM_MAP, LARGE_SRC, o, KEEL_MAP_R, LARGE_WIN(6), o);
    check(!e && read_at(LARGE_WIN(6) + MEM_PAGE) == 0x1a9 && read_at(LARGE_WIN(6)) == 0x1a0 &&
          read_at(LARGE_WIN(6) + last) == 0x1a2,
          "large pages: a window with a page in it gets the rest page by page");

    check(send_mem(KEEL_ITEM_MAP, LARGE_SRC + MEM_PAGE, o, KEEL_MAP_R, LARGE_WIN(7), o) ==
          KEEL_E_INVALID && send_mem(KEEL_ITEM_MAP, LARGE_SRC, o, KEEL_MAP_R,
          LARGE_WIN(7) + MEM_PAGE, o) == KEEL_E_WINDOW &&
          send_mem(KEEL_ITEM_MAP, LARGE_SRC, KEEL_MAP_ORDER_MAX + 1, KEEL_MAP_R, LARGE_WIN(7),
          o) == KEEL_E_INVALID,
          "large pages: a misaligned item is KEEL_E_INVALID, a misaligned window KEEL_E_WINDOW, "
          "an oversized item KEEL_E_INVALID");

    e = keel_unmap(U, SELF_TASK, LARGE_SRC, o, 0);
    bool gone = true;
    for (uint32_t w = 0; w < 7; w++)
        gone = gone && read_at(LARGE_WIN(w)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
               read_at(LARGE_WIN(w) + last) == (MEM_FAULT | KEEL_FAULT_PAGE_READ);
    check(!e && gone && mem_word(LARGE_SRC + last) == 0x1a2,
          "large pages: access through every receiver faults after unmap; the owner keeps it");

    /* Cycles: after the first one (tables made), nothing is left over. */
    uint64_t settled = 0;
    uint32_t bad = 0;
    for (uint32_t i = 0; i < LARGE_CYCLES && !bad; i++) {
        bad += send_mem(KEEL_ITEM_MAP, LARGE_SRC, o, KEEL_MAP_R, LARGE_WIN(8), o) != 0;
        bad += mem_word(LARGE_WIN(8) + last) != 0x1a2;
        bad += keel_unmap(U, SELF_TASK, LARGE_SRC, o, 0) != 0;
        if (i == 0)
            settled = quota(FACTORY);
    }
    keel_snprintf(name, sizeof(name), "large pages: %u map/unmap cycles of a %u KiB page leave "
                  "no page mapped and no quota used", LARGE_CYCLES, (uint32_t)(size >> 10));
    check(!bad && quota(FACTORY) == settled &&
          read_at(LARGE_WIN(8)) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(LARGE_WIN(8) + last) == (MEM_FAULT | KEEL_FAULT_PAGE_READ), name);
}

/* MAP_ANON takes large pages where size and alignment allow; they go back
 * page by page with the task, and a failed one leaves nothing behind. */
static void large_map_anon(void)
{
    uintptr_t large = (uintptr_t)1 << 21;
    uint32_t pages = (uint32_t)(large / MEM_PAGE) + 16;
    uint32_t s = sub_factory(pages), task = KEEL_CAP_OPEN;
    uint32_t e = keel_task_create(U, FACTORY, &task);
    uint64_t before = quota(s);
    e = e ? e : keel_map_anon(U, task, s, LARGE_SRC + large, (uint32_t)(large / MEM_PAGE) + 1,
                              KEEL_MAP_R | KEEL_MAP_W);
    uint64_t used = before - quota(s);
    uint32_t e2 = e ? e : keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    check(!e && !e2 && used >= large / MEM_PAGE + 1 && used <= large / MEM_PAGE + 8 &&
          quota(s) == before, "large pages: MAP_ANON of 2 MiB + 4 KiB in another task, "
          "destroyed: every page (the large one page by page) goes back");
    drop(task);
    drop(s);
    s = sub_factory(300);
    task = KEEL_CAP_OPEN;
    e = keel_task_create(U, FACTORY, &task);
    e = e ? e : keel_map_anon(U, task, s, LARGE_SRC, (uint32_t)(large / MEM_PAGE),
                              KEEL_MAP_R | KEEL_MAP_W);
    check(e == KEEL_E_QUOTA && quota(s) + 4 >= 300, "large pages: MAP_ANON of 2 MiB from a "
          "factory with less is KEEL_E_QUOTA and gives back what it took");
    keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(task);
    drop(s);
}

/* Map items of 1 GiB (KEEL_MAP_ORDER_MAX) over a sparse source: a few 4 KiB
 * pages of ours in a 1 GiB region land at the same offsets in a 1 GiB window
 * (a 1 GiB leaf itself needs 262,144 pages of quota, 64 times ktest's),
 * and one unmap of the whole region takes them all back, resumed at the
 * offset each bounded step reports. */
#define GIB_SRC (MEM_AREA + 0x100000000ull)             /* 1 GiB aligned */
#define GIB_WIN (MEM_AREA + 0x200000000ull)
#define GIB_ORDER 30

static void gib_items(void)
{
    static const uintptr_t offs[] = { 0, 0x1000, 0x15550000, 0x3ffff000 };
    bool ok = true;
    for (uint32_t k = 0; k < 4; k++) {
        ok = ok && !keel_map_anon(U, SELF_TASK, FACTORY, GIB_SRC + offs[k], 1,
                                  KEEL_MAP_R | KEEL_MAP_W);
        if (ok)
            *(volatile uint32_t *)(GIB_SRC + offs[k]) = 0x91b0 + k;
    }
    uint64_t before = quota(FACTORY);
    uint32_t e = ok ? send_mem(KEEL_ITEM_MAP, GIB_SRC, GIB_ORDER, KEEL_MAP_R | KEEL_MAP_W,
                               GIB_WIN, GIB_ORDER) : 0xdead;
    bool there = true;
    for (uint32_t k = 0; k < 4; k++)
        there = there && read_at(GIB_WIN + offs[k]) == 0x91b0 + k;
    check(!e && ws_order == GIB_ORDER && ws_base == GIB_WIN && there &&
          read_at(GIB_WIN + 0x2000) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          before - quota(FACTORY) <= 16,
          "1 GiB items: a map item of a 1 GiB region carries the pages it has, at their offsets");
    *(volatile uint32_t *)(GIB_WIN + offs[3]) = 0x91bf;
    check(mem_word(GIB_SRC + offs[3]) == 0x91bf, "1 GiB items: the receiver writes our page");
    /* One bounded step, then a resume offset outside the region. */
    uint32_t bad = keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, GIB_SRC, GIB_ORDER, 0,
                               (uintptr_t)1 << GIB_ORDER);
    uint32_t odd = keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, GIB_SRC, GIB_ORDER, 0, 0x10);
    uint32_t big = keel_invoke(U, SELF_TASK, KEEL_TASK_UNMAP, GIB_SRC, GIB_ORDER + 1, 0, 0);
    check(bad == KEEL_E_INVALID && odd == KEEL_E_INVALID && big == KEEL_E_INVALID &&
          read_at(GIB_WIN) == 0x91b0, "1 GiB items: an unmap resume offset outside the region "
          "or not page aligned, and an order past KEEL_MAP_ORDER_MAX, are KEEL_E_INVALID, "
          "nothing taken");
    e = keel_unmap(U, SELF_TASK, GIB_SRC, GIB_ORDER, 0);
    bool gone = true;
    for (uint32_t k = 0; k < 4; k++)
        gone = gone && read_at(GIB_WIN + offs[k]) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
               mem_word(GIB_SRC + offs[k]) == (k == 3 ? 0x91bfu : 0x91b0 + k);
    check(!e && gone, "1 GiB items: unmap of the 1 GiB region takes every page back from the "
          "receiver (in bounded steps); ours stay");
    /* The same again: the pages are usable for delegation after the unmap. */
    e = send_mem(KEEL_ITEM_MAP, GIB_SRC, GIB_ORDER, KEEL_MAP_R, GIB_WIN, GIB_ORDER);
    check(!e && read_at(GIB_WIN + offs[2]) == 0x91b2 &&
          !keel_unmap(U, SELF_TASK, GIB_SRC, GIB_ORDER, 0) &&
          read_at(GIB_WIN + offs[2]) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "1 GiB items: mapped again after the unmap, and taken back again");
}

/* Reads a and a + 2 MiB - 4 KiB (two pages of one 2 MiB page); exits with
 * their sum. */
static void probe_two(uintptr_t a)
{
    uint32_t x = *(volatile uint32_t *)a;
    keel_debug_exit((int)(x + *(volatile uint32_t *)(a + 0x1ff000)));
}

/* A pager answers a fault with a 2 MiB map item (our large page at
 * LARGE_SRC): one fault maps the whole 2 MiB around the address. */
static void large_fault_reply(void)
{
    uintptr_t at = LARGE_WIN(9);   /* 16 MiB apart: 2 MiB aligned */
    uint32_t faults = 0, verdict = 0xdead;
    *(volatile uint32_t *)LARGE_SRC = 0x2a0;
    *(volatile uint32_t *)(LARGE_SRC + 0x1ff000) = 0x2a1;
    if (keel_invoke(U, probe.thread, KEEL_THREAD_SET_REGS, (uintptr_t)probe_two, probe.sp,
                    at, 0) || keel_invoke(U, probe.thread, KEEL_THREAD_START, 0, 0, 0, 0))
        faults = 100;
    struct keel_ipc_result r = keel_recv(U, probe.gate, 1000 * MS);
    while (!err(r) && faults < 4) {
        if (KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT) {
            verdict = (uint32_t)U->mr[0];
            break;
        }
        faults++;
        U->mr[0] = U->mr[1] = 0;
        keel_mem_item(U, 0, KEEL_ITEM_MAP, LARGE_SRC, 21, KEEL_MAP_R);
        r = keel_reply_wait(U, KEEL_TAG(KEEL_EXC_RESUME, 0, 1), probe.gate, 1000 * MS);
    }
    if (!err(r))    /* the exit (or a fault too many) is answered: the thread stops */
        keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    check(faults == 1 && verdict == 0x2a0 + 0x2a1,
          "large pages: a pager's reply with a 2 MiB map item maps the whole 2 MiB (one fault "
          "for two pages of it)");
    check(!keel_unmap(U, SELF_TASK, LARGE_SRC, 21, 0) &&
          read_at(at) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "large pages: the 2 MiB a pager mapped is taken back by unmap");
}

static void test_large_pages(void)
{
    uintptr_t sp = new_stack(1);
    uint32_t gate = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x8d, &gate);
    ws_u = NULL;
    bool ok = sp && watched_start(&probe, SELF_TASK, sp - 64, gate);
    uint32_t ws = ok ? spawn(window_server, 0, MAIN_PRIO, KEEL_CAP_OPEN) : KEEL_CAP_OPEN;
    ok = ok && ws != KEEL_CAP_OPEN && !keel_gate_create(U, FACTORY, ws, 0x3d, &ws_gate);
    settle();
    check(ok && ws_u, "large pages: setup (a window server and a watched thread)");
    if (!ok || !ws_u)
        return;
    /* Leaves this suite can pay for: a 1 GiB one takes 262,144 pages of
     * quota and as much aligned free RAM (the 256 MiB machines have less);
     * gib_items() delegates 1 GiB regions in smaller leaves instead. */
    uint32_t sizes = 0;
    for (uint32_t o = 13; o <= KEEL_MAP_ORDER_MAX; o++) {
        if (!((KEEL_ARCH_PAGE_ORDERS >> o) & 1))
            continue;
        if (((uint64_t)1 << (o - 12)) + 64 > quota(FACTORY)) {
            keel_printf("ktest: large pages: no %u KiB leaf (quota %lu pages): delegated in "
                        "smaller leaves only\n", 1u << (o - 10), (unsigned long)quota(FACTORY));
            continue;
        }
        large_pages_of(o);
        sizes++;
    }
    check(sizes > 0, "large pages: the ISA has a large page a map item can carry");
    if ((KEEL_ARCH_PAGE_ORDERS >> 21) & 1) {
        large_fault_reply();
        large_map_anon();
    }
    gib_items();
    keel_set_window(ws_u, 0, 0);
    drop(ws_gate);
    drop(ws);
    drop(probe.thread);
    drop(probe.gate);
}

/* A map onto a slot the receiver already holds does nothing, and with the
 * receiver's list of free mapping nodes empty it must not allocate a page
 * of nodes for it either (kernel/mapping.c, map_leaf: the task would keep
 * that page until destroyed, its factory paying for a map that did nothing).
 * The other task's list is emptied by counting: each page mapped to it takes
 * a node; a page of nodes shows as one page less in its factory's quota, so
 * two such drops give the nodes a page holds, and as many maps after the
 * second drop as it has left empty the list. */
#define HELD_AREA ((uintptr_t)0x0000060000000000ull)   /* the other task's pages */
#define HELD_PAGES 400u                                 /* all under one last table */
#define HELD_MARK 0x4e1du

/* Run fn(a) on w's thread (in the other task), serving its faults: a page
 * of [HELD_AREA, + HELD_PAGES) from our page src, read-only, once a run (a
 * second fault there ends the run: MEM_FAULT | kind), any other page from
 * ours at the same address.  Its exit status, or 0xdead. */
static uint32_t held_run(struct watched *w, void (*fn)(uintptr_t), uintptr_t a, uintptr_t src)
{
    if (keel_invoke(U, w->thread, KEEL_THREAD_SET_REGS, (uintptr_t)fn, w->sp, a, 0) ||
        keel_invoke(U, w->thread, KEEL_THREAD_START, 0, 0, 0, 0))
        return 0xdead;
    struct keel_ipc_result r = keel_recv(U, w->gate, 1000 * MS);
    bool served = false;
    for (uint32_t n = 0; n < 64 && !err(r); n++) {
        uintptr_t addr = U->mr[KEEL_EXC_ADDR], from;
        uint32_t kind = (uint32_t)U->mr[KEEL_EXC_KIND], verdict = 0, rights;
        if (KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT)
            verdict = (uint32_t)U->mr[0];
        else if (kind == KEEL_FAULT_PAGE_EXEC && !addr)
            addr = U->mr[KEEL_EXC_IP];
        bool held = addr >= HELD_AREA && addr < HELD_AREA + HELD_PAGES * MEM_PAGE;
        if (KEEL_TAG_LABEL(r.tag) != KEEL_LABEL_EXIT &&
            (kind > KEEL_FAULT_PAGE_EXEC || (held && served)))
            verdict = MEM_FAULT | kind;
        if (verdict) {
            keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
            return verdict;
        }
        served = served || held;
        from = held ? src : addr & ~(uintptr_t)(MEM_PAGE - 1);
        rights = held ? KEEL_MAP_R : KEEL_MAP_R | KEEL_MAP_W | KEEL_MAP_X;
        U->mr[0] = U->mr[1] = 0;                        /* retry the access */
        keel_mem_item(U, 0, KEEL_ITEM_MAP, from, 12, rights);
        r = keel_reply_wait(U, KEEL_TAG(KEEL_EXC_RESUME, 0, 1), w->gate, 1000 * MS);
    }
    return 0xdead;
}

static void test_map_held_slot(void)
{
    struct watched w;
    uint32_t task = KEEL_CAP_OPEN, gate = KEEL_CAP_OPEN, s = sub_factory(96);
    uintptr_t top = new_stack(1), src = top - MEM_PAGE;     /* a page of ours */
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x8e, &gate);
    uint64_t start = quota(s);
    bool up = s != KEEL_CAP_OPEN && top && !keel_task_create(U, s, &task) &&
              watched_start(&w, task, (uintptr_t)remote_stack + sizeof(remote_stack) - 64, gate);
    if (up)
        *(volatile uint32_t *)src = HELD_MARK;
    uint32_t next = 0, drops[2] = { 0, 0 }, found = 0, bad = !up;
    /* probe_write's code first (its pages may not be probe_read's: the
     * write below must fault on nothing but the held page), a write to the
     * bottom of the stack area, far below the top the thread runs on. */
    bad += up && held_run(&w, probe_write, (uintptr_t)remote_stack, src) != 0x77;
    bad += up && held_run(&w, probe_read, HELD_AREA, src) != HELD_MARK;  /* code, stack, tables */
    while (!bad && found < 2 && ++next < HELD_PAGES - 80) {
        uint64_t q = quota(s);
        bad += held_run(&w, probe_read, HELD_AREA + next * MEM_PAGE, src) != HELD_MARK;
        uint64_t used = q - quota(s);
        bad += used > 1;
        if (used == 1)
            drops[found++] = next;
    }
    bad += found < 2;
    uint32_t per_page = drops[1] - drops[0];        /* nodes a page of them holds */
    for (uint32_t k = 1; !bad && k < per_page; k++)
        bad += held_run(&w, probe_read, HELD_AREA + ++next * MEM_PAGE, src) != HELD_MARK;
    uint64_t before = quota(s);
    uint32_t v = bad ? 0 : held_run(&w, probe_write, HELD_AREA, src);
    check(!bad && found == 2 && v == (MEM_FAULT | KEEL_FAULT_PAGE_WRITE) && quota(s) == before &&
          held_run(&w, probe_read, HELD_AREA, src) == HELD_MARK,
          "map: onto a slot the receiver holds, its node list empty: skipped, no page of nodes "
          "allocated (quota before == after)");
    v = bad ? 0 : held_run(&w, probe_read, HELD_AREA + ++next * MEM_PAGE, src);
    check(v == HELD_MARK && quota(s) == before - 1,
          "map: the receiver's node list was empty (the next map onto a free slot takes a page "
          "of nodes)");
    keel_invoke(U, task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(w.thread);
    drop(task);
    check(quota(s) == start, "map: the other task's nodes and tables go back with it");
    drop(gate);
    drop(s);
}

/* ---- lazy FP/SIMD switching (docs/design.md, "Floating point") ---- */

/* AArch64, POWER9 and RISC-V leave the owner's FP registers in the CPU on
 * a switch and trap another thread's first use; x86-64 switches eagerly.
 * These hold on every port. */

static volatile double fpl_sink;
static volatile uint32_t fpl_runs;

/* Computes with its own values whenever it runs (so it takes the FP
 * registers over each time), until it is killed. */
static void fpl_spinner(struct keel_utcb *u, uintptr_t seed)
{
    (void)u;
    for (;;) {
        fpl_sink = fp_work((uint32_t)seed);
        fpl_runs++;
    }
}

/* A thread that owns the FP registers dies: the next thread to use them
 * gets its own values, not the dead one's, and none of the dead one's
 * state is stored anywhere.  main stops using FP for a while first, so that
 * its eager loads (kernel/sched.c, FPU_EAGER_RESUMES) run out and the
 * spinner, lower in priority, is the owner when main kills it. */
static void test_fp_owner_death(void)
{
    uint32_t seed = 2, rounds = 0;
    fp_expect[seed] = fp_work(seed);
    double mine = fp_work(seed);
    fpl_runs = 0;
    uint32_t t = spawn(fpl_spinner, seed + 7, MAIN_PRIO - 1, KEEL_CAP_OPEN);
    for (uint32_t k = 0; k < 20 || (k < 500 && fpl_runs < 20); k++) {
        sleep_us(MS);                       /* the spinner computes meanwhile */
        rounds++;
    }
    uint32_t runs = fpl_runs;
    drop(t);                                /* it dies owning the registers */
    bool same = mine == fp_expect[seed] && fp_work(seed) == fp_expect[seed];
    check(t != KEEL_CAP_OPEN && runs > 0 && same,
          "fp: after the FP owner is killed, another thread's FP values are its own");
    (void)rounds;
}

/* Executes an instruction no ISA defines (x86-64 ud2; elsewhere the word
 * 0) as its first instruction that could touch the FP unit: on RISC-V that
 * is an illegal-instruction trap with sstatus.FS Off, which the kernel
 * first takes as an FP use; it must still reach the handler. */
static void fpl_illegal(struct keel_utcb *u, uintptr_t arg)
{
    (void)u, (void)arg;
#if defined(__x86_64__)
    __asm__ volatile("ud2");
#else
    __asm__ volatile(".long 0");
#endif
    keel_debug_exit(0);
}

static void test_fp_illegal_insn(void)
{
    uint32_t g = KEEL_CAP_OPEN;
    volatile double mine = fp_work(1);      /* main owns the FP registers */
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x1f, &g);
    uint32_t t = spawn(fpl_illegal, 0, MAIN_PRIO, g);
    struct keel_ipc_result r = keel_recv(U, g, 1000 * MS);
    bool got = t != KEEL_CAP_OPEN && !err(r) && KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXCEPTION &&
               U->mr[KEEL_EXC_KIND] == KEEL_FAULT_ILLEGAL;
    if (!got)
        keel_printf("ktest: illegal: error %u, label 0x%lx, kind %lu\n", (unsigned)err(r),
                    (unsigned long)KEEL_TAG_LABEL(r.tag), (unsigned long)U->mr[KEEL_EXC_KIND]);
    check(got && mine == fp_work(1),
          "fp: an illegal instruction of a thread not owning the FP unit is an exception IPC");
    keel_ipc(U, KEEL_TAG(KEEL_EXC_STOP, 0, 0), 0, 0, KEEL_IPC_OPTS(KEEL_IPC_REPLY, 0, 0));
    drop(t);
    drop(g);
}

/* ---- the system-call ABI: which registers a system call keeps ---- */

/* abi_probe_entry(p), a bare thread's entry (ISA assembly below): loads
 * p->kin into the registers the system-call ABI keeps (callee-saved ones,
 * and the selector's; one of them holds p) and p->lin into those it may
 * clobber (sdk/include/keel/arch/<isa>/syscall.h), makes the system call of
 * p->w and p->nr, stores what came back into kout (the selector's register
 * last), lout and wout, sets done and exits by KEEL_DEBUG_EXIT. */
struct abi_probe {
    uintptr_t w[8], nr, kin[24], lin[24], kout[24], lout[24], wout[8], done, exit_nr, exit_w0;
};
_Static_assert(offsetof(struct abi_probe, nr) == 64 && offsetof(struct abi_probe, kin) == 72 &&
               offsetof(struct abi_probe, lin) == 264 && offsetof(struct abi_probe, kout) == 456 &&
               offsetof(struct abi_probe, lout) == 648 && offsetof(struct abi_probe, wout) == 840 &&
               offsetof(struct abi_probe, done) == 904 &&
               offsetof(struct abi_probe, exit_nr) == 912 &&
               offsetof(struct abi_probe, exit_w0) == 920, "abi_probe_entry's offsets");
void abi_probe_entry(uintptr_t p);

#if defined(__aarch64__)
/* Kept: x19-x27, x29, x30 (x28 holds p), then the selector x8.  Clobbered:
 * x9-x18. */
#define ABI_KEPT 11
#define ABI_SELECTOR_KEPT 1
#define ABI_LOST 10
__asm__(".text\n.balign 4\n.globl abi_probe_entry\nabi_probe_entry:\n"
        "mov x28, x0\nldr x19, [x28, #72]\nldr x20, [x28, #80]\n"
        "ldr x21, [x28, #88]\nldr x22, [x28, #96]\nldr x23, [x28, #104]\n"
        "ldr x24, [x28, #112]\nldr x25, [x28, #120]\nldr x26, [x28, #128]\n"
        "ldr x27, [x28, #136]\nldr x29, [x28, #144]\nldr x30, [x28, #152]\n"
        "ldr x9, [x28, #264]\nldr x10, [x28, #272]\nldr x11, [x28, #280]\n"
        "ldr x12, [x28, #288]\nldr x13, [x28, #296]\nldr x14, [x28, #304]\n"
        "ldr x15, [x28, #312]\nldr x16, [x28, #320]\nldr x17, [x28, #328]\n"
        "ldr x18, [x28, #336]\nldr x0, [x28, #0]\nldr x1, [x28, #8]\n"
        "ldr x2, [x28, #16]\nldr x3, [x28, #24]\nldr x4, [x28, #32]\n"
        "ldr x5, [x28, #40]\nldr x6, [x28, #48]\nldr x7, [x28, #56]\n"
        "ldr x8, [x28, #64]\nsvc #0\nstr x19, [x28, #456]\n"
        "str x20, [x28, #464]\nstr x21, [x28, #472]\nstr x22, [x28, #480]\n"
        "str x23, [x28, #488]\nstr x24, [x28, #496]\nstr x25, [x28, #504]\n"
        "str x26, [x28, #512]\nstr x27, [x28, #520]\nstr x29, [x28, #528]\n"
        "str x30, [x28, #536]\nstr x8, [x28, #544]\nstr x9, [x28, #648]\n"
        "str x10, [x28, #656]\nstr x11, [x28, #664]\nstr x12, [x28, #672]\n"
        "str x13, [x28, #680]\nstr x14, [x28, #688]\nstr x15, [x28, #696]\n"
        "str x16, [x28, #704]\nstr x17, [x28, #712]\nstr x18, [x28, #720]\n"
        "str x0, [x28, #840]\nstr x1, [x28, #848]\nstr x2, [x28, #856]\n"
        "str x3, [x28, #864]\nstr x4, [x28, #872]\nstr x5, [x28, #880]\n"
        "str x6, [x28, #888]\nstr x7, [x28, #896]\nmov x0, #1\n"
        "str x0, [x28, #904]\nldr x8, [x28, #912]\nldr x0, [x28, #920]\n"
        "mov x1, xzr\n1: svc #0\nb 1b\n");
#elif defined(__riscv)
/* Kept: gp, tp, s0-s10 (s11 holds p), then the selector t0.  Clobbered: ra,
 * t1-t6. */
#define ABI_KEPT 13
#define ABI_SELECTOR_KEPT 1
#define ABI_LOST 7
#define ABI_RV_KEPT(op, base) \
    op " gp, " #base "+0(s11)\n" op " tp, " #base "+8(s11)\n" op " s0, " #base "+16(s11)\n" \
    op " s1, " #base "+24(s11)\n" op " s2, " #base "+32(s11)\n" op " s3, " #base "+40(s11)\n" \
    op " s4, " #base "+48(s11)\n" op " s5, " #base "+56(s11)\n" op " s6, " #base "+64(s11)\n" \
    op " s7, " #base "+72(s11)\n" op " s8, " #base "+80(s11)\n" op " s9, " #base "+88(s11)\n" \
    op " s10, " #base "+96(s11)\n"
#define ABI_RV_LOST(op, base) \
    op " ra, " #base "+0(s11)\n" op " t1, " #base "+8(s11)\n" op " t2, " #base "+16(s11)\n" \
    op " t3, " #base "+24(s11)\n" op " t4, " #base "+32(s11)\n" op " t5, " #base "+40(s11)\n" \
    op " t6, " #base "+48(s11)\n"
#define ABI_RV_WORDS(op, base) \
    op " a0, " #base "+0(s11)\n" op " a1, " #base "+8(s11)\n" op " a2, " #base "+16(s11)\n" \
    op " a3, " #base "+24(s11)\n" op " a4, " #base "+32(s11)\n" op " a5, " #base "+40(s11)\n" \
    op " a6, " #base "+48(s11)\n" op " a7, " #base "+56(s11)\n"
__asm__(".text\n.balign 4\n.globl abi_probe_entry\nabi_probe_entry:\n"
        "mv s11, a0\n"
        ABI_RV_KEPT("ld", 72) ABI_RV_LOST("ld", 264) ABI_RV_WORDS("ld", 0)
        "ld t0, 64(s11)\n"
        "ecall\n"
        ABI_RV_KEPT("sd", 456) "sd t0, 560(s11)\n" ABI_RV_LOST("sd", 648) ABI_RV_WORDS("sd", 840)
        "li a0, 1\nsd a0, 904(s11)\n"
        "ld t0, 912(s11)\nld a0, 920(s11)\nli a1, 0\n"
        "1: ecall\nj 1b\n");
#elif defined(__powerpc64__)
/* Kept: r2, r13-r30 (r31 holds p), LR, then the selector r0.  Clobbered:
 * r11, r12, CTR, XER. */
#define ABI_KEPT 20
#define ABI_SELECTOR_KEPT 1
#define ABI_LOST 4
#define ABI_PPC_KEPT(op, base) \
    op " 2, " #base "+0(31)\n" op " 13, " #base "+8(31)\n" op " 14, " #base "+16(31)\n" \
    op " 15, " #base "+24(31)\n" op " 16, " #base "+32(31)\n" op " 17, " #base "+40(31)\n" \
    op " 18, " #base "+48(31)\n" op " 19, " #base "+56(31)\n" op " 20, " #base "+64(31)\n" \
    op " 21, " #base "+72(31)\n" op " 22, " #base "+80(31)\n" op " 23, " #base "+88(31)\n" \
    op " 24, " #base "+96(31)\n" op " 25, " #base "+104(31)\n" op " 26, " #base "+112(31)\n" \
    op " 27, " #base "+120(31)\n" op " 28, " #base "+128(31)\n" op " 29, " #base "+136(31)\n" \
    op " 30, " #base "+144(31)\n"
#define ABI_PPC_WORDS(op, base) \
    op " 3, " #base "+0(31)\n" op " 4, " #base "+8(31)\n" op " 5, " #base "+16(31)\n" \
    op " 6, " #base "+24(31)\n" op " 7, " #base "+32(31)\n" op " 8, " #base "+40(31)\n" \
    op " 9, " #base "+48(31)\n" op " 10, " #base "+56(31)\n"
__asm__(".text\n.balign 4\n.globl abi_probe_entry\nabi_probe_entry:\n"
        "mr 31, 3\n"
        ABI_PPC_KEPT("ld", 72) "ld 0, 224(31)\nmtlr 0\n"
        "ld 11, 264(31)\nld 12, 272(31)\nld 0, 280(31)\nmtctr 0\nld 0, 288(31)\nmtxer 0\n"
        ABI_PPC_WORDS("ld", 0) "ld 0, 64(31)\n"
        "sc\n"
        ABI_PPC_WORDS("std", 840) ABI_PPC_KEPT("std", 456)
        "mflr 3\nstd 3, 608(31)\nstd 0, 616(31)\n"
        "std 11, 648(31)\nstd 12, 656(31)\nmfctr 3\nstd 3, 664(31)\nmfxer 3\nstd 3, 672(31)\n"
        "li 3, 1\nstd 3, 904(31)\n"
        "ld 0, 912(31)\nld 3, 920(31)\nli 4, 0\n"
        "1: sc\nb 1b\n");
#elif defined(__x86_64__)
/* Kept: rbx, rbp, r14 (r15 holds p); rax is the selector in and a result
 * out, rcx and r11 are syscall's own (user rip and rflags). */
#define ABI_KEPT 3
#define ABI_SELECTOR_KEPT 0
#define ABI_LOST 0
__asm__(".text\n.globl abi_probe_entry\nabi_probe_entry:\n"
        "mov %rdi, %r15\n"
        "mov 72(%r15), %rbx\nmov 80(%r15), %rbp\nmov 88(%r15), %r14\n"
        "mov 0(%r15), %rdi\nmov 8(%r15), %rsi\nmov 16(%r15), %rdx\nmov 24(%r15), %r10\n"
        "mov 32(%r15), %r8\nmov 40(%r15), %r9\nmov 48(%r15), %r12\nmov 56(%r15), %r13\n"
        "mov 64(%r15), %rax\n"
        "syscall\n"
        "mov %rbx, 456(%r15)\nmov %rbp, 464(%r15)\nmov %r14, 472(%r15)\n"
        "mov %rdi, 840(%r15)\nmov %rsi, 848(%r15)\nmov %rdx, 856(%r15)\nmov %r10, 864(%r15)\n"
        "mov %r8, 872(%r15)\nmov %r9, 880(%r15)\nmov %r12, 888(%r15)\nmov %r13, 896(%r15)\n"
        "movq $1, 904(%r15)\n"
        "1: mov 912(%r15), %rax\nmov 920(%r15), %rdi\nxor %esi, %esi\nsyscall\njmp 1b\n");
#endif

static struct abi_probe abi_p;

/* One call of the echo server from a probe thread at priority prio: its
 * kept registers as they were, its clobbered ones its own values or zero
 * (never the kernel's), the reply's words right. */
static bool abi_round(uint8_t prio)
{
    struct abi_probe *p = &abi_p;
    *p = (struct abi_probe){ .nr = KEEL_SYS_IPC, .exit_nr = KEEL_SYS_DEBUG,
                             .exit_w0 = KEEL_DEBUG_EXIT };
    p->w[0] = KEEL_TAG(ECHO, 2, 0), p->w[1] = gate_a;
    p->w[3] = KEEL_IPC_OPTS(KEEL_IPC_CALL, KEEL_TIMEOUT_NEVER, KEEL_TIMEOUT_NEVER);
    p->w[4] = 41, p->w[5] = 99;
    for (uint32_t i = 0; i < 24; i++) {
        p->kin[i] = 0x4b65656c00000100ull + i * 0x10001ull + prio;
        p->lin[i] = 0x4c6f737400000200ull + i * 0x10001ull + prio;
    }
#if defined(__powerpc64__)
    p->lin[3] = 0x20000005;         /* XER: CA and a byte count, the bits it holds */
#endif
    uintptr_t sp = new_stack(1);
    uint32_t t = sp ? spawn_bare(abi_probe_entry, (uintptr_t)p, prio, sp, KEEL_CAP_OPEN)
                    : KEEL_CAP_OPEN;
    for (uint32_t k = 0; k < 200 && !*(volatile uintptr_t *)&p->done; k++)
        sleep_us(MS);
    bool ok = t != KEEL_CAP_OPEN && p->done && KEEL_TAG_ERROR(p->wout[0]) == 0 &&
              p->wout[4] == 42 && p->wout[5] == 100;
    for (uint32_t i = 0; i < ABI_KEPT; i++)
        if (p->kout[i] != p->kin[i]) {
            keel_printf("ktest: abi: kept register %u: 0x%lx, not 0x%lx\n", (unsigned)i,
                        (unsigned long)p->kout[i], (unsigned long)p->kin[i]);
            ok = false;
        }
    if (ABI_SELECTOR_KEPT)
        ok = ok && p->kout[ABI_KEPT] == KEEL_SYS_IPC;   /* the selector's register */
#if ABI_LOST
    for (uint32_t i = 0; i < ABI_LOST; i++) {
        uintptr_t v = p->lout[i];
        if (v != p->lin[i] && v != 0 && v != (uintptr_t)abi_probe_entry) {
            keel_printf("ktest: abi: clobbered register %u: 0x%lx\n", (unsigned)i,
                        (unsigned long)v);
            ok = false;
        }
    }
#endif
    drop(t);
    return ok;
}

static void test_syscall_abi(void)
{
    check(abi_round(MAIN_PRIO),
          "abi: a call and its reply at the server's priority (the fast path both ways): "
          "the kept registers keep their values, the clobbered ones come back as the "
          "thread's own or zero");
    check(abi_round(MAIN_PRIO - 1),
          "abi: the same from below the server's priority (the reply by the general path)");
}

/* ---- 1 GiB pages ---- */

#define GIB ((uintptr_t)1 << 30)
#define HUGE_WIN (MEM_AREA + 0x300000000ull)            /* 1 GiB aligned */
#define HUGE_WIN2 (MEM_AREA + 0x340000000ull)
#define HUGE_ANON (MEM_AREA + 0x380000000ull)
#define HUGE_ANON2 (MEM_AREA + 0x3c0000000ull)
#define HUGE_ANON3 (MEM_AREA + 0x400000000ull)

/* The log2 size of the leaf that maps va in our task (0: none), and in
 * *orders the leaf sizes the kernel makes here (KEEL_TASK_LEAF_ORDER). */
static uint32_t leaf_order(uintptr_t va, uint64_t *orders)
{
    if (keel_invoke(U, SELF_TASK, KEEL_TASK_LEAF_ORDER, va, 0, 0, 0))
        return 0xdead;
    if (orders)
        *orders = U->mr[1];
    return (uint32_t)U->mr[0];
}

/* MAP_ANON past KEEL_MAP_ANON_MAX: one 1 GiB page or an error, never more
 * work; from our factory (4096 pages of quota) only the errors. */
static void huge_map_anon_errors(bool gib)
{
    uint32_t pages = (uint32_t)(GIB / MEM_PAGE), rw = KEEL_MAP_R | KEEL_MAP_W;
    uint32_t mis = keel_map_anon(U, SELF_TASK, FACTORY, HUGE_ANON + MEM_PAGE, pages, rw);
    uint32_t odd = keel_map_anon(U, SELF_TASK, FACTORY, HUGE_ANON, pages + 1, rw);
    uint32_t two = keel_map_anon(U, SELF_TASK, FACTORY, HUGE_ANON, pages / 2, rw);
    check(mis == KEEL_E_INVALID && odd == KEEL_E_INVALID && two == KEEL_E_INVALID,
          "1 GiB pages: MAP_ANON past KEEL_MAP_ANON_MAX at a misaligned address, or of "
          "another size than one 1 GiB page, is KEEL_E_INVALID");
    uint32_t e = keel_map_anon(U, SELF_TASK, FACTORY, HUGE_ANON + 0x12345000, 1, rw);
    if (!e)
        *(volatile uint32_t *)(HUGE_ANON + 0x12345000) = 0x61c0;
    uint64_t before = quota(FACTORY);
    uint32_t over = keel_map_anon(U, SELF_TASK, FACTORY, HUGE_ANON, pages, rw);
    check(!e && over == KEEL_E_INVALID && quota(FACTORY) == before &&
          mem_word(HUGE_ANON + 0x12345000) == 0x61c0 && leaf_order(HUGE_ANON, NULL) == 0 &&
          leaf_order(HUGE_ANON + 0x12345678, NULL) == 12,
          "1 GiB pages: MAP_ANON of 1 GiB over a range with a page mapped inside is "
          "KEEL_E_INVALID (found by the tables), nothing charged, the page kept");
    /* A page received into a GiB and taken back leaves its tables: the
     * range is empty, but the 1 GiB slot holds a table. */
    e = send_mem(KEEL_ITEM_MAP, HUGE_ANON + 0x12345000, 12, KEEL_MAP_R, HUGE_ANON3 + 0x5000, 12);
    e = e ? e : keel_unmap(U, SELF_TASK, HUGE_ANON3 + 0x5000, 12, KEEL_UNMAP_SELF);
    uint64_t held = quota(FACTORY);
    uint32_t table = keel_map_anon(U, SELF_TASK, FACTORY, HUGE_ANON3, pages, rw);
    check(!e && read_at(HUGE_ANON3 + 0x5000) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          table == KEEL_E_INVALID && quota(FACTORY) == held &&
          leaf_order(HUGE_ANON3, NULL) == 0,
          "1 GiB pages: MAP_ANON of 1 GiB where an empty table (of a page unmapped) fills the "
          "1 GiB slot is KEEL_E_INVALID, asked before any block is taken");
    uint32_t none = keel_map_anon(U, SELF_TASK, FACTORY, HUGE_ANON2, pages, rw);
    check(none == (gib ? KEEL_E_QUOTA : KEEL_E_INVALID) && quota(FACTORY) == held &&
          leaf_order(HUGE_ANON2, NULL) == 0,
          "1 GiB pages: MAP_ANON of 1 GiB with no block to be had (our factory's 4096 pages) "
          "is KEEL_E_QUOTA (KEEL_E_INVALID where the machine has no 1 GiB page), nothing "
          "charged or mapped");
}

/* Root serves the huge part of our memory region (KEEL_MEMORY_HUGE) with
 * one 1 GiB page where the machine has them; we map it on by a map item and
 * by a grant, each landing as one 1 GiB leaf, and take it back. */
static void huge_delegate(void)
{
    volatile uint32_t *first = (volatile uint32_t *)KEEL_MEMORY_HUGE;
    volatile uint32_t *last = (volatile uint32_t *)(KEEL_MEMORY_HUGE + GIB - 4);
    *first = 0x61b0;            /* faults: root's 1 GiB page, zeroed by the kernel */
    *last = 0x61b1;
    uint32_t served = leaf_order(KEEL_MEMORY_HUGE, NULL);
    if (served != 30) {         /* a small machine: no free, aligned 1 GiB block */
        keel_printf("ktest: 1 GiB pages: root had no free 1 GiB block: served 2^%u bytes\n",
                    served);
        check((served == 21 || served == 12) && mem_word(KEEL_MEMORY_HUGE) == 0x61b0,
              "1 GiB pages: without a free 1 GiB block root serves the huge part in a "
              "smaller page (its MAP_ANON of 1 GiB failed, KEEL_E_QUOTA)");
        return;
    }
    keel_printf("ktest: 1 GiB pages: root served one 1 GiB page\n");
    check(leaf_order(KEEL_MEMORY_HUGE, NULL) == 30 &&
          leaf_order(KEEL_MEMORY_HUGE + GIB - 4, NULL) == 30 &&
          mem_word(KEEL_MEMORY_HUGE + GIB / 2) == 0,
          "1 GiB pages: root serves a fault in KEEL_MEMORY_HUGE with one zeroed 1 GiB page "
          "(one leaf of order 30)");
    uint32_t e = send_mem(KEEL_ITEM_MAP, KEEL_MEMORY_HUGE, 30, KEEL_MAP_R | KEEL_MAP_W,
                          HUGE_WIN, 30);
    bool ok = !e && ws_order == 30 && ws_base == HUGE_WIN && leaf_order(HUGE_WIN, NULL) == 30 &&
              mem_word(HUGE_WIN) == 0x61b0 && mem_word(HUGE_WIN + GIB - 4) == 0x61b1;
    *(volatile uint32_t *)(HUGE_WIN + GIB - 8) = 0x61b2;
    check(ok && mem_word(KEEL_MEMORY_HUGE + GIB - 8) == 0x61b2,
          "1 GiB pages: a map item of order 30 lands as one 1 GiB leaf; start and end read "
          "and written through it");
    e = keel_unmap(U, SELF_TASK, KEEL_MEMORY_HUGE, 30, 0);
    check(!e && read_at(HUGE_WIN) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(HUGE_WIN + GIB - 4) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          leaf_order(HUGE_WIN, NULL) == 0 && leaf_order(KEEL_MEMORY_HUGE, NULL) == 30,
          "1 GiB pages: unmap takes the mapped 1 GiB page back (access faults), ours stays");
    e = send_mem(KEEL_ITEM_GRANT, KEEL_MEMORY_HUGE, 30, KEEL_MAP_R | KEEL_MAP_W, HUGE_WIN2, 30);
    check(!e && ws_type == KEEL_ITEM_GRANT && leaf_order(HUGE_WIN2, NULL) == 30 &&
          leaf_order(KEEL_MEMORY_HUGE, NULL) == 0 && read_at(HUGE_WIN2) == 0x61b0 &&
          read_at(HUGE_WIN2 + GIB - 4) == 0x61b1 &&
          read_at(KEEL_MEMORY_HUGE) == (MEM_FAULT | KEEL_FAULT_PAGE_READ),
          "1 GiB pages: a grant of order 30 moves the page whole, as one 1 GiB leaf");
    e = keel_unmap(U, SELF_TASK, HUGE_WIN2, 30, KEEL_UNMAP_SELF);
    check(!e && read_at(HUGE_WIN2) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          read_at(HUGE_WIN2 + GIB - 4) == (MEM_FAULT | KEEL_FAULT_PAGE_READ) &&
          leaf_order(HUGE_WIN2, NULL) == 0,
          "1 GiB pages: unmapped, the granted page faults at its start and end");
}

static void test_huge_pages(void)
{
    uint64_t orders = 0;
    uint32_t none = leaf_order(HUGE_WIN, &orders);
    bool gib = (orders >> 30) & 1;
    check(none == 0 && (orders & KEEL_ARCH_PAGE_ORDERS) == KEEL_ARCH_PAGE_ORDERS &&
          (orders >> 12 & 1) && orders >> 31 == 0 &&
          keel_invoke(U, SELF_TASK, KEEL_TASK_LEAF_ORDER, 0x1000, 0, 0, 0) == 0 && U->mr[0] == 0,
          "1 GiB pages: LEAF_ORDER reports no leaf where nothing is mapped (nor in the "
          "kernel's half), and the leaf sizes the machine has: at least those the SDK names");
    keel_printf("ktest: 1 GiB pages: %s\n", gib ? "the machine has them" : "none here");
    uintptr_t sp = new_stack(1);
    uint32_t gate = KEEL_CAP_OPEN;
    keel_gate_create(U, FACTORY, SELF_THREAD, 0x8e, &gate);
    ws_u = NULL;
    bool ok = sp && watched_start(&probe, SELF_TASK, sp - 64, gate);
    uint32_t ws = ok ? spawn(window_server, 0, MAIN_PRIO, KEEL_CAP_OPEN) : KEEL_CAP_OPEN;
    ok = ok && ws != KEEL_CAP_OPEN && !keel_gate_create(U, FACTORY, ws, 0x3e, &ws_gate);
    settle();
    check(ok && ws_u, "1 GiB pages: setup (a window server and a watched thread)");
    if (!ok || !ws_u)
        return;
    huge_map_anon_errors(gib);
    if (gib)
        huge_delegate();
    keel_set_window(ws_u, 0, 0);
    drop(ws_gate);
    drop(ws);
    drop(probe.thread);
    drop(probe.gate);
}

int main(void)
{
    U = keel_utcb();
    keel_printf("ktest: the kernel test suite\n");
    start_server();
    check(server != KEEL_CAP_OPEN && gate_a != KEEL_CAP_OPEN && gate_nogrant != KEEL_CAP_OPEN,
          "setup: a server thread and gates to it");
    test_errors();
    test_rights();
    test_objects();
    test_quota();
    test_elf_loading();
    test_messages();
    test_cap_transfer();
    test_notifications();
    test_blocking();
    test_partner_death();
    test_exceptions();
    test_scheduling();
    test_own_gate();
    test_exit_stays_stopped();
    test_handler_without_utcb();
    test_three_reply_caps();
    test_stale_reply_cap();
    test_delete_reply_cap();
    test_server_task_dies();
    test_chain_of_senders();
    test_quota_map_anon();
    test_quota_thread();
    test_quota_errors();
    test_tag_cycles();
    test_badges();
    test_cap_table_sizes();
    test_memory_delegation();
    test_irq_errors();
    test_uart_rx();
    test_fp_threads();
    test_fp_exception();
    test_random_irq();
    test_revoke_chain();
    test_task_cycles();
    test_object_death();
    test_handler_death();
    test_receiver_gate_death();
    test_random_revoke(4000);
    test_memory_factories();
    test_root_pager();
    test_large_pages();
    test_device_regions();
    test_map_held_slot();
    test_fp_owner_death();
    test_fp_illegal_insn();
    test_syscall_abi();
    test_huge_pages();
    test_random();
    keel_printf("ktest: %d passed, %d failed\n", passed, failed);
    return failed;
}
