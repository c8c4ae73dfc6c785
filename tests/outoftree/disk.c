/* disk: a component that reads and writes a disk, served by the SDK's
 * block server (keel/block.h) from a file its system packs
 * (`keel-pack --file disk.txt`, disk.desc: `file=disk.txt`). */
#include <keel/keel.h>
#include <keel/block.h>
#include <keel/system.h>
#include <string.h>

#define BLOCK KEEL_SLOT_GIVEN       /* uses=block: the block server's gate */

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    static char sector[KEEL_BLOCK_SECTOR], back[KEEL_BLOCK_SECTOR];
    uint64_t sectors = 0;
    uint32_t e = keel_block_info(u, BLOCK, &sectors);
    if (!e)
        e = keel_block_read(u, BLOCK, 0, sector);
    if (e) {
        keel_printf("disk: the block server answered error %u\n", e);
        return 1;
    }
    char first[64];
    size_t n = strcspn(sector, "\n");
    n = n < sizeof(first) - 1 ? n : sizeof(first) - 1;
    memcpy(first, sector, n);
    first[n] = 0;
    /* The block server keeps written sectors in its memory (the boot
     * image is read-only): a write reads back. */
    memcpy(sector, "rewritten", 9);
    e = keel_block_write(u, BLOCK, 0, sector);
    if (!e)
        e = keel_block_read(u, BLOCK, 0, back);
    bool same = !e && memcmp(sector, back, sizeof(back)) == 0;
    keel_printf("disk: %lu sector(s), sector 0 begins \"%s\"; written and read back: %s\n",
                (unsigned long)sectors, first, same ? "the same" : "NOT the same");
    return strcmp(first, "hello from an out-of-tree disk") == 0 && same ? 0 : 1;
}
