/* The guest kernel's virtio driver: a console and a block device, each
 * with split virtqueues in guest-physical pages (keel/vmm/virtio.h), kicked
 * by hypercall, completing by virtual interrupt.  On them: its processes'
 * output and console input, a read-only file system on the disk (open,
 * read) and the disk's spare sectors, read and written whole.  A process
 * that reads or writes waits, and the others run, until the device's
 * interrupt completes its request.  Where the device offers them, the
 * driver takes indirect descriptors (a block request is one descriptor
 * pointing to a table of three) and event indexes (used_event asks for
 * the interrupts it needs; avail_event spares kicks the device does not). */
#include <keel/keel.h>
#include "virtio.h"

#define TX_SLOTS 8              /* output buffers of 512 bytes, one page */
#define TX_SLOT 512u
#define RX_BUFS 4               /* input buffers of 256 bytes */
#define RX_BUF 256u
#define BLK_QSIZE 32            /* a request per process (3 descriptors each) */
#define CON_QSIZE 16
#define INPUT 512               /* input the kernel holds for readers */
#define MAX_PROCS KEEL_VMM_CONTEXTS

struct vq {
    uint32_t dev, index;
    uint16_t size, avail_idx, used_seen, kicked;  /* kicked: avail_idx at the last kick */
    bool event_idx;
    volatile struct keel_virtq_desc *desc;
    volatile struct keel_virtq_avail *avail;
    volatile struct keel_virtq_used *used;
};

enum wait { NONE, CONSOLE, FILE, SECTOR_IN, SECTOR_OUT };

static struct keel_utcb *U;
static struct vq rxq, txq, blkq;
static bool console, has_input, block, indirect;
static uint64_t sectors, features[KEEL_VIRTIO_DEVICES];
static uint32_t kicks_spared;           /* kicks avail_event said were not needed */
static uintptr_t misc_pa, tx_pa;        /* rx buffers and block request headers; tx */
static bool tx_busy[TX_SLOTS];
static char input[INPUT];
static uint32_t in_head, in_tail, input_irqs;
static struct disk_dir dir;
static bool dir_done;
static struct {
    enum wait wait;
    struct keel_vmm_syspage *page;
    uintptr_t max, skip;                /* bytes wanted; where they start in the bounce page */
    uint32_t fd;
    uintptr_t bounce;                   /* guest-physical page for its disk reads */
    uint32_t offset[15];                /* of each file it read */
} procs[MAX_PROCS + 1];

static void fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint32_t hc(uint32_t op, uint32_t words)
{
    return keel_vmm_hypercall(U, op, words);
}

/* ---- queues ---- */

/* Place queue index of device dev at guest-physical pa (desc, avail,
 * used in one 1 KiB or 2 KiB area), accepting the features feat. */
static bool place_with(struct vq *q, uint32_t dev, uint32_t index, uint16_t size, uintptr_t pa,
                       uint64_t feat)
{
    uintptr_t avail = pa + KEEL_VIRTQ_DESC_BYTES(size);
    uintptr_t used = (avail + KEEL_VIRTQ_AVAIL_BYTES(size) + 3) & ~(uintptr_t)3;
    *q = (struct vq){ dev, index, size, 0, 0, 0, (feat >> KEEL_VIRTIO_F_EVENT_IDX) & 1,
                      phys(pa), phys(avail), phys(used) };
    q->avail->flags = 0;
    q->avail->idx = 0;
    KEEL_VIRTQ_USED_EVENT(q->avail, size) = 0;
    uintptr_t *m = U->mr;
    m[0] = dev, m[1] = index, m[2] = size, m[3] = pa, m[4] = avail, m[5] = used;
    m[6] = feat;
    return !hc(KEEL_VMM_HC_VIRTIO_QUEUE, 7);
}

/* The features we take of what device dev offers. */
static uint64_t ours(uint32_t dev)
{
    return features[dev] & (1ull << KEEL_VIRTIO_F_VERSION_1 |
                            1ull << KEEL_VIRTIO_F_INDIRECT_DESC | 1ull << KEEL_VIRTIO_F_EVENT_IDX);
}

static bool place(struct vq *q, uint32_t dev, uint32_t index, uint16_t size, uintptr_t pa)
{
    return place_with(q, dev, index, size, pa, ours(dev));
}

static void offer(struct vq *q, uint16_t head)
{
    q->avail->ring[q->avail_idx % q->size] = head;
    fence();                    /* the entry before the index */
    q->avail->idx = ++q->avail_idx;
}

static void kick(struct vq *q)
{
    if (q->event_idx) {
        /* Only if our new entries pass the device's avail_event (section
         * 2.7.10): read after the index we published. */
        fence();
        uint16_t event = *keel_virtq_avail_event(q->used, q->size), old = q->kicked;
        q->kicked = q->avail_idx;
        if (!keel_virtq_need_event(event, q->avail_idx, old)) {
            kicks_spared++;
            return;
        }
    }
    q->kicked = q->avail_idx;
    U->mr[0] = q->dev, U->mr[1] = q->index;
    uint32_t e = hc(KEEL_VMM_HC_VIRTIO_NOTIFY, 2);
    if (e)
        kprintf("virtio device %u queue %u refused the kick: error %u\n", q->dev,
                q->index, e);
}

/* The next used buffer of q: its head and length; false if none.  With
 * event indexes, used_event then asks for an interrupt at the next one
 * (the transmit queue moves it further: it reclaims without one). */
static bool used(struct vq *q, uint32_t *id, uint32_t *len)
{
    if (q->event_idx) {
        KEEL_VIRTQ_USED_EVENT(q->avail, q->size) = q->used_seen;
        fence();                /* used_event before we look at the index again */
    }
    if (q->used_seen == q->used->idx)
        return false;
    fence();
    *id = q->used->ring[q->used_seen % q->size].id;
    *len = q->used->ring[q->used_seen % q->size].len;
    q->used_seen++;
    return true;
}

static void set_desc(struct vq *q, uint32_t i, uintptr_t pa, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    q->desc[i].addr = pa;
    q->desc[i].len = len;
    q->desc[i].flags = flags;
    q->desc[i].next = next;
}

/* ---- the console ---- */

static void tx_reclaim(void)
{
    uint32_t id, len;
    while (used(&txq, &id, &len))
        if (id < TX_SLOTS)
            tx_busy[id] = false;
    /* Each write reclaims what the last printed: an interrupt only if all
     * slots were used and are still unclaimed. */
    if (txq.event_idx)
        KEEL_VIRTQ_USED_EVENT(txq.avail, txq.size) = (uint16_t)(txq.used_seen + TX_SLOTS);
}

void guest_console_write(const char *s, uintptr_t n)
{
    if (!console) {
        kwrite(s, n);
        return;
    }
    tx_reclaim();
    bool offered = false;
    for (uint32_t k = 0; k < TX_SLOTS && n; k++) {
        if (tx_busy[k])
            continue;
        uint32_t len = n < TX_SLOT ? (uint32_t)n : TX_SLOT;
        char *to = phys(tx_pa + k * TX_SLOT);
        for (uint32_t c = 0; c < len; c++)
            to[c] = s[c];
        set_desc(&txq, k, tx_pa + k * TX_SLOT, len, 0, 0);
        tx_busy[k] = true;
        offer(&txq, (uint16_t)k);
        offered = true;
        s += len;
        n -= len;
    }
    if (offered)
        kick(&txq);
}

/* Answer the processes waiting for console input, lowest first. */
static void serve_readers(void)
{
    for (uint32_t i = 1; i <= MAX_PROCS && in_tail != in_head; i++) {
        if (procs[i].wait != CONSOLE)
            continue;
        uintptr_t n = 0;
        while (n < procs[i].max && in_tail != in_head)
            procs[i].page->data[n++] = input[in_tail++ % INPUT];
        procs[i].page->ret = (intptr_t)n;
        procs[i].wait = NONE;
    }
}

static void rx_used(void)
{
    uint32_t id, len;
    bool got = false;
    while (used(&rxq, &id, &len)) {
        if (id >= RX_BUFS)
            continue;
        const char *from = phys(misc_pa + id * RX_BUF);
        for (uint32_t c = 0; c < len && c < RX_BUF && in_head - in_tail < INPUT; c++)
            input[in_head++ % INPUT] = from[c];
        offer(&rxq, (uint16_t)id);      /* the buffer goes back to the device */
        got = true;
    }
    if (got) {
        input_irqs++;
        kick(&rxq);
        serve_readers();
    }
}

/* ---- the block device ---- */

/* Process r's request (0: the kernel's): nsect sectors from sector into
 * guest-physical pa (type KEEL_VIRTIO_BLK_T_IN), or from pa to sector
 * (KEEL_VIRTIO_BLK_T_OUT).  Its header and status live in the misc page,
 * and so does its indirect table if the device takes them: then the
 * queue's descriptor r * 3 points to the table, else it heads the chain. */
static void block_request(uint32_t r, uint32_t type, uint64_t sector, uintptr_t pa,
                          uint32_t nsect)
{
    uintptr_t hdr = misc_pa + 2048 + r * 32, table = misc_pa + 3072 + r * 48;
    struct keel_virtio_blk_req *rq = phys(hdr);
    rq->type = type, rq->reserved = 0, rq->sector = sector;
    *(volatile uint8_t *)phys(hdr + 16) = 0xff;
    uint16_t d = (uint16_t)(r * 3), first = indirect ? 0 : d;
    struct vq t = { .desc = phys(table) };
    struct vq *q = indirect ? &t : &blkq;
    uint16_t data = type == KEEL_VIRTIO_BLK_T_IN ? KEEL_VIRTQ_DESC_F_WRITE : 0;
    set_desc(q, first, hdr, sizeof(*rq), KEEL_VIRTQ_DESC_F_NEXT, first + 1u);
    set_desc(q, first + 1u, pa, nsect * KEEL_VIRTIO_SECTOR, data | KEEL_VIRTQ_DESC_F_NEXT,
             first + 2u);
    set_desc(q, first + 2u, hdr + 16, 1, KEEL_VIRTQ_DESC_F_WRITE, 0);
    if (indirect)
        set_desc(&blkq, d, table, 3 * sizeof(struct keel_virtq_desc),
                 KEEL_VIRTQ_DESC_F_INDIRECT, 0);
    offer(&blkq, d);
    kick(&blkq);
}

static void block_read(uint32_t r, uint64_t sector, uintptr_t pa, uint32_t nsect)
{
    block_request(r, KEEL_VIRTIO_BLK_T_IN, sector, pa, nsect);
}

static void block_used(void)
{
    uint32_t id, len;
    while (used(&blkq, &id, &len)) {
        uint32_t r = id / 3;
        if (r > MAX_PROCS)
            continue;
        bool ok = *(volatile uint8_t *)phys(misc_pa + 2048 + r * 32 + 16) ==
                  KEEL_VIRTIO_BLK_S_OK;
        if (r == 0) {
            dir_done = true;
            if (!ok)
                dir.count = 0;
            continue;
        }
        struct keel_vmm_syspage *p = procs[r].page;
        if (procs[r].wait == SECTOR_IN || procs[r].wait == SECTOR_OUT) {
            const char *from = phys(procs[r].bounce);
            for (uint32_t c = 0; ok && procs[r].wait == SECTOR_IN && c < KEEL_VIRTIO_SECTOR; c++)
                p->data[c] = from[c];
            p->ret = ok ? (intptr_t)KEEL_VIRTIO_SECTOR : -1;
            procs[r].wait = NONE;
            continue;
        }
        if (procs[r].wait != FILE)
            continue;
        const char *from = (const char *)phys(procs[r].bounce) + procs[r].skip;
        for (uintptr_t c = 0; ok && c < procs[r].max; c++)
            p->data[c] = from[c];
        p->ret = ok ? (intptr_t)procs[r].max : -1;
        if (ok)
            procs[r].offset[procs[r].fd - 3] += (uint32_t)procs[r].max;
        procs[r].wait = NONE;
    }
}

void guest_interrupt(uintptr_t lines)
{
    if (lines & (1u << KEEL_VMM_IRQ_CONSOLE)) {
        tx_reclaim();
        rx_used();
    }
    if (lines & (1u << KEEL_VMM_IRQ_BLOCK))
        block_used();
}

void guest_idle(void)
{
    U->mr[0] = GUEST_INPUT_WAIT_US;
    uint32_t e = hc(KEEL_VMM_HC_IDLE, 1);
    if (e) {
        kprintf("idle refused: error %u\n", e);
        return;
    }
    if (U->mr[0] == KEEL_VMM_UP_IRQ) {
        guest_interrupt(U->mr[2]);
        return;
    }
    if (U->mr[0] == KEEL_VMM_UP_VIRQ) {
        guest_peer_interrupt(U->mr[2], U->mr[3]);
        return;
    }
    /* The time ran out: console readers get the end of their input. */
    for (uint32_t i = 1; i <= MAX_PROCS; i++) {
        if (procs[i].wait == CONSOLE) {
            procs[i].page->ret = 0;
            procs[i].wait = NONE;
        }
    }
}

/* ---- setup ---- */

static bool device(uint32_t d, uint32_t want, uint64_t *config)
{
    U->mr[0] = d;
    if (hc(KEEL_VMM_HC_VIRTIO_INFO, 1) || U->mr[0] != want ||
        !(U->mr[1] & (1ull << KEEL_VIRTIO_F_VERSION_1)))
        return false;
    features[d] = U->mr[1];
    *config = U->mr[5];
    return true;
}

/* A chain of one descriptor (addr, len, flags, next) on a block queue
 * placed at scratch with the features feat, whose indirect table at
 * scratch + 3072 holds t[0..nt): whether the kick is refused. */
static bool refused(uintptr_t scratch, uint64_t feat, uint64_t addr, uint32_t len,
                    uint16_t flags, const struct keel_virtq_desc *t, uint32_t nt)
{
    struct vq q;
    if (!place_with(&q, KEEL_VMM_DEV_BLOCK, 0, 16, scratch, feat))
        return false;
    volatile struct keel_virtq_desc *table = phys(scratch + 3072);
    for (uint32_t k = 0; k < nt; k++)
        table[k] = t[k];
    set_desc(&q, 0, addr, len, flags, 0);
    offer(&q, 0);
    U->mr[0] = KEEL_VMM_DEV_BLOCK, U->mr[1] = 0;
    return hc(KEEL_VMM_HC_VIRTIO_NOTIFY, 2) == KEEL_E_INVALID;
}

/* Malformed indirect tables are refused like malformed chains; the count. */
static uint32_t hostile_indirect(uintptr_t scratch, uint32_t *tried)
{
    const uint64_t all = ours(KEEL_VMM_DEV_BLOCK);
    const uint64_t plain = all & ~(1ull << KEEL_VIRTIO_F_INDIRECT_DESC);
    const uint16_t ind = KEEL_VIRTQ_DESC_F_INDIRECT, nx = KEEL_VIRTQ_DESC_F_NEXT;
    uintptr_t t = scratch + 3072, hdr = scratch + 2048;
    const struct keel_virtq_desc ok[2] = { { hdr, 16, nx, 1 },
                                           { hdr + 16, 1, KEEL_VIRTQ_DESC_F_WRITE, 0 } };
    const struct keel_virtq_desc nested[1] = { { t, 32, ind, 0 } };
    const struct keel_virtq_desc loop[2] = { { hdr, 16, nx, 1 }, { hdr, 16, nx, 0 } };
    const struct keel_virtq_desc beyond[2] = { { hdr, 16, nx, 5 }, { hdr, 16, 0, 0 } };
    uint32_t n = 0;
    *tried = 7;
    n += refused(scratch, plain, t, 32, ind, ok, 2);            /* not negotiated */
    n += refused(scratch, all, t, 24, ind, ok, 2);              /* not whole descriptors */
    n += refused(scratch, all, (uintptr_t)1 << 40, 32, ind, ok, 2); /* beyond guest memory */
    n += refused(scratch, all, t, 16, ind, nested, 1);          /* a table in a table */
    n += refused(scratch, all, t, 32, ind | nx, ok, 2);         /* chained on */
    n += refused(scratch, all, t, 32, ind, loop, 2);            /* a loop inside */
    n += refused(scratch, all, t, 32, ind, beyond, 2);          /* next beyond the table */
    return n;
}

/* Malformed queues and chains are refused, and the VM goes on. */
static void hostile(uintptr_t scratch)
{
    static const struct {
        uint32_t op, words;
        uintptr_t w[7];
    } bad[] = {
        { KEEL_VMM_HC_VIRTIO_INFO, 1, { 9 } },                                /* no device 9 */
        { KEEL_VMM_HC_VIRTIO_QUEUE, 7, { 1, 0, 3, 0, 512, 1024, 1ull << 32 } }, /* 3 entries */
        { KEEL_VMM_HC_VIRTIO_QUEUE, 7, { 1, 0, 16, 1 << 30, 0, 0, 1ull << 32 } }, /* beyond RAM */
        { KEEL_VMM_HC_VIRTIO_QUEUE, 7, { 1, 0, 16, 8, 512, 1024, 1ull << 32 } }, /* misaligned */
        { KEEL_VMM_HC_VIRTIO_QUEUE, 7, { 1, 0, 16, 0, 512, 1024, 0 } },       /* not virtio 1 */
        { KEEL_VMM_HC_VIRTIO_QUEUE, 7, { 0, 2, 16, 0, 512, 1024, 1ull << 32 } }, /* no queue 2 */
        { KEEL_VMM_HC_VIRTIO_NOTIFY, 2, { 1, 1 } },                           /* no queue 1 */
        { KEEL_VMM_HC_VIRTIO_QUEUE, 3, { 1, 0, 16 } },                        /* too few words */
    };
    uint32_t n = sizeof(bad) / sizeof(bad[0]), ok = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t w = 0; w < 7; w++)
            U->mr[w] = bad[i].w[w] + (i >= 1 && i <= 5 && w >= 3 && w <= 5 ? scratch : 0);
        if (hc(bad[i].op, bad[i].words) == KEEL_E_INVALID)
            ok++;
    }
    /* A chain whose buffer lies beyond guest memory: the kick is refused and
     * the queue stops until placed again. */
    struct vq q;
    if (place(&q, KEEL_VMM_DEV_BLOCK, 0, 16, scratch)) {
        set_desc(&q, 0, (uintptr_t)1 << 40, 16, 0, 0);
        offer(&q, 0);
        U->mr[0] = KEEL_VMM_DEV_BLOCK, U->mr[1] = 0;
        ok += hc(KEEL_VMM_HC_VIRTIO_NOTIFY, 2) == KEEL_E_INVALID;
        ok += hc(KEEL_VMM_HC_VIRTIO_NOTIFY, 2) == KEEL_E_INVALID;     /* stopped */
    }
    uint32_t tried = 0;
    if (features[KEEL_VMM_DEV_BLOCK] & (1ull << KEEL_VIRTIO_F_INDIRECT_DESC))
        ok += hostile_indirect(scratch, &tried);
    uintptr_t *w = phys(scratch);
    for (uint32_t k = 0; k < 4096 / sizeof(uintptr_t); k++)
        w[k] = 0;
    kprintf("%u of %u malformed virtio requests refused as expected\n", ok, n + 2 + tried);
}

void guest_virtio_setup(struct keel_utcb *u)
{
    U = u;
    uint64_t config;
    uintptr_t qpage = alloc_page();
    misc_pa = alloc_page();
    tx_pa = alloc_page();
    block = device(KEEL_VMM_DEV_BLOCK, KEEL_VIRTIO_ID_BLOCK, &sectors);
    if (block)
        hostile(qpage);
    console = device(KEEL_VMM_DEV_CONSOLE, KEEL_VIRTIO_ID_CONSOLE, &config);
    has_input = console && config;
    if (console && (!place(&rxq, KEEL_VMM_DEV_CONSOLE, KEEL_VIRTIO_CONSOLE_RX, CON_QSIZE, qpage) ||
                    !place(&txq, KEEL_VMM_DEV_CONSOLE, KEEL_VIRTIO_CONSOLE_TX, CON_QSIZE,
                           qpage + 1024)))
        console = has_input = false;
    if (block && !place(&blkq, KEEL_VMM_DEV_BLOCK, 0, BLK_QSIZE, qpage + 2048))
        block = false;
    indirect = block && (ours(KEEL_VMM_DEV_BLOCK) & (1ull << KEEL_VIRTIO_F_INDIRECT_DESC));
    U->mr[0] = (1u << KEEL_VMM_IRQ_CONSOLE) | (1u << KEEL_VMM_IRQ_BLOCK);
    hc(KEEL_VMM_HC_IRQ_ENABLE, 1);
    for (uint32_t k = 0; has_input && k < RX_BUFS; k++) {
        set_desc(&rxq, k, misc_pa + k * RX_BUF, RX_BUF, KEEL_VIRTQ_DESC_F_WRITE, 0);
        offer(&rxq, (uint16_t)k);
    }
    if (has_input)
        kick(&rxq);
    if (block) {                /* the directory, before any process runs */
        uintptr_t page = alloc_page();
        block_read(0, 0, page, 1);
        while (!dir_done)
            guest_idle();
        const struct disk_dir *d = phys(page);
        dir = *d;
        for (uint32_t k = 0; k < 8; k++)
            if (dir.magic[k] != DISK_MAGIC[k])
                dir.count = 0;
        if (dir.count > 15 || dir.spare > sectors)
            dir.count = dir.spare = 0;
    }
    kprintf("virtio: console %s (input: %s), block device %s (%lu sectors, "
            "%u files, %u spare)%s%s\n", console ? "ready" : "absent", has_input ? "yes" : "no",
            block ? "ready" : "absent", (unsigned long)(block ? sectors : 0),
            block ? dir.count : 0, block ? dir.spare : 0,
            indirect ? ", indirect descriptors" : "",
            (ours(KEEL_VMM_DEV_BLOCK) | ours(KEEL_VMM_DEV_CONSOLE)) &
                    (1ull << KEEL_VIRTIO_F_EVENT_IDX) ? ", event indexes" : "");
}

bool guest_has_disk(void)
{
    return block && dir.count;
}



/* ---- system calls ---- */

static bool same_name(const char *a, const volatile char *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return false;
        if (!a[i])
            return true;
    }
    return false;
}

bool guest_syscall(uint32_t i, uintptr_t nr, const uintptr_t *a, struct keel_vmm_syspage *p)
{
    uintptr_t fd = a[0], max = a[1];
    procs[i].page = p;
    p->ret = -1;
    if (nr == SYS_IRQS) {
        p->ret = input_irqs;
    } else if (nr == SYS_KICKS_SPARED) {
        p->ret = kicks_spared;
    } else if ((nr == SYS_SECTOR_READ || nr == SYS_SECTOR_WRITE) && block && fd < dir.spare) {
        if (!procs[i].bounce)
            procs[i].bounce = alloc_page();
        if (procs[i].bounce == KEEL_VMM_NO_PAGE)
            return true;
        char *to = phys(procs[i].bounce);
        for (uint32_t c = 0; nr == SYS_SECTOR_WRITE && c < KEEL_VIRTIO_SECTOR; c++)
            to[c] = p->data[c];
        procs[i].wait = nr == SYS_SECTOR_READ ? SECTOR_IN : SECTOR_OUT;
        block_request(i, nr == SYS_SECTOR_READ ? KEEL_VIRTIO_BLK_T_IN : KEEL_VIRTIO_BLK_T_OUT,
                      sectors - dir.spare + fd, procs[i].bounce, 1);
        return false;           /* until the block device's interrupt */
    } else if (nr == SYS_OPEN) {
        for (uint32_t f = 0; f < dir.count; f++) {
            if (same_name(dir.file[f].name, p->data, sizeof(dir.file[f].name))) {
                procs[i].offset[f] = 0;
                p->ret = 3 + f;
            }
        }
    } else if (nr == SYS_READ && fd == 0) {
        if (!max) {
            p->ret = has_input ? 0 : -2;
            return true;
        }
        if (!has_input || max > GUEST_READ_MAX)
            return true;
        procs[i].wait = CONSOLE;
        procs[i].max = max;
        serve_readers();
        return procs[i].wait == NONE;
    } else if (nr == SYS_READ && fd >= 3 && fd - 3 < dir.count && max <= GUEST_READ_MAX) {
        const struct disk_entry *f = &dir.file[fd - 3];
        uint32_t off = procs[i].offset[fd - 3];
        if (off >= f->size) {
            p->ret = 0;
            return true;
        }
        if (max > f->size - off)
            max = f->size - off;
        if (!procs[i].bounce)
            procs[i].bounce = alloc_page();
        if (!max || procs[i].bounce == KEEL_VMM_NO_PAGE)
            return true;
        uint32_t first = off / KEEL_VIRTIO_SECTOR, last = (off + (uint32_t)max - 1) /
                                                          KEEL_VIRTIO_SECTOR;
        procs[i].wait = FILE;
        procs[i].fd = (uint32_t)fd;
        procs[i].max = max;
        procs[i].skip = off % KEEL_VIRTIO_SECTOR;
        block_read(i, f->first + first, procs[i].bounce, last - first + 1);
        return false;           /* until the block device's interrupt */
    }
    return true;
}

bool guest_blocked(uint32_t i)
{
    return procs[i].wait != NONE;
}

bool guest_waiting(void)
{
    for (uint32_t i = 1; i <= MAX_PROCS; i++)
        if (procs[i].wait != NONE)
            return true;
    return false;
}
