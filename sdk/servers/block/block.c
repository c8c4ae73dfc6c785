/*
 * The block server (keel/block.h): a disk of 512-byte sectors, the file
 * of the boot image its line names (`file=NAME`), which the root task maps
 * read-only into it at KEEL_FILE_BASE page by page as it is touched.  One
 * request reads one sector; writes go to an overlay of written sectors in
 * our own memory, which reads then prefer (the boot image's file cannot be
 * written, and a copy of a whole disk would cost its size up front).  The
 * VMM's virtual block device is its client.
 */
#include <keel/block.h>
#include <keel/system.h>

_Static_assert(KEEL_BLOCK_SECTOR == KEEL_MSG_WORDS * sizeof(uintptr_t),
               "a sector fills one message");

static const volatile struct keel_file *const file = (const volatile struct keel_file *)
    KEEL_FILE_BASE;

/* Sectors written so far: the first `used` entries, in the order written. */
static struct {
    uint64_t sector;
    uintptr_t data[KEEL_BLOCK_SECTOR / sizeof(uintptr_t)];
} overlay[KEEL_BLOCK_OVERLAY];
static uint32_t used;

static uint64_t sectors(void)
{
    return (file->size + KEEL_BLOCK_SECTOR - 1) / KEEL_BLOCK_SECTOR;
}

static uint32_t do_info(struct keel_request *rq, void *ctx)
{
    rq->u->mr[0] = sectors();
    rq->u->mr[1] = file->size;
    rq->reply_words = 2;
    return KEEL_OK;
}

/* Sector s's overlay entry, or NULL if it was never written. */
static uintptr_t *written(uint64_t s)
{
    for (uint32_t i = 0; i < used; i++)
        if (overlay[i].sector == s)
            return overlay[i].data;
    return NULL;
}

static uint32_t do_read(struct keel_request *rq, void *ctx)
{
    uint64_t s = rq->u->mr[0];
    if (s >= sectors())
        return KEEL_E_INVALID;
    /* The file's pages are zero-padded: the last sector reads whole. */
    const uintptr_t *from = written(s);
    if (!from)
        from = (const uintptr_t *)(KEEL_FILE_DATA + s * KEEL_BLOCK_SECTOR);
    for (uint32_t w = 0; w < KEEL_MSG_WORDS; w++)
        rq->u->mr[w] = from[w];
    rq->reply_words = KEEL_MSG_WORDS;
    return KEEL_OK;
}

#define CHUNK_WORDS (KEEL_BLOCK_WRITE_CHUNK / sizeof(uintptr_t))

static uint32_t do_write(struct keel_request *rq, void *ctx)
{
    uint64_t s = rq->u->mr[0];
    uintptr_t off = rq->u->mr[1];
    if (s >= sectors() || off % KEEL_BLOCK_WRITE_CHUNK || off >= KEEL_BLOCK_SECTOR)
        return KEEL_E_INVALID;
    uintptr_t *to = written(s);
    if (!to) {
        if (used == KEEL_BLOCK_OVERLAY)
            return KEEL_S_FULL;
        /* A new entry starts as the image's sector: the other half stays. */
        const uintptr_t *from = (const uintptr_t *)(KEEL_FILE_DATA + s * KEEL_BLOCK_SECTOR);
        overlay[used].sector = s;
        to = overlay[used++].data;
        for (uint32_t w = 0; w < KEEL_BLOCK_SECTOR / sizeof(uintptr_t); w++)
            to[w] = from[w];
    }
    for (uint32_t w = 0; w < CHUNK_WORDS; w++)
        to[off / sizeof(uintptr_t) + w] = rq->u->mr[2 + w];
    return KEEL_OK;
}

static const struct keel_op ops[] = {
    { KEEL_BLOCK_INFO, 0, do_info },
    { KEEL_BLOCK_READ, 1, do_read },
    { KEEL_BLOCK_WRITE, 2 + CHUNK_WORDS, do_write },
};

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    keel_printf("block: serving \"%s\": %lu sectors of %u bytes\n", (const char *)file->name,
                (unsigned long)sectors(), KEEL_BLOCK_SECTOR);
    keel_serve(u, KEEL_CAP_OPEN, ops, sizeof(ops) / sizeof(ops[0]), NULL);
}
