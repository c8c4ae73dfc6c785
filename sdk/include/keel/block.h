/**
 * @file keel/block.h
 * @brief The block server's protocol and client stubs: a disk of 512-byte
 *        sectors, served by IPC.
 *
 * The block server (`sdk/servers/block`, program `block`) serves the disk
 * image its line of the system description names as its file (`block daemon
 * serves=block file=disk`): the root task maps that file of the boot image
 * read-only into it (keel/system.h, KEEL_FILE_BASE).  One request reads one
 * sector, whose 512 bytes fill a message's 64 words on a 64-bit machine.
 * Writes go to an overlay in the server's own memory (the boot image stays
 * as it was): a written sector reads back as written until the server
 * ends; the overlay holds KEEL_BLOCK_OVERLAY sectors.  A write carries half
 * a sector (KEEL_BLOCK_WRITE_CHUNK bytes), since a whole one and its
 * number do not fit a message.  The VMM's virtual block device is its
 * client (keel/vmm/virtio.h).
 */
#pragma once

#include <keel/server.h>

/** Bytes of a sector. */
#define KEEL_BLOCK_SECTOR 512u
/** Bytes of a sector one KEEL_BLOCK_WRITE carries (half of one). */
#define KEEL_BLOCK_WRITE_CHUNK 256u
/** Distinct sectors the server's overlay holds: writes to more are refused
 * (KEEL_S_FULL). */
#define KEEL_BLOCK_OVERLAY 64u

/** Operations of the block server (request labels). */
enum keel_block_op {
    KEEL_BLOCK_INFO = 1,    /**< answer: mr0 = sectors (the last one padded with zeros),
                                 mr1 = bytes of the image */
    KEEL_BLOCK_READ = 2,    /**< mr0 = sector: answer its KEEL_BLOCK_SECTOR bytes from mr0 on.
                                 KEEL_E_INVALID beyond the disk */
    KEEL_BLOCK_WRITE = 3,   /**< mr0 = sector, mr1 = byte offset in it (0 or
                                 KEEL_BLOCK_WRITE_CHUNK), KEEL_BLOCK_WRITE_CHUNK bytes from
                                 mr2 on. KEEL_E_INVALID beyond the disk or at another offset,
                                 KEEL_S_FULL when the overlay has no room for a new sector */
};

/** Sectors of the disk at cap into *sectors; 0 or the error. */
static inline uint32_t keel_block_info(struct keel_utcb *u, uint32_t cap, uint64_t *sectors)
{
    uint32_t e = keel_client_call(u, cap, KEEL_BLOCK_INFO, 0, 0, KEEL_TIMEOUT_NEVER);
    if (!e)
        *sectors = u->mr[0];
    return e;
}

/** Read sector of the disk at cap into buf (KEEL_BLOCK_SECTOR bytes); 0 or
 * the error. */
static inline uint32_t keel_block_read(struct keel_utcb *u, uint32_t cap, uint64_t sector,
                                       void *buf)
{
    u->mr[0] = (uintptr_t)sector;
    uint32_t e = keel_client_call(u, cap, KEEL_BLOCK_READ, 1, 0, KEEL_TIMEOUT_NEVER);
    if (e)
        return e;
    const char *from = (const char *)&u->mr[0];
    char *to = buf;
    for (uint32_t i = 0; i < KEEL_BLOCK_SECTOR; i++)
        to[i] = from[i];
    return KEEL_OK;
}

/** Write sector of the disk at cap from buf (KEEL_BLOCK_SECTOR bytes, in two
 * requests); 0 or the first error. */
static inline uint32_t keel_block_write(struct keel_utcb *u, uint32_t cap, uint64_t sector,
                                        const void *buf)
{
    _Static_assert(2 + KEEL_BLOCK_WRITE_CHUNK / sizeof(uintptr_t) <= KEEL_MSG_WORDS,
                   "half a sector and its address fit a message");
    const char *from = buf;
    for (uint32_t off = 0; off < KEEL_BLOCK_SECTOR; off += KEEL_BLOCK_WRITE_CHUNK) {
        u->mr[0] = (uintptr_t)sector;
        u->mr[1] = off;
        char *to = (char *)&u->mr[2];
        for (uint32_t i = 0; i < KEEL_BLOCK_WRITE_CHUNK; i++)
            to[i] = from[off + i];
        uint32_t e = keel_client_call(u, cap, KEEL_BLOCK_WRITE,
                                      2 + KEEL_BLOCK_WRITE_CHUNK / sizeof(uintptr_t), 0,
                                      KEEL_TIMEOUT_NEVER);
        if (e)
            return e;
    }
    return KEEL_OK;
}
