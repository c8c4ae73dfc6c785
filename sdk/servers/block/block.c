/*
 * The block server (keel/block.h): a read-only disk of 512-byte sectors,
 * the file of the boot image its line names (`file=NAME`), which the root
 * task maps into it at KEEL_FILE_BASE page by page as it is touched.  One
 * request reads one sector; the VMM's virtual block device is its client.
 */
#include <keel/block.h>
#include <keel/system.h>

_Static_assert(KEEL_BLOCK_SECTOR == KEEL_MSG_WORDS * sizeof(uintptr_t),
               "a sector fills one message");

static const volatile struct keel_file *const file = (const volatile struct keel_file *)
    KEEL_FILE_BASE;

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

static uint32_t do_read(struct keel_request *rq, void *ctx)
{
    uint64_t s = rq->u->mr[0];
    if (s >= sectors())
        return KEEL_E_INVALID;
    /* The file's pages are zero-padded: the last sector reads whole. */
    const uintptr_t *from = (const uintptr_t *)(KEEL_FILE_DATA + s * KEEL_BLOCK_SECTOR);
    for (uint32_t w = 0; w < KEEL_MSG_WORDS; w++)
        rq->u->mr[w] = from[w];
    rq->reply_words = KEEL_MSG_WORDS;
    return KEEL_OK;
}

static const struct keel_op ops[] = {
    { KEEL_BLOCK_INFO, 0, do_info },
    { KEEL_BLOCK_READ, 1, do_read },
};

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    keel_printf("block: serving \"%s\": %lu sectors of %u bytes\n", (const char *)file->name,
                (unsigned long)sectors(), KEEL_BLOCK_SECTOR);
    keel_serve(u, KEEL_CAP_OPEN, ops, sizeof(ops) / sizeof(ops[0]), NULL);
}
