/*
 * The user-level virtual-machine monitor (docs/vmm.md, keel/vmm/hypercall.h).
 *
 * One VM: a paravirtualized guest kernel and up to KEEL_VMM_CONTEXTS guest
 * processes, each an ordinary Keel task this VMM makes.  The guest kernel
 * is its processes' exception handler and pager, as in L4 and NOVA: each
 * process's handler gate is bound to the guest kernel's thread, so that a
 * guest system call is one exception IPC to the guest kernel and one
 * reply, without us.  We keep creation, memory and the timer:
 *
 *  - the guest kernel's hypercalls: calls on the hypercall gate, among them
 *    the creation and destruction of its processes (whose thread
 *    capabilities it gets, to start and stop them);
 *  - the guest kernel's own faults, on the VM image (code shared
 *    read-only, data copied) and on its view of guest-physical memory:
 *    answered here with a map item, it never sees them; its processes'
 *    faults on the image reach us as KEEL_VMM_HC_IMAGE, whose answer maps
 *    the page into the guest kernel, which maps it on (recursive mapping);
 *  - the virtual timer and the other virtual interrupts: a doorbell, a
 *    message a small thread of ours sends to the guest kernel (so that we
 *    never wait for it), after which KEEL_VMM_HC_PENDING says what is
 *    pending; or the answer to KEEL_VMM_HC_WAIT or KEEL_VMM_HC_IDLE.
 *
 * Two instances may run side by side, one serving a link (a service of
 * the system description) and one joining it (docs/vmm.md, "Two VMs"):
 * they exchange notifications and a channel page by IPC at start, raise
 * virtual interrupts in each other's VM by signals (a small relay thread
 * turns our notification's bits into a call on our gate, since an open
 * receive takes gates only), move guest pages to each other by grant, and
 * watch each other: a thread of ours holds a call on the peer's gate
 * (LINK_WATCH) that the peer answers when its VM ends and the kernel
 * fails when the peer dies.
 * Each VM's tasks are paid by a factory of its own.  Its virtio devices
 * and virtual interrupt controller are virtio.c's (vmm.h); each VM takes
 * the console input lines addressed to it.
 *
 * A VM image is a program linking this file with a guest that defines
 * keel_vmm_guest_main() (samples/guest): the guest runs from the program's
 * own image, mapped into its tasks.  Nothing here depends on the ISA.
 */
#include <keel/keel.h>
#include <keel/debug.h>
#include <keel/system.h>
#include <keel/vmm/hypercall.h>
#include <keel/vmm/virtio.h>
#include "vmm.h"

#define PAGE 4096u
#define LABEL_HYPERCALL 0x766d6d00u         /* "vmm\0": the guest kernel's calls */
#define LABEL_KERNEL 0x766d6d10u            /* the guest kernel's own exceptions */
#define KERNEL 0                            /* context 0 is the guest kernel */
#define GUEST_PRIO 50                       /* below ours: we always answer first */
/* The guest kernel runs above its processes, as a kernel does: it takes
 * their exceptions and its doorbell at once, whatever else of that
 * priority (the other VM's processes) is ready. */
#define KERNEL_PRIO (GUEST_PRIO + 5)
/* Our private copies of the image's data pages: context i's copy of data
 * page k at COPY_VA + i * COPY_SPAN + k * PAGE, made once per context. */
#define COPY_VA ((uintptr_t)0x0000610000000000ull)
#define COPY_SPAN ((uintptr_t)1 << 32)
#define COPY_PAGES 64                       /* data pages of the image we copy, at most */
#define NONE KEEL_CAP_OPEN
#define LABEL_VIRQ 0x766d6d20u              /* our relay thread: our notification's bits */
#define LABEL_PEER 0x766d6d21u              /* the peer VMM, on the gate we gave it */
/* Guest-physical memory, as we see it: in our memory region, paged in by
 * the root task, so that it is received memory a grant may move. */
#define HOST_VA (KEEL_MEMORY_BASE + ((uintptr_t)1 << 30))
#define RELAY_UTCB ((uintptr_t)0x0000630000000000ull) /* virtio.c's input thread: 0x62... */
#define RELAY_STACK (RELAY_UTCB + 0x10000u)  /* one page */
#define RELAY_PRIO (GUEST_PRIO + 10)        /* above the guest's: interrupts come first */
#define BELL_UTCB ((uintptr_t)0x0000640000000000ull) /* the doorbell thread's */
#define BELL_STACK (BELL_UTCB + 0x10000u)   /* one page */
#define PEER_TIMEOUT_US 1000000u
#define LABEL_WATCH 0x766d6d22u             /* our watch thread: the peer VMM it watched is gone */
#define WATCH_UTCB (RELAY_UTCB + 0x20000u)
#define WATCH_STACK (WATCH_UTCB + 0x10000u) /* one page */
/* Our own objects for the link live in fixed slots, clear of
 * KEEL_SLOT_GIVEN, which tells whether our line uses a link. */
#define SLOT_NOTE 56
#define SLOT_VIRQ_GATE 57
#define SLOT_RELAY 58
#define SLOT_PEER_GATE 59
#define SLOT_BELL_NOTE 60
#define SLOT_BELL 61
#define SLOT_WATCH_GATE 62
#define SLOT_WATCH_THREAD 63
/* Each VM's kernel objects and memory (its tasks, threads, gates, UTCBs,
 * the guest kernel's stack, their page tables) are paid by a factory of
 * its own, which bounds them (primitive 4). */
#define SLOT_VM_FACTORY 55
#define VM_QUOTA_PAGES 1024
#define FLIP_GPA ((uintptr_t)KEEL_VMM_RAM_PAGES * PAGE)
/* What the guest kernel's capabilities of its threads allow: start, stop,
 * save a reply right (keel/kobj.h: operations on a thread). */
#define THREAD_RIGHTS (KEEL_RIGHT_SEND | KEEL_RIGHT_CONTROL)
/* The peer protocol: calls between two VMM instances. */
enum link_op {
    LINK_HELLO = 1,     /* the joining VMM's notification and peer gate (two capability
                         * items); answered with ours and a map item of the channel page */
    LINK_GIVE = 2,      /* a grant item: a page of the caller's guest, now ours */
    LINK_WATCH = 3,     /* held unanswered while the callee's VM runs: answered (0) when
                         * its VM ends, failed by the kernel (KEEL_E_PARTNER) if it dies */
};

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

struct context {
    bool used;
    uint32_t task, thread, gate;
    uint64_t copied;            /* data pages of the image copied for this incarnation */
};

static struct context ctx[KEEL_VMM_CONTEXTS + 1];
static uint64_t copy_made[KEEL_VMM_CONTEXTS + 1];  /* copy pages mapped at COPY_VA, ever */
static uint32_t hc_gate, kernel_reply = NONE;
static bool idling;             /* the guest kernel waits in KEEL_VMM_HC_IDLE */
static uint64_t idle_until;     /* until then (keel_clock_us()), 0: forever */
/* The virtual timer (KEEL_VMM_HC_TIMER) and the doorbell: a notification
 * our doorbell thread waits on, and the gate bound to the guest kernel it
 * sends on. */
static uint64_t timer_at;       /* keel_clock_us() it fires at, 0: disarmed */
static bool timer_fired;
static uint32_t bell_note = NONE, bell_gate = NONE;
/* A message for a saved reply right, sent with our next receive in one
 * system call (send + receive): the answer to KEEL_VMM_HC_IDLE or
 * KEEL_VMM_HC_WAIT. */
static uint32_t send_cap = NONE;
static uint64_t send_tag;
/* The peer VM (docs/vmm.md, "Two VMs"). */
static uint32_t vm_id = 1, note = NONE, virq_gate = NONE, peer_gate = NONE, peer_note = NONE;
static uint32_t wait_reply = NONE;      /* the guest kernel's KEEL_VMM_HC_WAIT */
static uint64_t wait_until;             /* its limit (keel_clock_us()), 0: none */
static uintptr_t virq, last_page = KEEL_VMM_NO_PAGE, peer_pending;
static uint32_t flips;                  /* flip pages received */
static bool channel, peer_down;
/* Watching the peer VMM (docs/vmm.md, "Two VMs"): our watch thread calls
 * the peer's gate with LINK_WATCH, which the peer holds unanswered (its
 * reply right in peer_watch) until its VM ends; if the peer's VMM dies,
 * whatever killed it, the kernel fails that call.  Either way the thread
 * tells us on watch_gate. */
static uint32_t watch_gate = NONE, watch_reply = NONE, watched = NONE, peer_watch = NONE;
static uint32_t watch_gen;              /* our current peer (0: none yet); a report on an
                                         * older one is stale */

/* RAM pages given away (KEEL_VMM_HC_GIVE) are backed from then on by
 * spare pages of our memory region: the root task pages memory in by
 * address, and would serve the old address with the very frame the peer
 * now holds (zeroed). */
#define SPARE_VA (HOST_VA + ((uintptr_t)1 << 28))
static uintptr_t remap[KEEL_VMM_RAM_PAGES];
static uint32_t spares;

/* Where we see guest-physical address gpa. */
static uintptr_t host(uintptr_t gpa)
{
    if (gpa < FLIP_GPA && remap[gpa / PAGE])
        return remap[gpa / PAGE] + gpa % PAGE;
    return HOST_VA + gpa;
}

char *vmm_guest(uint64_t pa, uint64_t len)
{
    if (pa > FLIP_GPA || len > FLIP_GPA - pa)
        return NULL;
    /* A page given away is backed elsewhere now: no buffer spans one. */
    for (uint64_t p = pa / PAGE; len && p <= (pa + len - 1) / PAGE; p++)
        if (remap[p])
            return NULL;
    return (char *)host((uintptr_t)pa);
}

/* Receive the next page the peer gives at our next flip page. */
static void flip_window(struct keel_utcb *u)
{
    if (flips < KEEL_VMM_FLIP_PAGES)
        keel_set_window(u, host(FLIP_GPA + flips * PAGE), 12);
    else
        keel_set_window(u, 0, 0);
}

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

/* Pages left in the VM's factory. */
static uintptr_t quota_left(struct keel_utcb *u)
{
    return invoke(u, SLOT_VM_FACTORY, KEEL_FACTORY_QUOTA, 0, 0, 0, 0) ? 0 : u->mr[0];
}

/* A task with one thread whose exceptions go to a gate bound to thread
 * handler (ours for the guest kernel, the guest kernel's for a process)
 * with label; the guest kernel gets a capability of the thread in slot
 * (for a process: it starts and stops it). */
static uint32_t make(struct keel_utcb *u, uint32_t i, uint32_t handler, uint64_t label,
                     uintptr_t ip, uintptr_t sp, uintptr_t arg, uint32_t slot)
{
    struct context *c = &ctx[i];
    uint32_t e;
    c->task = c->thread = c->gate = NONE;
    c->used = true;
    c->copied = 0;
    if ((e = keel_task_create(u, SLOT_VM_FACTORY, &c->task)) ||
        (e = keel_thread_create(u, SLOT_VM_FACTORY, c->task, &c->thread)) ||
        (e = keel_gate_create(u, SLOT_VM_FACTORY, handler, label, &c->gate)) ||
        (e = keel_thread_set_utcb(u, c->thread, SLOT_VM_FACTORY, KEEL_MAIN_UTCB)) ||
        (e = invoke(u, c->thread, KEEL_THREAD_SET_REGS, ip, sp, arg, 0)) ||
        (e = invoke(u, c->thread, KEEL_THREAD_SET_PRIO, i == KERNEL ? KERNEL_PRIO : GUEST_PRIO,
                    0, 0, 0)) ||
        (e = invoke(u, c->thread, KEEL_THREAD_SET_HANDLER, c->gate, 0, 0, 0)) ||
        (e = keel_cap_mint(u, ctx[KERNEL].task, c->thread, THREAD_RIGHTS, 0, &slot)))
        return e;
    return KEEL_OK;
}

static void destroy(struct keel_utcb *u, uint32_t i)
{
    struct context *c = &ctx[i];
    if (!c->used)
        return;
    if (i != KERNEL && ctx[KERNEL].used)    /* the guest kernel's capability of it */
        invoke(u, ctx[KERNEL].task, KEEL_TASK_DELETE_CAP, KEEL_VMM_SLOT_CONTEXT(i), 0, 0, 0);
    if (c->task != NONE)
        invoke(u, c->task, KEEL_TASK_DESTROY, 0, 0, 0, 0);
    drop(u, &c->gate);
    drop(u, &c->thread);
    drop(u, &c->task);
    c->used = false;
}

/* A map item in u->item[0] of the VM image's page at page for context i,
 * faulting as kind: code and read-only data shared, read and execute; data
 * a copy of its own, made at its first fault there.  False if page is not
 * the image's, or kind is a write to its code. */
static bool image_item(struct keel_utcb *u, uint32_t i, uintptr_t page, uintptr_t kind)
{
    uintptr_t ro = (uintptr_t)__keel_image_start, rw = (uintptr_t)__keel_data_start;
    uintptr_t end = ((uintptr_t)__keel_image_end + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    if (kind > KEEL_FAULT_PAGE_EXEC || page < ro || page >= end)
        return false;
    if (page < rw) {
        if (kind == KEEL_FAULT_PAGE_WRITE)
            return false;
        keel_mem_item(u, 0, KEEL_ITEM_MAP, page, 12, KEEL_MAP_R | KEEL_MAP_X);
        return true;
    }
    uintptr_t k = (page - rw) / PAGE, copy = COPY_VA + i * COPY_SPAN + k * PAGE;
    uint64_t bit = (uint64_t)1 << k;
    if (k >= COPY_PAGES)
        return false;
    if (!(ctx[i].copied & bit)) {
        /* A copy page of an ended incarnation of context i is copied over
         * again; so no guest makes us map more than one per page. */
        if (!(copy_made[i] & bit) && keel_map_anon(u, KEEL_PROGRAM_TASK, KEEL_PROGRAM_FACTORY,
                                                   copy, 1, KEEL_MAP_R | KEEL_MAP_W))
            return false;
        copy_made[i] |= bit;
        const uintptr_t *from = (const uintptr_t *)page;
        uintptr_t *to = (uintptr_t *)copy;
        for (uint32_t w = 0; w < PAGE / sizeof(uintptr_t); w++)
            to[w] = from[w];
        ctx[i].copied |= bit;
    }
    keel_mem_item(u, 0, KEEL_ITEM_MAP, copy, 12, KEEL_MAP_R | KEEL_MAP_W);
    return true;
}

/* Our own answer to a fault of the guest kernel at addr (kind): the image,
 * its view of guest-physical memory.  Fills u->item[0] and returns true;
 * false if the guest kernel touched what it was not given. */
static bool own_fault(struct keel_utcb *u, uintptr_t addr, uintptr_t kind)
{
    uintptr_t page = addr & ~(uintptr_t)(PAGE - 1);
    if (image_item(u, KERNEL, page, kind))
        return true;
    if (kind > KEEL_FAULT_PAGE_EXEC || page < KEEL_VMM_PHYS_VA)
        return false;
    uintptr_t gpa = page - KEEL_VMM_PHYS_VA;
    bool ram = gpa < FLIP_GPA;
    bool flip = gpa >= FLIP_GPA && gpa < FLIP_GPA + flips * PAGE;
    if (!ram && !flip && !(channel && gpa == KEEL_VMM_CHANNEL_GPA))
        return false;
    /* A page given away, or a channel page whose owner ended, comes back
     * as a fresh zeroed page of ours (the root task pages it in): the guest
     * never faults forever. */
    keel_memory_touch(host(gpa), PAGE);
    keel_mem_item(u, 0, KEEL_ITEM_MAP, host(gpa), 12, KEEL_MAP_R | KEEL_MAP_W);
    return true;
}

/* Ring the guest kernel's doorbell: our doorbell thread sends it a message
 * as soon as it receives (KEEL_VMM_HC_PENDING then says what is pending). */
static void ring(struct keel_utcb *u)
{
    if (bell_note != NONE)
        keel_signal(u, bell_note, 1);
}

/* Answer the guest kernel's pending KEEL_VMM_HC_IDLE with n words in u->mr[]
 * and label status. */
static void upcall(struct keel_utcb *u, uint32_t status, uint32_t n)
{
    if (kernel_reply == NONE)
        return;
    send_cap = kernel_reply, send_tag = KEEL_TAG(status, n, 0);
    kernel_reply = NONE;        /* used up by the send */
    idling = false;
}

/* A virtual interrupt pending now: the answer to KEEL_VMM_HC_IDLE. */
static bool irq_now(struct keel_utcb *u, uint32_t *n)
{
    uintptr_t lines = virq_take();
    if (!lines)
        return false;
    u->mr[0] = KEEL_VMM_UP_IRQ, u->mr[1] = 0, u->mr[2] = lines;
    *n = 3;
    return true;
}

void vmm_interrupt(struct keel_utcb *u)
{
    uint32_t n;
    if (!idling || kernel_reply == NONE)
        ring(u);
    else if (irq_now(u, &n))
        upcall(u, 0, n);
}

int vmm_idle(struct keel_utcb *u, uintptr_t us, uint32_t *n)
{
    if (irq_now(u, n))
        return KEEL_OK;
    if (virq) {                 /* the peer's bits (KEEL_VMM_UP_VIRQ with context 0) */
        u->mr[0] = KEEL_VMM_UP_VIRQ, u->mr[1] = 0, u->mr[2] = virq, u->mr[3] = last_page;
        virq = 0, last_page = KEEL_VMM_NO_PAGE;
        *n = 4;
        return KEEL_OK;
    }
    if (keel_save_reply(u, KEEL_PROGRAM_THREAD, &kernel_reply))
        return KEEL_E_INVALID;
    idling = true;
    idle_until = us && us < KEEL_TIMEOUT_NEVER ? keel_clock_us() + us : 0;
    return -1;
}

/* KEEL_VMM_HC_PENDING: what the doorbell rang for, no longer pending. */
static void pending(struct keel_utcb *u, uint32_t *n)
{
    u->mr[0] = timer_fired, u->mr[1] = virq, u->mr[2] = last_page, u->mr[3] = virq_take();
    timer_fired = false, virq = 0, last_page = KEEL_VMM_NO_PAGE;
    *n = 4;
}

/* The guest kernel waits in KEEL_VMM_HC_IDLE: the peer's pending bits
 * answer it (KEEL_VMM_UP_VIRQ with context 0). */
static void peer_upcall(struct keel_utcb *u)
{
    u->mr[0] = KEEL_VMM_UP_VIRQ, u->mr[1] = 0, u->mr[2] = virq, u->mr[3] = last_page;
    virq = 0, last_page = KEEL_VMM_NO_PAGE;
    upcall(u, 0, 4);
}

/* Virtual interrupt bits for our guest: they answer its KEEL_VMM_HC_WAIT
 * or KEEL_VMM_HC_IDLE, or ring its doorbell.  May leave an answer in
 * send_cap. */
static void virq_raise(struct keel_utcb *u, uintptr_t bits)
{
    virq |= bits;
    if (!virq)
        return;
    if (wait_reply != NONE) {
        u->mr[0] = virq, u->mr[1] = last_page;
        virq = 0, last_page = KEEL_VMM_NO_PAGE;
        send_cap = wait_reply, send_tag = KEEL_TAG(0, 2, 0);
        wait_reply = NONE;
    } else if (idling && kernel_reply != NONE) {
        peer_upcall(u);
    } else {
        ring(u);
    }
}

/* A notification turned into messages, by a thread of ours that waits on
 * it: the doorbell (each signal of bell_note, one empty send on bell_gate
 * to the guest kernel when it receives; we never wait for the guest) and
 * the relay (our notification's bits, a call on virq_gate with them: the
 * open receive of our loop takes gates only).  The thread reads the
 * capabilities' globals on every round, as they stand then. */
struct forwarder {
    const uint32_t *note, *gate;
    bool call;                  /* call with the bits (the relay), else an empty send */
    uint32_t slot;              /* the thread's capability */
    uintptr_t utcb, stack;      /* its UTCB (which tells it which forwarder it is), stack */
};
static const struct forwarder bell_thread = { &bell_note, &bell_gate, false, SLOT_BELL,
                                              BELL_UTCB, BELL_STACK };
static const struct forwarder relay_thread = { &note, &virq_gate, true, SLOT_RELAY,
                                               RELAY_UTCB, RELAY_STACK };

static _Noreturn void forward(struct keel_utcb *u)
{
    const struct forwarder *f = (uintptr_t)u == BELL_UTCB ? &bell_thread : &relay_thread;
    for (;;) {
        struct keel_ipc_result r = keel_wait(u, *f->note, KEEL_TIMEOUT_NEVER);
        if (KEEL_TAG_ERROR(r.tag))
            for (;;)            /* the notification is gone: nothing more to pass on */
                keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        if (f->call)
            keel_call(u, *f->gate, KEEL_TAG(0, 1, 0), KEEL_TIMEOUT_NEVER);
        else
            keel_send(u, *f->gate, KEEL_TAG(0, 0, 0), KEEL_TIMEOUT_NEVER);
    }
}

/* f's thread (ours, with a stack page of its own), once its notification
 * and gate exist. */
static uint32_t forward_start(struct keel_utcb *u, const struct forwarder *f)
{
    uint32_t e, thread = f->slot;
    if ((e = keel_thread_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_TASK, &thread)) ||
        (e = keel_map_anon(u, KEEL_PROGRAM_TASK, KEEL_PROGRAM_FACTORY, f->stack, 1,
                           KEEL_MAP_R | KEEL_MAP_W)))
        return e;
    return keel_thread_start(u, thread, KEEL_PROGRAM_FACTORY, (uintptr_t)forward,
                             f->stack + PAGE, f->utcb, RELAY_PRIO, NONE);
}

/* The doorbell: its notification, its gate (bound to the guest kernel, paid
 * by the VM) and its thread (ours). */
static uint32_t bell_start(struct keel_utcb *u)
{
    uint32_t e;
    bell_note = SLOT_BELL_NOTE;
    if ((e = keel_notification_create(u, KEEL_PROGRAM_FACTORY, 0, &bell_note)) ||
        (e = keel_gate_create(u, SLOT_VM_FACTORY, ctx[KERNEL].thread, KEEL_VMM_LABEL_DOORBELL,
                              &bell_gate)))
        return e;
    return forward_start(u, &bell_thread);
}

/* ---- the peer VM: a second VMM instance (docs/vmm.md, "Two VMs") ---- */

/* Our notification, the gate its relay thread calls, and the thread. */
static uint32_t relay_start(struct keel_utcb *u)
{
    uint32_t e;
    note = SLOT_NOTE, virq_gate = SLOT_VIRQ_GATE;
    if ((e = keel_notification_create(u, KEEL_PROGRAM_FACTORY, LABEL_VIRQ, &note)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, LABEL_VIRQ,
                              &virq_gate)))
        return e;
    return forward_start(u, &relay_thread);
}

static void watch_arm(struct keel_utcb *u);

/* Join the VMM serving the link (slot KEEL_SLOT_GIVEN), if our line uses
 * one: our notification and a gate of ours for it, its notification and
 * its channel page (a map item) for us.  Then we are VM 2. */
static uint32_t link_join(struct keel_utcb *u)
{
    uint32_t mine = SLOT_PEER_GATE, e;
    if ((e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, LABEL_PEER, &mine)))
        return e;
    keel_cap_item(u, 0, note, KEEL_RIGHT_SEND);
    keel_cap_item(u, 1, mine, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT);
    keel_set_window(u, host(KEEL_VMM_CHANNEL_GPA), 12);
    u->accept_items = 2;
    struct keel_ipc_result r = keel_call(u, KEEL_SLOT_GIVEN, KEEL_TAG(LINK_HELLO, 0, 2),
                                         PEER_TIMEOUT_US);
    e = KEEL_TAG_ERROR(r.tag);
    if (e == KEEL_E_CAP) {      /* no link in our slot: we serve it, or are alone */
        drop(u, &mine);
        return KEEL_OK;
    }
    if (e == KEEL_E_PARTNER) {  /* the VMM serving the link is gone: VM 2, alone */
        keel_printf("vmm: the VMM serving the inter-VM link is gone; VM 2 runs alone\n");
        drop(u, &mine);
        vm_id = 2;
        peer_down = true;
        return KEEL_OK;
    }
    if (!e)
        e = (uint32_t)KEEL_TAG_LABEL(r.tag);
    if (!e && (KEEL_TAG_ITEMS(r.tag) != 2 || u->item[0].type != KEEL_ITEM_CAP ||
               u->item[1].type != KEEL_ITEM_MAP))
        e = KEEL_E_INVALID;
    if (e)
        return e;
    peer_note = u->item[0].slot;
    peer_gate = KEEL_SLOT_GIVEN;
    watch_gen = 1;
    channel = true;
    vm_id = 2;
    return KEEL_OK;
}

/* The peer's call (label op, its items in u->item[]); returns the status,
 * *items the items of the answer. */
static int link_call(struct keel_utcb *u, uint32_t op, uint32_t items_in, uint32_t *items)
{
    if (op == LINK_HELLO) {
        if (items_in != 2 || u->item[0].type != KEEL_ITEM_CAP || u->item[1].type != KEEL_ITEM_CAP)
            return KEEL_E_INVALID;
        /* A peer that joins again (restarted) replaces the old one, whose
         * VM is gone: our guest hears it (once), after our answer's words
         * are in place, so that nothing overwrites the upcall's. */
        bool lost = peer_note != NONE && !peer_down;
        uint32_t note_in = u->item[0].slot, gate_in = u->item[1].slot;
        drop(u, &peer_note);
        if (peer_gate != NONE && peer_gate != KEEL_SLOT_GIVEN)
            drop(u, &peer_gate);
        peer_note = note_in, peer_gate = gate_in;
        peer_down = false;
        watch_gen++;            /* a watch on the old peer is stale now */
        if (peer_pending)       /* interrupts raised before it joined */
            keel_signal(u, peer_note, peer_pending);
        peer_pending = 0;
        keel_printf("vmm: VM %u: a peer VM joined: channel page and notifications exchanged\n",
                    vm_id);
        watch_arm(u);
        if (lost) {
            keel_printf("vmm: VM %u: it replaces the peer VM we had, which is gone\n", vm_id);
            virq_raise(u, KEEL_VMM_VIRQ_DOWN);
        }
        keel_cap_item(u, 0, note, KEEL_RIGHT_SEND);
        keel_mem_item(u, 1, KEEL_ITEM_MAP, host(KEEL_VMM_CHANNEL_GPA), 12,
                      KEEL_MAP_R | KEEL_MAP_W);
        *items = 2;
        return KEEL_OK;
    }
    if (op == LINK_WATCH) {     /* held until our VM ends or we die */
        drop(u, &peer_watch);
        return keel_save_reply(u, KEEL_PROGRAM_THREAD, &peer_watch) ? KEEL_E_INVALID : -1;
    }
    if (op == LINK_GIVE) {
        uintptr_t gpa = FLIP_GPA + flips * PAGE;
        if (items_in != 1 || u->item[0].type != KEEL_ITEM_GRANT || u->item[0].base != host(gpa))
            return KEEL_E_INVALID;
        flips++;
        flip_window(u);
        keel_printf("vmm: VM %u: received guest-physical page 0x%lx from the peer VM (a grant)\n",
                    vm_id, (unsigned long)gpa);
        last_page = gpa;
        virq_raise(u, KEEL_VMM_VIRQ_PAGE);
        return KEEL_OK;
    }
    return KEEL_E_NOSYS;
}

/* Bits of our notification, relayed: the peer's interrupts for our guest. */
static void link_bits(struct keel_utcb *u, uintptr_t bits)
{
    if (peer_down)              /* told already (by our watch thread, or a restart) */
        bits &= ~(uintptr_t)KEEL_VMM_VIRQ_DOWN;
    if (bits & KEEL_VMM_VIRQ_DOWN) {
        peer_down = true;
        drop(u, &peer_note);
        if (peer_gate != KEEL_SLOT_GIVEN)
            drop(u, &peer_gate);
        peer_gate = NONE;
    }
    virq_raise(u, bits & (KEEL_VMM_VIRQ_PEER | KEEL_VMM_VIRQ_DOWN));
}

/* The peer VM is gone (its end, its VMM's death, a restart): drop what
 * we hold of it and tell our guest once (KEEL_VMM_VIRQ_DOWN). */
static void peer_lost(struct keel_utcb *u)
{
    if (peer_down)
        return;
    link_bits(u, KEEL_VMM_VIRQ_DOWN);
}

/* Our watch thread: watches the peer VMM it is given (a copy of its gate),
 * by a call that only the peer's end answers, then asks for the next. */
static _Noreturn void watch(struct keel_utcb *u)
{
    uintptr_t gen = 0, err = 0;
    for (;;) {
        u->mr[0] = gen, u->mr[1] = err;
        struct keel_ipc_result r = keel_call(u, watch_gate, KEEL_TAG(0, 2, 0), KEEL_TIMEOUT_NEVER);
        if (KEEL_TAG_ERROR(r.tag) || KEEL_TAG_LABEL(r.tag))
            for (;;)            /* our VM is over: nothing more to watch */
                keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        gen = u->mr[0];
        r = keel_call(u, (uint32_t)u->mr[1], KEEL_TAG(LINK_WATCH, 0, 0), KEEL_TIMEOUT_NEVER);
        err = KEEL_TAG_ERROR(r.tag) ? KEEL_TAG_ERROR(r.tag) : KEEL_TAG_LABEL(r.tag);
    }
}

/* The watch thread waits for a peer to watch: give it ours, if we have one. */
static void watch_arm(struct keel_utcb *u)
{
    if (watch_reply == NONE || peer_down || peer_gate == NONE)
        return;
    drop(u, &watched);
    if (keel_cap_mint(u, KEEL_PROGRAM_TASK, peer_gate, KEEL_RIGHT_SEND, 0, &watched))
        return;
    u->mr[0] = watch_gen, u->mr[1] = watched;
    keel_reply_cap(u, watch_reply, KEEL_TAG(0, 2, 0));
    watch_reply = NONE;
}

/* The watch thread's report: the peer it watched (generation mr0) is gone,
 * its call failed with error mr1 (0: the peer answered it, its VM ended);
 * or, generation 0, it is ready. */
static void watch_report(struct keel_utcb *u)
{
    uintptr_t gen = u->mr[0], err = u->mr[1];
    if (keel_save_reply(u, KEEL_PROGRAM_THREAD, &watch_reply))
        return;
    if (gen && gen == watch_gen && !peer_down) {
        if (err)
            keel_printf("vmm: VM %u: the peer VMM is gone (our watch call on it failed: error "
                        "%lu); its VM is down\n", vm_id, (unsigned long)err);
        peer_lost(u);           /* last: it may leave an upcall's words in u->mr */
        return;
    }
    watch_arm(u);               /* a newer peer, or the first */
}

/* Our watch thread and the gate it calls. */
static uint32_t watch_start(struct keel_utcb *u)
{
    uint32_t e, thread = SLOT_WATCH_THREAD;
    watch_gate = SLOT_WATCH_GATE;
    if ((e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, LABEL_WATCH,
                              &watch_gate)) ||
        (e = keel_thread_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_TASK, &thread)) ||
        (e = keel_map_anon(u, KEEL_PROGRAM_TASK, KEEL_PROGRAM_FACTORY, WATCH_STACK, 1,
                           KEEL_MAP_R | KEEL_MAP_W)))
        return e;
    return keel_thread_start(u, thread, KEEL_PROGRAM_FACTORY, (uintptr_t)watch,
                             WATCH_STACK + PAGE, WATCH_UTCB, RELAY_PRIO, NONE);
}

/* KEEL_VMM_HC_GIVE: page flipping.  Our guest's tasks lose the page (an
 * unmap of our copy), then the peer gets our mapping (a grant). */
static uint32_t give(struct keel_utcb *u, uintptr_t gpa)
{
    if (gpa % PAGE || gpa >= FLIP_GPA)
        return KEEL_E_INVALID;
    if (peer_gate == NONE)
        return KEEL_E_PARTNER;
    uint32_t e = keel_unmap(u, KEEL_PROGRAM_TASK, host(gpa), 12, 0);
    if (e)
        return e;
    keel_mem_item(u, 0, KEEL_ITEM_GRANT, host(gpa), 12, KEEL_MAP_R | KEEL_MAP_W);
    struct keel_ipc_result r = keel_call(u, peer_gate, KEEL_TAG(LINK_GIVE, 0, 1),
                                         PEER_TIMEOUT_US);
    e = KEEL_TAG_ERROR(r.tag);
    if (!e)
        e = (uint32_t)KEEL_TAG_LABEL(r.tag);
    if (e)
        return e;
    remap[gpa / PAGE] = SPARE_VA + spares++ * PAGE;
    keel_printf("vmm: VM %u: gave guest-physical page 0x%lx to the peer VM (a grant: the "
                "frame is no longer ours)\n", vm_id, (unsigned long)gpa);
    return KEEL_OK;
}

/* KEEL_VMM_HC_NOTIFY. */
static uint32_t notify(struct keel_utcb *u, uintptr_t bits)
{
    if (!bits || (bits & ~(uintptr_t)KEEL_VMM_VIRQ_PEER))
        return KEEL_E_INVALID;
    if (peer_down)
        return KEEL_E_PARTNER;
    if (peer_note == NONE) {
        peer_pending |= bits;
        return KEEL_OK;
    }
    return keel_signal(u, peer_note, bits) ? KEEL_E_PARTNER : KEEL_OK;
}

/* A hypercall; returns its status, or -1 if answered already or later,
 * or -2 when the VM ends (*status its exit status); *n words and *items
 * items answer it. */
static int hypercall(struct keel_utcb *u, uint32_t op, uint32_t words, uintptr_t *status,
                     uint32_t *n, uint32_t *items)
{
    uintptr_t *m = u->mr;
    *n = 0;
    switch (op) {
    case KEEL_VMM_HC_INFO:
        m[0] = KEEL_VMM_RAM_PAGES, m[1] = KEEL_VMM_CONTEXTS, m[2] = vm_id, m[3] = channel;
        *n = 4;
        return KEEL_OK;
    case KEEL_VMM_HC_WRITE:
        if (words < 1 || m[0] > KEEL_VMM_WRITE_MAX || m[0] > (words - 1) * sizeof(uintptr_t))
            return KEEL_E_INVALID;
        keel_debug_write((const char *)&m[1], m[0]);
        return KEEL_OK;
    case KEEL_VMM_HC_CREATE: {
        uint32_t i = (uint32_t)m[0];
        if (words < 5 || i < 1 || i > KEEL_VMM_CONTEXTS || ctx[i].used ||
            m[4] % PAGE || m[4] >= KEEL_VMM_RAM_PAGES * PAGE)
            return KEEL_E_INVALID;
        uint32_t e = make(u, i, ctx[KERNEL].thread, i, m[1], m[2], m[3],
                          KEEL_VMM_SLOT_CONTEXT(i));
        if (e)
            destroy(u, i);
        return (int)e;
    }
    case KEEL_VMM_HC_DESTROY: {
        uint32_t i = (uint32_t)m[0];
        if (words < 2 || i < 1 || i > KEEL_VMM_CONTEXTS || !ctx[i].used)
            return KEEL_E_INVALID;
        intptr_t st = (intptr_t)m[1];
        destroy(u, i);
        keel_printf("vmm: VM %u: guest process %u exited with status %ld\n", vm_id, i, (long)st);
        return KEEL_OK;
    }
    case KEEL_VMM_HC_EXIT:
        *status = words ? m[0] : 0;
        return -2;
    case KEEL_VMM_HC_NOTIFY:
        return words < 1 ? KEEL_E_INVALID : (int)notify(u, m[0]);
    case KEEL_VMM_HC_WAIT:
        if (words < 1)
            return KEEL_E_INVALID;
        if (virq) {
            m[0] = virq, m[1] = last_page, *n = 2;
            virq = 0, last_page = KEEL_VMM_NO_PAGE;
            return KEEL_OK;
        }
        wait_until = m[0] && m[0] < KEEL_TIMEOUT_NEVER ? keel_clock_us() + m[0] : 0;
        return keel_save_reply(u, KEEL_PROGRAM_THREAD, &wait_reply) ? KEEL_E_INVALID : -1;
    case KEEL_VMM_HC_GIVE:
        return words < 1 ? KEEL_E_INVALID : (int)give(u, m[0]);
    case KEEL_VMM_HC_QUOTA:
        m[0] = quota_left(u), *n = 1;
        return KEEL_OK;
    case KEEL_VMM_HC_IMAGE: {
        uint32_t i = (uint32_t)m[0];
        if (words < 3 || i < 1 || i > KEEL_VMM_CONTEXTS || !ctx[i].used ||
            !image_item(u, i, m[1] & ~(uintptr_t)(PAGE - 1), m[2]))
            return KEEL_E_INVALID;
        *items = 1;
        return KEEL_OK;
    }
    case KEEL_VMM_HC_TIMER:
        if (words < 1 || m[0] >= KEEL_TIMEOUT_NEVER)
            return KEEL_E_INVALID;
        timer_at = m[0] ? keel_clock_us() + m[0] : 0;
        timer_fired = false;    /* a new slice: an older one's end is moot */
        return KEEL_OK;
    case KEEL_VMM_HC_PENDING:
        pending(u, n);
        return KEEL_OK;
    default:
        return virtio_hypercall(u, op, words, n);   /* the devices' (virtio.c) */
    }
}

/* Every context is destroyed: the VM's factory must have all its pages
 * back. */
static void factory_check(struct keel_utcb *u)
{
    uintptr_t left = quota_left(u);
    keel_printf("vmm: VM %u: its factory has %lu of its %u pages back%s\n", vm_id,
                (unsigned long)left, VM_QUOTA_PAGES,
                left == VM_QUOTA_PAGES ? ": every object of the VM is gone" : ": NOT all");
}

/* The VM is over: destroy its contexts, guest kernel and doorbell, check
 * that its factory got every page back, and tell the peer VM it is down. */
static void end_vm(struct keel_utcb *u)
{
    for (uint32_t i = KEEL_VMM_CONTEXTS; i > KERNEL; i--)
        destroy(u, i);
    destroy(u, KERNEL);
    drop(u, &bell_gate);
    factory_check(u);
    if (peer_note != NONE)
        keel_signal(u, peer_note, KEEL_VMM_VIRQ_DOWN);
    if (peer_watch != NONE)     /* the peer's watch call returns: our VM ended */
        keel_reply_cap(u, peer_watch, KEEL_TAG(0, 0, 0));
    peer_watch = NONE;
}

/* Our guest kernel faulted beyond what it was given: the VM is killed, its
 * tasks destroyed, its peer told; this VMM stays up (answering calls with
 * KEEL_E_PARTNER), so that the rest of the system goes on. */
static _Noreturn void kill_vm(struct keel_utcb *u)
{
    end_vm(u);
    keel_printf("vmm: VM %u killed; its tasks are destroyed, the VMM and its peer go on\n", vm_id);
    for (;;) {
        struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
        if (!KEEL_TAG_ERROR(r.tag))
            keel_ipc(u, KEEL_TAG(KEEL_E_PARTNER, 0, 0), 0, 0,
                     KEEL_IPC_OPTS(KEEL_IPC_REPLY, KEEL_TIMEOUT_ZERO, 0));
    }
}

/* Answer the guest kernel's own fault with the map item own_fault() left
 * in u->item[0].  The kernel may fail to map it (the VM's factory pays for
 * the guest kernel's page tables: KEEL_E_QUOTA once it is used up); the
 * guest kernel then stays stopped and cannot go on, so the VM is killed:
 * never a VM waiting for a fault that will not end.  (Its processes'
 * faults are its own to answer: a process whose page it cannot map is
 * dead, samples/guest/kernel.c.) */
static void own_answer(struct keel_utcb *u)
{
    struct keel_ipc_result r = keel_ipc(u, KEEL_TAG(KEEL_EXC_RESUME, 0, 1), 0, 0,
                                        KEEL_IPC_OPTS(KEEL_IPC_REPLY, KEEL_TIMEOUT_ZERO, 0));
    uint32_t e = KEEL_TAG_ERROR(r.tag);
    if (!e)
        return;
    keel_printf("vmm: VM %u: the guest kernel's fault cannot be mapped (error %u); the guest "
                "kernel cannot go on\n", vm_id, e);
    kill_vm(u);
}

/* The receive timeout of our loop: the earliest of the virtual timer and
 * the limits of KEEL_VMM_HC_WAIT and KEEL_VMM_HC_IDLE. */
static uint32_t loop_timeout(void)
{
    uint64_t at = timer_at;
    if (wait_reply != NONE && wait_until && (!at || wait_until < at))
        at = wait_until;
    if (idling && idle_until && (!at || idle_until < at))
        at = idle_until;
    if (!at)
        return KEEL_TIMEOUT_NEVER;
    uint64_t now = keel_clock_us();
    if (now >= at)
        return KEEL_TIMEOUT_ZERO;
    return at - now < KEEL_TIMEOUT_NEVER ? (uint32_t)(at - now) : KEEL_TIMEOUT_NEVER - 1;
}

/* Our receive timed out: what is due now is done (a timeout of another
 * cause is harmless: nothing is due then). */
static void timeouts(struct keel_utcb *u)
{
    uint64_t now = keel_clock_us();
    if (timer_at && now >= timer_at) {
        timer_at = 0;
        timer_fired = true;
        ring(u);
    }
    if (wait_reply != NONE && wait_until && now >= wait_until && send_cap == NONE) {
        send_cap = wait_reply, send_tag = KEEL_TAG(KEEL_E_TIMEOUT, 0, 0);
        wait_reply = NONE;
    }
    if (idling && idle_until && now >= idle_until && send_cap == NONE) {
        u->mr[0] = KEEL_VMM_UP_TIMER, u->mr[1] = 0;
        upcall(u, 0, 2);
    }
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t e;
    /* Guest-physical memory (paged in from the root task now, so that the
     * guest's faults never wait for it), the relay of our virtual
     * interrupts, the peer if our line uses one, and the guest kernel's
     * task: its stack and UTCB are ours to give; its image comes by faults. */
    hc_gate = NONE;
    uint32_t slot = KEEL_VMM_SLOT_GATE;
    keel_memory_touch(host(0), KEEL_VMM_RAM_PAGES * PAGE);
    if ((e = relay_start(u)) || (e = watch_start(u)) || (e = link_join(u))) {
        keel_printf("vmm: cannot set up the inter-VM link: error %u\n", e);
        return 1;
    }
    if (vm_id == 1) {           /* we own the channel page the peer will map */
        keel_memory_touch(host(KEEL_VMM_CHANNEL_GPA), PAGE);
        channel = true;
    }
    flip_window(u);
    u->accept_items = 2;
    uint32_t factory = SLOT_VM_FACTORY;
    if ((e = keel_factory_create(u, KEEL_PROGRAM_FACTORY, VM_QUOTA_PAGES, &factory)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, LABEL_HYPERCALL,
                              &hc_gate)) ||
        (e = make(u, KERNEL, KEEL_PROGRAM_THREAD, LABEL_KERNEL, (uintptr_t)keel_vmm_guest_main,
                  KEEL_MAIN_STACK_TOP, KEEL_MAIN_UTCB, KEEL_VMM_SLOT_SELF)) ||
        (e = keel_map_anon(u, ctx[KERNEL].task, SLOT_VM_FACTORY,
                           KEEL_MAIN_STACK_TOP - KEEL_MAIN_STACK_PAGES * PAGE,
                           KEEL_MAIN_STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W)) ||
        (e = keel_cap_mint(u, ctx[KERNEL].task, hc_gate, KEEL_RIGHT_SEND, 0, &slot)) ||
        (e = bell_start(u)) ||
        (e = invoke(u, ctx[KERNEL].thread, KEEL_THREAD_START, 0, 0, 0, 0))) {
        keel_printf("vmm: cannot make the guest kernel: error %u\n", e);
        return 1;
    }
    /* Console input: the lines addressed to this VM (`@N text`, keel/console.h). */
    virtio_init(u, vm_id);
    keel_printf("vmm: VM %u: guest kernel started (%u pages of guest-physical memory)\n",
                vm_id, KEEL_VMM_RAM_PAGES);

    uintptr_t status = 1;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        int answer = -1;        /* >= 0: answer the sender now with this label */
        uint32_t n = 0, items = 0;
        uint32_t err = KEEL_TAG_ERROR(r.tag);
        if (err == KEEL_E_TIMEOUT) {
            timeouts(u);
        } else if (err) {
            keel_printf("vmm: receive failed: error %u\n", err);
        } else if (r.label == LABEL_HYPERCALL) {
            answer = hypercall(u, KEEL_TAG_LABEL(r.tag), KEEL_TAG_WORDS(r.tag), &status, &n,
                               &items);
            if (answer == -2)
                break;
        } else if (virtio_message(u, r)) {
            /* console input: the devices' (virtio.c) */
        } else if (r.label == LABEL_KERNEL) {
            bool exited = KEEL_TAG_LABEL(r.tag) == KEEL_LABEL_EXIT;
            uintptr_t kind = u->mr[KEEL_EXC_KIND], addr = u->mr[KEEL_EXC_ADDR];
            if (kind == KEEL_FAULT_PAGE_EXEC && !addr)
                addr = u->mr[KEEL_EXC_IP];
            if (exited || !own_fault(u, addr, kind)) {
                keel_printf("vmm: VM %u: guest kernel: %s %lu at ip 0x%lx, address 0x%lx; VM "
                            "stopped\n", vm_id, exited ? "exit" : "exception",
                            (unsigned long)kind, (unsigned long)u->mr[KEEL_EXC_IP],
                            (unsigned long)addr);
                kill_vm(u);
            }
            own_answer(u);
        } else if (r.label == LABEL_VIRQ) {
            link_bits(u, u->mr[0]);
            answer = 0;
        } else if (r.label == LABEL_WATCH) {
            watch_report(u);    /* answered when there is a peer to watch */
        } else {                /* the peer VMM, on the link it serves or on our gate */
            answer = link_call(u, (uint32_t)KEEL_TAG_LABEL(r.tag), KEEL_TAG_ITEMS(r.tag), &items);
        }
        uint32_t to = loop_timeout();
        if (answer >= 0 && send_cap != NONE) {  /* an answer to a saved right too: it goes first */
            keel_reply_cap(u, send_cap, send_tag);
            send_cap = NONE;
        }
        if (answer >= 0) {
            r = keel_reply_wait(u, KEEL_TAG((uint32_t)answer, n, items), KEEL_CAP_OPEN, to);
        } else if (send_cap != NONE) {
            uint32_t cap = send_cap;
            send_cap = NONE;
            r = keel_ipc(u, send_tag, cap, KEEL_CAP_OPEN,
                         KEEL_IPC_OPTS(KEEL_IPC_SEND | KEEL_IPC_RECV, KEEL_TIMEOUT_ZERO, to));
        } else {
            r = keel_recv(u, KEEL_CAP_OPEN, to);
        }
        /* An answer that failed (its caller gone, a map item for a caller
         * without a window) ends the system call before its receive. */
        err = KEEL_TAG_ERROR(r.tag);
        if (err && err != KEEL_E_TIMEOUT)
            r = keel_recv(u, KEEL_CAP_OPEN, to);
    }
    end_vm(u);
    virtio_report(u);
    keel_printf("vmm: VM %u exited with status %lu\n", vm_id, (unsigned long)status);
    return (int)status;
}
