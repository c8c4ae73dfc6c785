/*
 * The VMM's virtual devices (keel/vmm/virtio.h, docs/vmm.md): a virtio
 * console and a virtio block device whose split virtqueues live in the
 * guest's memory, served by IPC to user-level servers, and the virtual
 * interrupt controller that signals their used buffers.
 *
 *  - The guest places each queue (KEEL_VMM_HC_VIRTIO_QUEUE) and kicks it
 *    (KEEL_VMM_HC_VIRTIO_NOTIFY).  A kick takes every new chain from the
 *    available ring, checks every descriptor against guest memory, serves
 *    it and puts it on the used ring: console output is one write request
 *    to the console server per buffer, a block read one request per sector
 *    to the block server.  Then the device's line is raised.
 *  - Console input: a thread of ours waits in the console server's read,
 *    which the console server answers when the UART's receive interrupt has
 *    brought bytes; it hands them to the main thread through a gate of its
 *    own.  The main thread fills the guest's receive buffers and raises the
 *    console's line: the UART's hardware interrupt reaches the guest as a
 *    virtual one.
 *  - A raised line is delivered at once if the guest kernel waits in
 *    KEEL_VMM_HC_IDLE, else it rings the guest kernel's doorbell and waits
 *    for KEEL_VMM_HC_PENDING or the next KEEL_VMM_HC_IDLE (vmm.c).
 *
 * Nothing here depends on the ISA.
 */
#include <keel/block.h>
#include <keel/console.h>
#include <keel/system.h>
#include <keel/vmm/hypercall.h>
#include <keel/vmm/virtio.h>
#include "vmm.h"

#define PAGE 4096u
#define LABEL_INPUT 0x76697274u             /* "virt": the input thread's gate */
#define QUEUES 2
#define INPUT_RING 1024
/* The input thread's stack and UTCB, in our own address space. */
#define INPUT_AREA ((uintptr_t)0x0000620000000000ull)
#define INPUT_STACK_PAGES 4
#define INPUT_UTCB (INPUT_AREA + (INPUT_STACK_PAGES + 1) * PAGE)

struct queue {
    bool ready, indirect, event_idx;        /* the last two: features the driver took */
    uint16_t size, last_avail, used_idx;
    uintptr_t desc, avail, used;            /* guest-physical */
};

struct device {
    uint32_t id;                            /* enum keel_virtio_id, 0: none */
    uint64_t features, config;
    uint32_t queues, backend;
    struct queue q[QUEUES];
};

/* One buffer of a chain, in our view of guest memory. */
struct buffer {
    char *p;
    uint32_t len;
    bool write;
};

static struct device dev[KEEL_VIRTIO_DEVICES];
static uintptr_t pending, enabled;          /* the virtual interrupt controller */
static char input[INPUT_RING];
static uint32_t in_head, in_tail, channel;
static uint32_t input_gate = KEEL_CAP_OPEN, input_thread = KEEL_CAP_OPEN;
static struct {
    uint64_t out_bytes, out_requests, in_bytes, in_messages, sectors, written, irqs, refused;
    uint64_t kicks, indirect, quiet;        /* quiet: interrupts used_event suppressed */
} stats;

static void fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* [pa, pa + len) of guest memory in our view, or NULL if not all of it is
 * guest memory. */
static char *guest(uint64_t pa, uint64_t len)
{
    return vmm_guest(pa, len);
}

/* ---- the virtual interrupt controller ---- */

static void raise(struct keel_utcb *u, uint32_t line)
{
    pending |= (uintptr_t)1 << line;
    stats.irqs++;
    if (pending & enabled)
        vmm_interrupt(u);
}

uintptr_t virq_take(void)
{
    uintptr_t lines = pending & enabled;
    pending &= ~lines;
    return lines;
}

/* ---- split virtqueues ---- */

/* Descriptor i of table into b (an indirect one switches *table and *size
 * to its table); false if malformed: an index out of the table, a buffer
 * outside guest memory, an indirect table where the driver took no
 * KEEL_VIRTIO_F_INDIRECT_DESC, inside another, chained on (NEXT), empty,
 * misaligned, longer than KEEL_VIRTQ_MAX or outside guest memory. */
static bool descriptor(const struct queue *q, const volatile struct keel_virtq_desc **table,
                       uint32_t *size, bool *indirect, uint16_t i, struct buffer *b,
                       uint16_t *flags, uint16_t *next)
{
    if (i >= *size)
        return false;
    const volatile struct keel_virtq_desc *d = *table + i;
    uint64_t addr = d->addr;
    uint32_t len = d->len;
    *flags = d->flags, *next = d->next;
    if (*flags & KEEL_VIRTQ_DESC_F_INDIRECT) {
        if (!q->indirect || *indirect || (*flags & KEEL_VIRTQ_DESC_F_NEXT) || !len ||
            len % sizeof(struct keel_virtq_desc) || addr % 16 ||
            len / sizeof(struct keel_virtq_desc) > KEEL_VIRTQ_MAX || !guest(addr, len))
            return false;
        *table = (const volatile struct keel_virtq_desc *)guest(addr, len);
        *size = len / sizeof(struct keel_virtq_desc);
        *indirect = true;
        stats.indirect++;
        return true;
    }
    b->p = guest(addr, len);
    b->len = len;
    b->write = *flags & KEEL_VIRTQ_DESC_F_WRITE;
    return b->p != NULL;
}

/* The next chain of q's available ring into b[] (*n buffers, head *head):
 * 1, 0 if there is none, -1 if it is malformed (descriptor()'s reasons, a
 * loop, more than KEEL_VIRTQ_MAX buffers).  A chain may end in one
 * indirect descriptor, whose table holds the rest (section 2.7.5.3). */
static int take(struct queue *q, uint16_t *head, struct buffer *b, uint32_t *n)
{
    const volatile struct keel_virtq_avail *avail = (const void *)guest(q->avail, 4);
    if (q->last_avail == avail->idx)
        return 0;
    fence();                                /* the ring entry after the index */
    uint16_t i = avail->ring[q->last_avail % q->size], flags, next;
    const volatile struct keel_virtq_desc *table =
        (const volatile struct keel_virtq_desc *)guest(q->desc, 0);
    uint32_t size = q->size, steps = 0;
    bool indirect = false;
    *head = i;
    for (*n = 0; *n < KEEL_VIRTQ_MAX && steps < size; steps++) {
        bool was = indirect;
        if (!descriptor(q, &table, &size, &indirect, i, &b[*n], &flags, &next))
            return -1;
        if (indirect != was) {              /* into the table: its own count */
            i = 0, steps = (uint32_t)-1;
            continue;
        }
        (*n)++;
        if (!(flags & KEEL_VIRTQ_DESC_F_NEXT)) {
            q->last_avail++;
            return 1;
        }
        i = next;
    }
    return -1;                              /* longer than its table: a loop */
}

/* Chain head is used, len bytes written into it. */
static void put_used(struct queue *q, uint16_t head, uint32_t len)
{
    volatile struct keel_virtq_used *used = (volatile void *)guest(q->used, 4);
    used->ring[q->used_idx % q->size].id = head;
    used->ring[q->used_idx % q->size].len = len;
    fence();                                /* the entry before the index */
    used->idx = ++q->used_idx;
}

/* Whether the driver wants an interrupt for the used entries from old on:
 * with event indexes, when they passed its used_event (section 2.7.10),
 * else unless it set KEEL_VIRTQ_AVAIL_F_NO_INTERRUPT. */
static bool wants_interrupt(const struct queue *q, uint16_t old)
{
    const volatile struct keel_virtq_avail *avail = (const void *)guest(q->avail, 4);
    fence();                                /* our used index before its used_event */
    if (q->event_idx)
        return keel_virtq_need_event(KEEL_VIRTQ_USED_EVENT(avail, q->size), q->used_idx, old);
    return !(avail->flags & KEEL_VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Serves one chain: 0, or KEEL_E_INVALID for a malformed one; *len the
 * bytes it wrote into the chain. */
typedef uint32_t (*serve_chain)(struct keel_utcb *u, struct buffer *b, uint32_t n,
                                uint32_t *len);

/* Serve q's new chains by serve (while more(), if given), put each on the
 * used ring, then raise line if the driver wants it.  With event indexes,
 * avail_event is where we stopped taking: the driver kicks again only once
 * it offers past that, so buffers it returns while we still hold unused
 * ones (the console's receive queue) need no kick.  KEEL_E_INVALID for a
 * malformed chain (the caller stops the queue). */
static uint32_t serve_queue(struct keel_utcb *u, struct queue *q, uint32_t line,
                            serve_chain serve, bool (*more)(void))
{
    struct buffer b[KEEL_VIRTQ_MAX];
    uint16_t head, old = q->used_idx;
    uint32_t n, served = 0;
    int got = 0;
    while ((!more || more()) && (got = take(q, &head, b, &n)) > 0) {
        uint32_t len = 0;
        if (serve(u, b, n, &len))
            return KEEL_E_INVALID;
        put_used(q, head, len);
        served++;
    }
    if (q->event_idx) {
        volatile struct keel_virtq_used *used = (volatile void *)guest(q->used, 4);
        *keel_virtq_avail_event(used, q->size) = q->last_avail;
    }
    if (got < 0)
        return KEEL_E_INVALID;
    if (served && wants_interrupt(q, old))
        raise(u, line);
    else if (served && q->event_idx)
        stats.quiet++;
    return KEEL_OK;
}

/* ---- the console ---- */

static uint32_t console_tx(struct keel_utcb *u, struct buffer *b, uint32_t n, uint32_t *len)
{
    for (uint32_t k = 0; k < n; k++)
        if (b[k].write)
            return KEEL_E_INVALID;          /* output buffers are the device's to read */
    for (uint32_t k = 0; k < n; k++) {
        keel_console_write(u, KEEL_VMM_SLOT_CONSOLE, b[k].p, b[k].len);
        stats.out_bytes += b[k].len;
        stats.out_requests++;
    }
    return KEEL_OK;
}

static bool have_input(void)
{
    return in_tail != in_head;
}

/* Fill the guest's receive buffers with what input we hold. */
static uint32_t console_rx(struct keel_utcb *u, struct buffer *b, uint32_t n, uint32_t *len)
{
    for (uint32_t k = 0; k < n; k++)
        if (!b[k].write)
            return KEEL_E_INVALID;          /* input buffers are the device's to write */
    for (uint32_t k = 0; k < n; k++)
        for (uint32_t c = 0; c < b[k].len && in_tail != in_head; c++, (*len)++)
            b[k].p[c] = input[in_tail++ % INPUT_RING];
    return KEEL_OK;
}

/* The input thread: wait in the console server's read of our channel
 * (answered when the UART's receive interrupt has brought input for it),
 * hand the bytes to the main thread, again. */
static _Noreturn void input_main(uintptr_t utcb)
{
    struct keel_utcb *u = (struct keel_utcb *)utcb;
    for (;;) {
        u->mr[0] = KEEL_CONSOLE_CHUNK;
        u->mr[1] = channel;
        uint32_t e = keel_client_call(u, KEEL_VMM_SLOT_CONSOLE, KEEL_CONSOLE_READ, 2, 0,
                                      KEEL_TIMEOUT_NEVER);
        if (e) {                            /* no input after all: stop here */
            keel_invoke(u, input_thread, KEEL_THREAD_STOP, 0, 0, 0, 0);
            continue;
        }
        uint32_t words = 1 + (uint32_t)((u->mr[0] + sizeof(uintptr_t) - 1) / sizeof(uintptr_t));
        keel_send(u, input_gate, KEEL_TAG(0, words, 0), KEEL_TIMEOUT_NEVER);
    }
}

static uint32_t start_input(struct keel_utcb *u)
{
    uint32_t e;
    if ((e = keel_map_anon(u, KEEL_PROGRAM_TASK, KEEL_PROGRAM_FACTORY, INPUT_AREA,
                           INPUT_STACK_PAGES, KEEL_MAP_R | KEEL_MAP_W)) ||
        (e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, LABEL_INPUT,
                              &input_gate)) ||
        (e = keel_thread_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_TASK, &input_thread)) ||
        (e = keel_thread_set_utcb(u, input_thread, KEEL_PROGRAM_FACTORY, INPUT_UTCB)) ||
        (e = keel_invoke(u, input_thread, KEEL_THREAD_SET_REGS, (uintptr_t)input_main,
                         INPUT_AREA + INPUT_STACK_PAGES * PAGE, INPUT_UTCB, 0)))
        return e;
    /* As high as ours may be (the kernel refuses above the caller's):
     * above the guest's, so input is taken while a guest process spins. */
    for (uintptr_t prio = 199; prio > 0; prio--)
        if (!(e = keel_invoke(u, input_thread, KEEL_THREAD_SET_PRIO, prio, 0, 0, 0)))
            break;
    return e ? e : keel_invoke(u, input_thread, KEEL_THREAD_START, 0, 0, 0, 0);
}

/* Serve the console's receive queue, if placed; a malformed one stops. */
static uint32_t receive(struct keel_utcb *u)
{
    struct queue *q = &dev[KEEL_VMM_DEV_CONSOLE].q[KEEL_VIRTIO_CONSOLE_RX];
    uint32_t e = q->ready ? serve_queue(u, q, KEEL_VMM_IRQ_CONSOLE, console_rx, have_input)
                          : KEEL_OK;
    if (e)
        q->ready = false;
    return e;
}

bool virtio_message(struct keel_utcb *u, struct keel_ipc_result r)
{
    if (r.label != LABEL_INPUT)
        return false;
    uintptr_t n = u->mr[0];
    const char *from = (const char *)&u->mr[1];
    if (n > (KEEL_TAG_WORDS(r.tag) - 1) * sizeof(uintptr_t))
        return true;
    for (uintptr_t i = 0; i < n && in_head - in_tail < INPUT_RING; i++)
        input[in_head++ % INPUT_RING] = from[i];
    stats.in_bytes += n;
    stats.in_messages++;
    if (receive(u))
        stats.refused++;
    return true;
}

/* ---- the block device ---- */

/* Sectors of the data buffers b[first .. n - 2] from or to the block
 * server, from sector on. */
static uint8_t block_data(struct keel_utcb *u, struct buffer *b, uint32_t n, bool out,
                          uint64_t sector, uint32_t *len)
{
    for (uint32_t k = 1; k + 1 < n; k++) {
        if (b[k].write == out || b[k].len % KEEL_VIRTIO_SECTOR)
            return KEEL_VIRTIO_BLK_S_IOERR;
        for (uint32_t off = 0; off < b[k].len; off += KEEL_VIRTIO_SECTOR, sector++) {
            if (sector >= dev[KEEL_VMM_DEV_BLOCK].config ||
                (out ? keel_block_write(u, KEEL_VMM_SLOT_BLOCK, sector, b[k].p + off)
                     : keel_block_read(u, KEEL_VMM_SLOT_BLOCK, sector, b[k].p + off)))
                return KEEL_VIRTIO_BLK_S_IOERR;
            if (out) {
                stats.written++;
            } else {
                *len += KEEL_VIRTIO_SECTOR;
                stats.sectors++;
            }
        }
    }
    return KEEL_VIRTIO_BLK_S_OK;
}

/* One request: b[0] its header, b[n - 1] its status byte, data between. */
static uint8_t block_request(struct keel_utcb *u, struct buffer *b, uint32_t n, uint32_t *len)
{
    struct keel_virtio_blk_req rq;
    const char *h = b[0].p;
    char *to = (char *)&rq;
    for (uint32_t i = 0; i < sizeof(rq); i++)
        to[i] = h[i];
    if (rq.type == KEEL_VIRTIO_BLK_T_GET_ID) {
        static const char id[20] = "keel-block";
        for (uint32_t i = 0; n > 2 && i < sizeof(id) && i < b[1].len; i++, (*len)++)
            b[1].p[i] = id[i];
        return KEEL_VIRTIO_BLK_S_OK;
    }
    if (rq.type != KEEL_VIRTIO_BLK_T_IN && rq.type != KEEL_VIRTIO_BLK_T_OUT)
        return KEEL_VIRTIO_BLK_S_UNSUPP;
    return block_data(u, b, n, rq.type == KEEL_VIRTIO_BLK_T_OUT, rq.sector, len);
}

static uint32_t block_chain(struct keel_utcb *u, struct buffer *b, uint32_t n, uint32_t *len)
{
    if (n < 2 || b[0].write || b[0].len < sizeof(struct keel_virtio_blk_req) ||
        !b[n - 1].write || b[n - 1].len < 1)
        return KEEL_E_INVALID;
    b[n - 1].p[0] = (char)block_request(u, b, n, len);
    (*len)++;                               /* the status byte */
    return KEEL_OK;
}

/* ---- hypercalls ---- */

static bool aligned_in_guest(uintptr_t pa, uintptr_t bytes, uintptr_t align)
{
    return pa % align == 0 && guest(pa, bytes);
}

static int place(struct keel_utcb *u, const uintptr_t *m)
{
    uintptr_t d = m[0], qi = m[1], size = m[2];
    if (d >= KEEL_VIRTIO_DEVICES || !dev[d].id || qi >= dev[d].queues || !size ||
        size > KEEL_VIRTQ_MAX || (size & (size - 1)) ||
        !aligned_in_guest(m[3], KEEL_VIRTQ_DESC_BYTES(size), 16) ||
        !aligned_in_guest(m[4], KEEL_VIRTQ_AVAIL_BYTES(size), 2) ||
        !aligned_in_guest(m[5], KEEL_VIRTQ_USED_BYTES(size), 4) ||
        !(m[6] & (1ull << KEEL_VIRTIO_F_VERSION_1)) || (m[6] & ~dev[d].features))
        return KEEL_E_INVALID;
    struct queue *q = &dev[d].q[qi];
    *q = (struct queue){ true, (m[6] >> KEEL_VIRTIO_F_INDIRECT_DESC) & 1,
                         (m[6] >> KEEL_VIRTIO_F_EVENT_IDX) & 1, (uint16_t)size, 0, 0,
                         m[3], m[4], m[5] };
    volatile struct keel_virtq_used *used = (volatile void *)guest(q->used, 4);
    used->flags = 0;
    used->idx = 0;
    *keel_virtq_avail_event(used, q->size) = 0;
    return KEEL_OK;
}

static int notify(struct keel_utcb *u, uintptr_t d, uintptr_t qi)
{
    if (d >= KEEL_VIRTIO_DEVICES || !dev[d].id || qi >= dev[d].queues || !dev[d].q[qi].ready)
        return KEEL_E_INVALID;
    struct queue *q = &dev[d].q[qi];
    uint32_t e;
    stats.kicks++;
    if (d == KEEL_VMM_DEV_BLOCK)
        e = serve_queue(u, q, KEEL_VMM_IRQ_BLOCK, block_chain, NULL);
    else if (qi == KEEL_VIRTIO_CONSOLE_TX)
        e = serve_queue(u, q, KEEL_VMM_IRQ_CONSOLE, console_tx, NULL);
    else
        e = serve_queue(u, q, KEEL_VMM_IRQ_CONSOLE, console_rx, have_input);
    if (e) {
        q->ready = false;                   /* the guest must place it again */
        stats.refused++;
    }
    return (int)e;
}

int virtio_hypercall(struct keel_utcb *u, uint32_t op, uint32_t words, uint32_t *n)
{
    uintptr_t *m = u->mr;
    switch (op) {
    case KEEL_VMM_HC_VIRTIO_INFO: {
        if (words < 1 || m[0] >= KEEL_VIRTIO_DEVICES)
            return KEEL_E_INVALID;
        struct device *v = &dev[m[0]];
        m[4] = m[0] == KEEL_VMM_DEV_BLOCK ? KEEL_VMM_IRQ_BLOCK : KEEL_VMM_IRQ_CONSOLE;
        m[0] = v->id, m[1] = v->features, m[2] = v->queues, m[3] = KEEL_VIRTQ_MAX;
        m[5] = v->config;
        *n = 6;
        return KEEL_OK;
    }
    case KEEL_VMM_HC_VIRTIO_QUEUE:
        return words < 7 ? KEEL_E_INVALID : place(u, m);
    case KEEL_VMM_HC_VIRTIO_NOTIFY:
        return words < 2 ? KEEL_E_INVALID : notify(u, m[0], m[1]);
    case KEEL_VMM_HC_IDLE:
        return vmm_idle(u, words ? m[0] : 0, n);
    case KEEL_VMM_HC_IRQ_ENABLE:
        if (words < 1)
            return KEEL_E_INVALID;
        enabled = m[0];
        m[0] = pending;
        *n = 1;
        return KEEL_OK;
    default:
        return KEEL_E_NOSYS;
    }
}

/* ---- setup and report ---- */

void virtio_init(struct keel_utcb *u, uint32_t input_channel)
{
    const uint64_t v1 = 1ull << KEEL_VIRTIO_F_VERSION_1 | 1ull << KEEL_VIRTIO_F_INDIRECT_DESC |
                        1ull << KEEL_VIRTIO_F_EVENT_IDX;
    uint64_t sectors;
    /* A device exists where its server answers (its slot may be empty). */
    if (!keel_client_call(u, KEEL_VMM_SLOT_CONSOLE, KEEL_CONSOLE_INFO, 0, 0,
                          KEEL_TIMEOUT_NEVER)) {
        bool has_input = input_channel && u->mr[1] != KEEL_CONSOLE_NO_INPUT;
        channel = input_channel;
        dev[KEEL_VMM_DEV_CONSOLE] = (struct device){ KEEL_VIRTIO_ID_CONSOLE, v1, has_input,
                                                     QUEUES, KEEL_VMM_SLOT_CONSOLE, { { 0 } } };
        uint32_t e;
        if (has_input && (e = start_input(u)))
            keel_printf("vmm: no console input thread: error %u\n", e);
    }
    if (!keel_block_info(u, KEEL_VMM_SLOT_BLOCK, &sectors))
        dev[KEEL_VMM_DEV_BLOCK] = (struct device){ KEEL_VIRTIO_ID_BLOCK,
                                                   v1, sectors, 1,
                                                   KEEL_VMM_SLOT_BLOCK, { { 0 } } };
}

void virtio_report(struct keel_utcb *u)
{
    if (dev[KEEL_VMM_DEV_CONSOLE].id) {
        uintptr_t uart_irqs = 0;
        if (!keel_client_call(u, KEEL_VMM_SLOT_CONSOLE, KEEL_CONSOLE_INFO, 0, 0,
                              KEEL_TIMEOUT_NEVER))
            uart_irqs = u->mr[2];
        keel_printf("vmm: virtio console: %lu bytes printed in %lu requests to the console "
                    "server; %lu bytes of input in %lu messages (the console server took %lu "
                    "UART receive interrupts)\n", (unsigned long)stats.out_bytes,
                    (unsigned long)stats.out_requests, (unsigned long)stats.in_bytes,
                    (unsigned long)stats.in_messages, (unsigned long)uart_irqs);
    }
    if (dev[KEEL_VMM_DEV_BLOCK].id)
        keel_printf("vmm: virtio block: %lu sectors read from the block server, %lu written "
                    "to it\n", (unsigned long)stats.sectors, (unsigned long)stats.written);
    keel_printf("vmm: %lu virtual device interrupts raised, %lu malformed queues stopped\n",
                (unsigned long)stats.irqs, (unsigned long)stats.refused);
    keel_printf("vmm: virtio: %lu kicks taken, %lu indirect tables read, %lu interrupts "
                "suppressed by the driver's used_event\n", (unsigned long)stats.kicks,
                (unsigned long)stats.indirect, (unsigned long)stats.quiet);
}
