/**
 * @file keel/block.h
 * @brief The block server's protocol and client stubs: a read-only disk of
 *        512-byte sectors, served by IPC.
 *
 * The block server (`sdk/servers/block`, program `block`) serves the disk
 * image its line of the system description names as its file (`block daemon
 * serves=block file=disk`): the root task maps that file of the boot image
 * read-only into it (keel/system.h, KEEL_FILE_BASE).  One request reads one
 * sector, whose 512 bytes fill a message's 64 words on a 64-bit machine.
 * The VMM's virtual block device is its client (keel/vmm/virtio.h).
 */
#pragma once

#include <keel/server.h>

/** Bytes of a sector. */
#define KEEL_BLOCK_SECTOR 512u

/** Operations of the block server (request labels). */
enum keel_block_op {
    KEEL_BLOCK_INFO = 1,    /**< answer: mr0 = sectors (the last one padded with zeros),
                                 mr1 = bytes of the image */
    KEEL_BLOCK_READ = 2,    /**< mr0 = sector: answer its KEEL_BLOCK_SECTOR bytes from mr0 on.
                                 KEEL_E_INVALID beyond the disk */
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
