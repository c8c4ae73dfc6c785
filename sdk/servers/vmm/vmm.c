/*
 * The user-level virtual-machine monitor (docs/vmm.md, keel/vmm/hypercall.h).
 *
 * One VM: a paravirtualized guest kernel and up to KEEL_VMM_CONTEXTS guest
 * processes, each an ordinary Keel task this VMM makes and is the exception
 * handler of.  Every event of the guest reaches this one thread as IPC, on
 * a gate of its own per task (the gate's label names the context):
 *
 *  - a hypercall: the guest kernel's call on the hypercall gate;
 *  - a guest process's system call (a trap, keel_vmm_syscall()), page
 *    fault or exception: an exception message, forwarded to the guest kernel
 *    as the answer to its KEEL_VMM_HC_RUN (an upcall), while the process's
 *    reply right waits in a reply capability; the kernel's next
 *    KEEL_VMM_HC_RUN answers it and the process resumes;
 *  - faults on the VM image (code shared read-only, data copied per task),
 *    the system-call page and the guest kernel's view of guest-physical
 *    memory: answered here at once with a map item, the guest never sees
 *    them.
 *
 * A VM image is a program linking this file with a guest that defines
 * keel_vmm_guest_main() (samples/guest): the guest runs from the program's
 * own image, mapped into its tasks.  Nothing here depends on the ISA but
 * KEEL_ARCH_TRAP_SIZE and KEEL_ARCH_TRAP_FAULT, which keel/arch/<isa>/syscall.h gives.
 */
#include <keel/keel.h>
#include <keel/debug.h>
#include <keel/system.h>
#include <keel/vmm/hypercall.h>
#include <keel/vmm/virtio.h>
#include "vmm.h"

#define PAGE 4096u
#define LABEL_HYPERCALL 0x766d6d00u         /* "vmm\0": the guest kernel's calls */
#define LABEL_CONTEXT(i) (0x766d6d10u + (i)) /* exceptions of context i (0: the kernel) */
#define KERNEL 0                            /* context 0 is the guest kernel */
#define GUEST_PRIO 50                       /* below ours: we always answer first */
#define COPY_VA ((uintptr_t)0x0000610000000000ull) /* our private copies of data pages */
#define NONE KEEL_CAP_OPEN

/* The image's bounds (sdk/lib/user.ld). */
extern char __keel_image_start[], __keel_data_start[], __keel_image_end[];
/* The guest a VM image links in overrides this one, which the SDK's plain
 * vmm program runs: it says so and ends the VM with status 1.  (A weak
 * definition, not a weak reference: an undefined symbol at address 0 is out
 * of reach of RISC-V's PC-relative code model.) */
__attribute__((weak)) _Noreturn void keel_vmm_guest_main(struct keel_utcb *u)
{
    static const char msg[] = "vmm: no guest linked in (a VM image links the VMM with its guest)\n";
    char *to = (char *)&u->mr[1];
    for (uint32_t i = 0; i < sizeof(msg) - 1; i++)
        to[i] = msg[i];
    u->mr[0] = sizeof(msg) - 1;
    keel_vmm_hypercall(u, KEEL_VMM_HC_WRITE, KEEL_MSG_WORDS);
    for (;;) {
        u->mr[0] = 1;
        keel_vmm_hypercall(u, KEEL_VMM_HC_EXIT, 1);
    }
}

enum state { FREE, NEW, RUNNING, WAITING, STOPPED, DEAD };

struct context {
    enum state state;
    uint32_t task, thread, gate;
    uint32_t reply;             /* its saved reply right while it waits for its kernel */
    uint32_t event;             /* enum keel_vmm_upcall it waits in */
    uintptr_t syspage;          /* guest-physical address of its system-call page */
    uintptr_t exc[KEEL_EXC_WORDS];
};

static struct context ctx[KEEL_VMM_CONTEXTS + 1];
static uint32_t hc_gate, kernel_reply = NONE, running;
static uintptr_t copies;        /* pages used at COPY_VA */
static uint64_t slice_us;       /* the running context's time slice, 0: none */
static bool idling;             /* the guest kernel waits in KEEL_VMM_HC_IDLE */
static uint64_t idle_until;     /* until then (keel_clock_us()), 0: forever */
/* A message for a saved reply right, sent with our next receive in one
 * system call (send + receive): an upcall, a resume after a system call. */
static uint32_t send_cap = NONE;
static uint64_t send_tag;

static uint32_t invoke(struct keel_utcb *u, uint32_t cap, uint32_t op, uintptr_t a0,
                       uintptr_t a1, uintptr_t a2, uintptr_t a3)
{
    return keel_invoke(u, cap, op, a0, a1, a2, a3);
}

static void drop(struct keel_utcb *u, uint32_t *slot)
{
    if (*slot != NONE)
        invoke(u, KEEL_PROGRAM_TASK, KEEL_TASK_DELETE_CAP, *slot, 0, 0, 0);
    *slot = NONE;
}

/* A task with one thread whose exceptions come to us labelled context i. */
static uint32_t make(struct keel_utcb *u, uint32_t i, uintptr_t ip, uintptr_t sp, uintptr_t arg)
{
    struct context *c = &ctx[i];
    uint32_t e;
    c->task = c->thread = c->gate = c->reply = NONE;
    if ((e = keel_task_create(u, KEEL_PROGRAM_FACTORY, &c->task)) ||
        (e = keel_thread_create(u, KEEL_PROGRAM_FACTORY, c->task, &c->thread)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, LABEL_CONTEXT(i),
                              &c->gate)) ||
        (e = keel_thread_set_utcb(u, c->thread, KEEL_PROGRAM_FACTORY, KEEL_MAIN_UTCB)) ||
        (e = invoke(u, c->thread, KEEL_THREAD_SET_REGS, ip, sp, arg, 0)) ||
        (e = invoke(u, c->thread, KEEL_THREAD_SET_PRIO, GUEST_PRIO, 0, 0, 0)) ||
        (e = invoke(u, c->thread, KEEL_THREAD_SET_HANDLER, c->gate, 0, 0, 0)))
        return e;
    c->state = NEW;
    return KEEL_OK;
}

static void destroy(struct keel_utcb *u, uint32_t i)
{
    struct context *c = &ctx[i];
    if (c->state == FREE)
        return;
    invoke(u, c->task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(u, &c->reply);
    drop(u, &c->gate);
    drop(u, &c->thread);
    drop(u, &c->task);
    c->state = FREE;
    if (running == i)
        running = 0;
}

/* Our own answer to a fault of context i at addr (kind), if it is ours to
 * answer: the image (code and read-only data shared, data copied), the
 * system-call page, the kernel's view of guest-physical memory.  Fills
 * u->item[0] and returns true; false if the guest kernel must decide. */
static bool own_fault(struct keel_utcb *u, uint32_t i, uintptr_t addr, uintptr_t kind)
{
    uintptr_t page = addr & ~(uintptr_t)(PAGE - 1);
    uintptr_t ro = (uintptr_t)__keel_image_start, rw = (uintptr_t)__keel_data_start;
    uintptr_t end = ((uintptr_t)__keel_image_end + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    if (kind > KEEL_FAULT_PAGE_EXEC)
        return false;
    if (page >= ro && page < rw && kind != KEEL_FAULT_PAGE_WRITE) {
        keel_mem_item(u, 0, KEEL_ITEM_MAP, page, 12, KEEL_MAP_R | KEEL_MAP_X);
        return true;
    }
    if (page >= rw && page < end) {
        uintptr_t copy = COPY_VA + copies * PAGE;
        if (keel_map_anon(u, KEEL_PROGRAM_TASK, KEEL_PROGRAM_FACTORY, copy, 1,
                          KEEL_MAP_R | KEEL_MAP_W))
            return false;
        copies++;
        const uintptr_t *from = (const uintptr_t *)page;
        uintptr_t *to = (uintptr_t *)copy;
        for (uint32_t w = 0; w < PAGE / sizeof(uintptr_t); w++)
            to[w] = from[w];
        keel_mem_item(u, 0, KEEL_ITEM_MAP, copy, 12, KEEL_MAP_R | KEEL_MAP_W);
        return true;
    }
    if (i == KERNEL && page >= KEEL_VMM_PHYS_VA &&
        page < KEEL_VMM_PHYS_VA + KEEL_VMM_RAM_PAGES * PAGE) {
        keel_mem_item(u, 0, KEEL_ITEM_MAP, page, 12, KEEL_MAP_R | KEEL_MAP_W);
        return true;
    }
    if (i != KERNEL && page == KEEL_VMM_SYSPAGE_VA) {
        keel_mem_item(u, 0, KEEL_ITEM_MAP, KEEL_VMM_PHYS_VA + ctx[i].syspage, 12,
                      KEEL_MAP_R | KEEL_MAP_W);
        return true;
    }
    return false;
}

/* Answer the guest kernel's pending KEEL_VMM_HC_RUN with n words in u->mr[]
 * and label status. */
static void upcall(struct keel_utcb *u, uint32_t status, uint32_t n)
{
    if (kernel_reply == NONE)
        return;
    send_cap = kernel_reply, send_tag = KEEL_TAG(status, n, 0);
    kernel_reply = NONE;        /* used up by the send */
    running = 0;
    slice_us = 0;
    idling = false;
}

/* A virtual interrupt pending now: the answer to KEEL_VMM_HC_RUN of
 * context i (which does not start) or KEEL_VMM_HC_IDLE (i = 0). */
static bool irq_now(struct keel_utcb *u, uint32_t i, uint32_t *n)
{
    uintptr_t lines = virq_take();
    if (!lines)
        return false;
    u->mr[0] = KEEL_VMM_UP_IRQ, u->mr[1] = i, u->mr[2] = lines;
    *n = 3;
    return true;
}

void vmm_interrupt(struct keel_utcb *u)
{
    if (kernel_reply == NONE)
        return;
    uint32_t i = running;
    if (i) {                    /* stopped as by the virtual timer: the next run restarts it */
        invoke(u, ctx[i].thread, KEEL_THREAD_STOP, 0, 0, 0, 0);
        ctx[i].state = STOPPED;
        ctx[i].event = KEEL_VMM_UP_IRQ;
    }
    uint32_t n;
    if (irq_now(u, i, &n))
        upcall(u, 0, n);
}

int vmm_idle(struct keel_utcb *u, uintptr_t us, uint32_t *n)
{
    if (irq_now(u, 0, n))
        return KEEL_OK;
    if (keel_save_reply(u, KEEL_PROGRAM_THREAD, &kernel_reply))
        return KEEL_E_INVALID;
    running = 0;
    idling = true;
    slice_us = us < KEEL_TIMEOUT_NEVER ? us : 0;
    idle_until = slice_us ? keel_clock_us() + slice_us : 0;
    return -1;
}

/* Context i's event (the exception message in u->mr[]) goes to its kernel. */
static void forward(struct keel_utcb *u, uint32_t i, bool exited)
{
    struct context *c = &ctx[i];
    for (uint32_t w = 0; w < KEEL_EXC_WORDS; w++)
        c->exc[w] = u->mr[w];
    c->reply = NONE;
    keel_save_reply(u, KEEL_PROGRAM_THREAD, &c->reply);
    c->state = exited ? DEAD : WAITING;
    u->mr[1] = i;
    uintptr_t kind = c->exc[KEEL_EXC_KIND];
    if (exited) {
        c->event = KEEL_VMM_UP_EXIT;
        u->mr[2] = c->exc[0];
    } else if (kind == KEEL_ARCH_TRAP_FAULT) {
        const volatile struct keel_vmm_syspage *p =
            (const volatile struct keel_vmm_syspage *)(KEEL_VMM_PHYS_VA + c->syspage);
        c->event = KEEL_VMM_UP_SYSCALL;
        u->mr[2] = p->nr;
        for (uint32_t a = 0; a < 4; a++)
            u->mr[3 + a] = p->arg[a];
    } else if (kind <= KEEL_FAULT_PAGE_EXEC) {
        c->event = KEEL_VMM_UP_PAGE_FAULT;
        u->mr[2] = c->exc[KEEL_EXC_ADDR], u->mr[3] = kind, u->mr[4] = c->exc[KEEL_EXC_IP];
    } else {
        c->event = KEEL_VMM_UP_EXCEPTION;
        c->state = DEAD;
        u->mr[2] = kind, u->mr[3] = c->exc[KEEL_EXC_IP], u->mr[4] = c->exc[KEEL_EXC_ADDR];
    }
    u->mr[0] = c->event;
    upcall(u, 0, 7);
}

/* KEEL_VMM_HC_RUN: resume context i as its last event and its kernel's
 * answer say.  The kernel's reply right is saved first: it is answered at
 * the context's next event.  Returns a status for an immediate answer, or
 * -1 when the answer waits for the context. */
static int run(struct keel_utcb *u, uint32_t i, uintptr_t page, uintptr_t rights, uintptr_t us,
               uint32_t *n)
{
    if (i < 1 || i > KEEL_VMM_CONTEXTS || ctx[i].state == FREE || ctx[i].state == DEAD ||
        ctx[i].state == RUNNING)
        return KEEL_E_INVALID;
    struct context *c = &ctx[i];
    if (page != KEEL_VMM_NO_PAGE &&
        (page % PAGE || page >= KEEL_VMM_RAM_PAGES * PAGE || c->state != WAITING ||
         c->event != KEEL_VMM_UP_PAGE_FAULT))
        return KEEL_E_INVALID;
    /* A virtual interrupt first; the context waits (one given a page for
     * its fault runs, and the interrupt waits for the next run). */
    if (page == KEEL_VMM_NO_PAGE && irq_now(u, i, n))
        return KEEL_OK;
    if (keel_save_reply(u, KEEL_PROGRAM_THREAD, &kernel_reply))
        return KEEL_E_INVALID;
    uint32_t e = KEEL_OK;
    if (c->state == NEW || c->state == STOPPED) {
        e = invoke(u, c->thread, KEEL_THREAD_START, 0, 0, 0, 0);
    } else if (c->event == KEEL_VMM_UP_SYSCALL) {
        /* Resumed by our next receive's send phase (it cannot fail: the
         * thread is ours, and nobody else destroys it). */
        u->mr[0] = c->exc[KEEL_EXC_IP] + KEEL_ARCH_TRAP_SIZE;
        send_cap = c->reply, send_tag = KEEL_TAG(KEEL_EXC_RESUME, 1, 0);
        c->reply = NONE;
    } else {                    /* a page fault: retry, with the kernel's page if any */
        uint32_t items = 0;
        if (page != KEEL_VMM_NO_PAGE) {
            keel_mem_item(u, 0, KEEL_ITEM_MAP, KEEL_VMM_PHYS_VA + page, 12,
                          (uint32_t)rights & (KEEL_MAP_R | KEEL_MAP_W | KEEL_MAP_X));
            items = 1;
        }
        e = KEEL_TAG_ERROR(keel_reply_cap(u, c->reply, KEEL_TAG(KEEL_EXC_RESUME, 0, items)).tag);
        c->reply = NONE;
    }
    if (e) {
        c->state = DEAD;        /* it stays stopped; its kernel destroys it */
        uint32_t r = kernel_reply;
        kernel_reply = NONE;
        keel_reply_cap(u, r, KEEL_TAG(e, 0, 0));
        return -1;
    }
    c->state = RUNNING;
    running = i;
    slice_us = us;
    return -1;
}

/* The slice of the running context ran out: stop it, tell its kernel. */
static void preempt(struct keel_utcb *u)
{
    struct context *c = &ctx[running];
    invoke(u, c->thread, KEEL_THREAD_STOP, 0, 0, 0, 0);
    c->state = STOPPED;
    c->event = KEEL_VMM_UP_TIMER;
    u->mr[0] = KEEL_VMM_UP_TIMER;
    u->mr[1] = running;
    upcall(u, 0, 2);
}

/* A hypercall; returns its status, or -1 if answered already or later,
 * or -2 when the VM ends (*status its exit status). */
static int hypercall(struct keel_utcb *u, uint32_t op, uint32_t words, uintptr_t *status,
                     uint32_t *n)
{
    uintptr_t *m = u->mr;
    *n = 0;
    switch (op) {
    case KEEL_VMM_HC_INFO:
        m[0] = KEEL_VMM_RAM_PAGES, m[1] = KEEL_VMM_CONTEXTS, *n = 2;
        return KEEL_OK;
    case KEEL_VMM_HC_WRITE:
        if (words < 1 || m[0] > KEEL_VMM_WRITE_MAX || m[0] > (words - 1) * sizeof(uintptr_t))
            return KEEL_E_INVALID;
        keel_debug_write((const char *)&m[1], m[0]);
        return KEEL_OK;
    case KEEL_VMM_HC_CREATE: {
        uint32_t i = (uint32_t)m[0];
        if (words < 5 || i < 1 || i > KEEL_VMM_CONTEXTS || ctx[i].state != FREE ||
            m[4] % PAGE || m[4] >= KEEL_VMM_RAM_PAGES * PAGE)
            return KEEL_E_INVALID;
        ctx[i].syspage = m[4];
        uint32_t e = make(u, i, m[1], m[2], m[3]);
        if (e) {
            ctx[i].state = DEAD;
            destroy(u, i);
        }
        return (int)e;
    }
    case KEEL_VMM_HC_RUN:
        if (words < 4)
            return KEEL_E_INVALID;
        return run(u, (uint32_t)m[0], m[1], m[2], m[3], n);
    case KEEL_VMM_HC_DESTROY: {
        uint32_t i = (uint32_t)m[0];
        if (words < 2 || i < 1 || i > KEEL_VMM_CONTEXTS || ctx[i].state == FREE)
            return KEEL_E_INVALID;
        intptr_t st = (intptr_t)m[1];
        destroy(u, i);
        keel_printf("vmm: guest process %u exited with status %ld\n", i, (long)st);
        return KEEL_OK;
    }
    case KEEL_VMM_HC_EXIT:
        *status = words ? m[0] : 0;
        return -2;
    default:
        return virtio_hypercall(u, op, words, n);   /* the devices' (virtio.c) */
    }
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t e;
    for (uint32_t i = 0; i <= KEEL_VMM_CONTEXTS; i++)
        ctx[i].state = FREE, ctx[i].reply = NONE;
    /* Guest-physical memory, and the guest kernel's task: its stack and
     * UTCB are ours to give; its image comes by faults. */
    hc_gate = NONE;
    uint32_t give = KEEL_VMM_SLOT_GATE;
    if ((e = keel_map_anon(u, KEEL_PROGRAM_TASK, KEEL_PROGRAM_FACTORY, KEEL_VMM_PHYS_VA,
                           KEEL_VMM_RAM_PAGES, KEEL_MAP_R | KEEL_MAP_W)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, LABEL_HYPERCALL,
                              &hc_gate)) ||
        (e = make(u, KERNEL, (uintptr_t)keel_vmm_guest_main, KEEL_MAIN_STACK_TOP,
                  KEEL_MAIN_UTCB)) ||
        (e = keel_map_anon(u, ctx[KERNEL].task, KEEL_PROGRAM_FACTORY,
                           KEEL_MAIN_STACK_TOP - KEEL_MAIN_STACK_PAGES * PAGE,
                           KEEL_MAIN_STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W)) ||
        (e = keel_cap_mint(u, ctx[KERNEL].task, hc_gate, KEEL_RIGHT_SEND, 0, &give)) ||
        (e = invoke(u, ctx[KERNEL].thread, KEEL_THREAD_START, 0, 0, 0, 0))) {
        keel_printf("vmm: cannot make the guest kernel: error %u\n", e);
        return 1;
    }
    ctx[KERNEL].state = RUNNING;
    virtio_init(u);
    keel_printf("vmm: guest kernel started (%u pages of guest-physical memory)\n",
                KEEL_VMM_RAM_PAGES);

    uintptr_t status = 1;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        int answer = -1;        /* >= 0: answer the sender now with this label */
        uint32_t n = 0, items = 0;
        uint32_t err = KEEL_TAG_ERROR(r.tag);
        if (err == KEEL_E_TIMEOUT && running) {
            preempt(u);
        } else if (err == KEEL_E_TIMEOUT && idling) {
            /* KEEL_VMM_HC_IDLE's time is up, unless the clock says it is
             * not (a timeout of our send phase looks the same): then wait on. */
            uint64_t now = keel_clock_us();
            if (now >= idle_until) {
                u->mr[0] = KEEL_VMM_UP_TIMER, u->mr[1] = 0;
                upcall(u, 0, 2);
            } else {
                slice_us = idle_until - now;
            }
        } else if (err) {
            keel_printf("vmm: receive failed: error %u\n", err);
        } else if (r.label == LABEL_HYPERCALL) {
            answer = hypercall(u, KEEL_TAG_LABEL(r.tag), KEEL_TAG_WORDS(r.tag), &status, &n);
            if (answer == -2)
                break;
        } else if (virtio_message(u, r)) {
            /* console input: the devices' (virtio.c) */
        } else if (r.label >= LABEL_CONTEXT(0) && r.label <= LABEL_CONTEXT(KEEL_VMM_CONTEXTS)) {
            uint32_t i = (uint32_t)(r.label - LABEL_CONTEXT(0));
            bool exited = KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT;
            uintptr_t kind = u->mr[KEEL_EXC_KIND], addr = u->mr[KEEL_EXC_ADDR];
            if (kind == KEEL_FAULT_PAGE_EXEC && !addr)
                addr = u->mr[KEEL_EXC_IP];
            if (!exited && own_fault(u, i, addr, kind)) {
                answer = KEEL_EXC_RESUME, items = 1;
            } else if (i == KERNEL) {
                keel_printf("vmm: guest kernel: %s %lu at ip 0x%lx, address 0x%lx; VM stopped\n",
                            exited ? "exit" : "exception", (unsigned long)kind,
                            (unsigned long)u->mr[KEEL_EXC_IP], (unsigned long)addr);
                break;
            } else {
                forward(u, i, exited);
            }
        }
        uint32_t to = (running || idling) && slice_us ? (uint32_t)slice_us : KEEL_TIMEOUT_NEVER;
        if (answer >= 0) {
            r = keel_reply_wait(u, KEEL_TAG((uint32_t)answer, n, items), KEEL_CAP_OPEN, to);
        } else if (send_cap != NONE) {
            uint32_t cap = send_cap;
            send_cap = NONE;
            r = keel_ipc(u, send_tag, cap, KEEL_CAP_OPEN,
                         KEEL_IPC_OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, KEEL_TIMEOUT_ZERO, to));
            err = KEEL_TAG_ERROR(r.tag);
            if (err && err != KEEL_E_TIMEOUT)   /* the send failed: no receive yet */
                r = keel_recv(u, KEEL_CAP_OPEN, to);
        } else {
            r = keel_recv(u, KEEL_CAP_OPEN, to);
        }
    }
    for (uint32_t i = KEEL_VMM_CONTEXTS; i > KERNEL; i--)
        destroy(u, i);
    destroy(u, KERNEL);
    virtio_report(u);
    keel_printf("vmm: the VM exited with status %lu\n", (unsigned long)status);
    return (int)status;
}
