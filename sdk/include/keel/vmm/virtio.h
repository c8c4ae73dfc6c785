/**
 * @file keel/vmm/virtio.h
 * @brief The VMM's virtual devices: virtio 1.2 split virtqueues in
 *        guest-physical memory, their hypercalls, and the virtual interrupt
 *        controller that signals their completions (docs/vmm.md).
 *
 * A guest kernel drives each device as a virtio 1.2 driver drives a
 * virtio-mmio device, with hypercalls in place of register accesses:
 *
 *  - KEEL_VMM_HC_VIRTIO_INFO reads what the device registers would say
 *    (device ID, features, queues, its interrupt line, its configuration);
 *  - KEEL_VMM_HC_VIRTIO_QUEUE places a queue: its descriptor table, driver
 *    area (available ring) and device area (used ring) in guest-physical
 *    memory, laid out as the specification's section 2.7 says
 *    (struct keel_virtq_desc, struct keel_virtq_avail, struct keel_virtq_used);
 *  - KEEL_VMM_HC_VIRTIO_NOTIFY is the "kick" (the QueueNotify write): the
 *    VMM takes the new buffers from the available ring, serves them by IPC
 *    to a user-level server (the console server, the block server) and
 *    puts them on the used ring;
 *  - the "used buffer notification" is a virtual interrupt: the VMM raises
 *    the device's line on its virtual interrupt controller, and the guest
 *    kernel hears it from KEEL_VMM_HC_PENDING after the doorbell
 *    (keel/vmm/hypercall.h), or as the upcall KEEL_VMM_UP_IRQ, the answer
 *    to KEEL_VMM_HC_IDLE.
 *
 * Guest-physical addresses are offsets in the VM's memory (keel/vmm/hypercall.h,
 * KEEL_VMM_PHYS_VA).  Every address and length the guest writes in a queue is
 * checked against that memory: a bad one stops the queue (KEEL_E_INVALID
 * from the kick), never the VMM.  Fields are little-endian, as virtio 1.x
 * requires; all four ISAs Keel runs on are little-endian here.
 */
#pragma once

#include <stdint.h>

/** Hypercalls of the virtual devices and the virtual interrupt controller
 * (labels of a call on the VMM's gate, as enum keel_vmm_hypercall). */
enum keel_vmm_virtio_hypercall {
    KEEL_VMM_HC_VIRTIO_INFO = 16,   /**< mr0 = device (0 to KEEL_VIRTIO_DEVICES - 1). Out:
                                         mr0 = virtio device ID (KEEL_VIRTIO_ID_*, 0: none),
                                         mr1 = device features (bits 0-63), mr2 = queues,
                                         mr3 = most entries per queue, mr4 = its interrupt
                                         line, mr5 = its configuration (block: capacity in
                                         512-byte sectors; console: 1 if it has input) */
    KEEL_VMM_HC_VIRTIO_QUEUE = 17,  /**< place queue mr1 of device mr0: mr2 = entries (a
                                         power of 2, at most the device's), mr3, mr4, mr5 =
                                         guest-physical addresses of its descriptor table
                                         (16-byte aligned), available ring (2) and used ring
                                         (4), mr6 = the features the driver accepts (must
                                         hold KEEL_VIRTIO_F_VERSION_1, and only the
                                         device's). Resets the queue's indexes */
    KEEL_VMM_HC_VIRTIO_NOTIFY = 18, /**< the kick: mr0 = device, mr1 = queue. The VMM serves
                                         the new available buffers; their completion comes as
                                         the device's virtual interrupt. KEEL_E_INVALID for a
                                         malformed chain: the queue stops until placed again */
    KEEL_VMM_HC_IDLE = 19,          /**< nothing to run: wait for a virtual interrupt, at most
                                         mr0 microseconds (0: forever). Out: the upcall
                                         KEEL_VMM_UP_IRQ with mr1 = 0, KEEL_VMM_UP_VIRQ with
                                         mr1 = 0 for the peer VM's bits, or
                                         KEEL_VMM_UP_TIMER with mr1 = 0
                                         when the time ran out */
    KEEL_VMM_HC_IRQ_ENABLE = 20,    /**< mr0 = the lines (bit n: line n) the virtual interrupt
                                         controller may deliver; others stay pending. Out:
                                         mr0 = lines pending */
};

/** Upcall (out mr0 of KEEL_VMM_HC_IDLE) of the virtual interrupt
 * controller, beside enum keel_vmm_upcall. */
enum keel_vmm_irq_upcall {
    KEEL_VMM_UP_IRQ = 10,   /**< virtual interrupts: mr2 = the lines raised (bit n: line n),
                                 now no longer pending; mr1 = 0 */
};

/** Virtual devices of every VM (KEEL_VMM_HC_VIRTIO_INFO's device numbers). */
enum keel_vmm_device {
    KEEL_VMM_DEV_CONSOLE = 0,   /**< virtio console, backed by the console server */
    KEEL_VMM_DEV_BLOCK = 1,     /**< virtio block device, backed by the block server */
    KEEL_VIRTIO_DEVICES = 2,    /**< how many */
};

/** The VMM program's slots of the servers behind its devices (its line in
 * the system description: `uses=console@10 uses=block@11`); a device whose
 * server is missing reports device ID 0 (the console then prints through
 * the kernel's debug console). */
enum keel_vmm_backend_slot {
    KEEL_VMM_SLOT_CONSOLE = 10, /**< the console server's gate (keel/console.h) */
    KEEL_VMM_SLOT_BLOCK = 11,   /**< the block server's gate (keel/block.h) */
};

/** Most entries of a VMM virtqueue. */
#define KEEL_VIRTQ_MAX 64

/** virtio device IDs (specification, section 5). */
enum keel_virtio_id {
    KEEL_VIRTIO_ID_BLOCK = 2,   /**< block device */
    KEEL_VIRTIO_ID_CONSOLE = 3, /**< console */
};

/** Feature bit: the device complies with virtio 1.x (section 6). */
#define KEEL_VIRTIO_F_VERSION_1 32
/** Feature bit: descriptors may point to a table of indirect descriptors
 * (KEEL_VIRTQ_DESC_F_INDIRECT, section 2.7.5.3). */
#define KEEL_VIRTIO_F_INDIRECT_DESC 28
/** Feature bit: notifications are suppressed by event indexes: the driver's
 * used_event (after the available ring) and the device's avail_event (after
 * the used ring) replace the rings' flags (section 2.7.7, 2.7.10). */
#define KEEL_VIRTIO_F_EVENT_IDX 29
/** Block feature bit: the device is read-only (section 5.2.3). */
#define KEEL_VIRTIO_BLK_F_RO 5

/** Descriptor flag: the buffer continues in the descriptor `next`. */
#define KEEL_VIRTQ_DESC_F_NEXT 1
/** Descriptor flag: the device writes this buffer (otherwise it reads it). */
#define KEEL_VIRTQ_DESC_F_WRITE 2
/** Descriptor flag: the buffer holds a table of descriptors (len / 16 of them,
 * 16-byte aligned, at most KEEL_VIRTQ_MAX; no further indirect flag inside it,
 * not together with KEEL_VIRTQ_DESC_F_NEXT), with KEEL_VIRTIO_F_INDIRECT_DESC. */
#define KEEL_VIRTQ_DESC_F_INDIRECT 4
/** Available-ring flag: the driver needs no interrupt for used buffers. */
#define KEEL_VIRTQ_AVAIL_F_NO_INTERRUPT 1
/** Used-ring flag: the device needs no notification for available buffers. */
#define KEEL_VIRTQ_USED_F_NO_NOTIFY 1

/** A descriptor: one buffer of guest-physical memory (section 2.7.5). */
struct keel_virtq_desc {
    uint64_t addr;              /**< guest-physical address */
    uint32_t len;               /**< bytes */
    uint16_t flags;             /**< KEEL_VIRTQ_DESC_F_* */
    uint16_t next;              /**< the next descriptor when flags has KEEL_VIRTQ_DESC_F_NEXT */
};

/** The driver area: the available ring (section 2.7.6), followed by
 * used_event (a uint16_t) after ring[queue size]. */
struct keel_virtq_avail {
    uint16_t flags;             /**< KEEL_VIRTQ_AVAIL_F_* */
    uint16_t idx;               /**< where the driver puts its next entry (free-running) */
    uint16_t ring[];            /**< heads of descriptor chains */
};

/** One used buffer (section 2.7.8). */
struct keel_virtq_used_elem {
    uint32_t id;                /**< head of the descriptor chain */
    uint32_t len;               /**< bytes the device wrote into it */
};

/** The device area: the used ring (section 2.7.8), followed by avail_event
 * (a uint16_t) after ring[queue size]. */
struct keel_virtq_used {
    uint16_t flags;             /**< KEEL_VIRTQ_USED_F_* */
    uint16_t idx;               /**< where the device puts its next entry (free-running) */
    struct keel_virtq_used_elem ring[]; /**< used buffers */
};

/** With KEEL_VIRTIO_F_EVENT_IDX: the driver's used_event, after the available
 * ring of a queue of size n (the device interrupts when its used index passes it). */
#define KEEL_VIRTQ_USED_EVENT(avail, n) ((avail)->ring[(n)])

/** Whether moving an index from old to new_idx passes event (section 2.7.10's
 * vring_need_event): a notification is then due. */
static inline int keel_virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/** With KEEL_VIRTIO_F_EVENT_IDX: where the device's avail_event lies, after
 * the used ring of a queue of size n (the driver kicks when its available
 * index passes it). */
static inline volatile uint16_t *keel_virtq_avail_event(volatile struct keel_virtq_used *used,
                                                        uint32_t n)
{
    return (volatile uint16_t *)(void *)((volatile char *)used + 4 + 8 * n);
}

/** Bytes of a queue's descriptor table with n entries. */
#define KEEL_VIRTQ_DESC_BYTES(n) (16u * (n))
/** Bytes of a queue's available ring with n entries (with used_event). */
#define KEEL_VIRTQ_AVAIL_BYTES(n) (6u + 2u * (n))
/** Bytes of a queue's used ring with n entries (with avail_event). */
#define KEEL_VIRTQ_USED_BYTES(n) (6u + 8u * (n))

/** The console's queues (section 5.3.2): receiveq0 and transmitq0. */
enum keel_virtio_console_queue {
    KEEL_VIRTIO_CONSOLE_RX = 0, /**< receiveq0: buffers the device fills with input */
    KEEL_VIRTIO_CONSOLE_TX = 1, /**< transmitq0: buffers the device prints */
};

/** A block device's sector (section 5.2.6): 512 bytes. */
#define KEEL_VIRTIO_SECTOR 512u

/** Request types of the block device (section 5.2.6). */
enum keel_virtio_blk_type {
    KEEL_VIRTIO_BLK_T_IN = 0,   /**< read sectors into the writable buffers */
    KEEL_VIRTIO_BLK_T_OUT = 1,  /**< write sectors from the device-readable buffers (a
                                     read-only device answers IOERR) */
    KEEL_VIRTIO_BLK_T_GET_ID = 8, /**< the device's ID string, 20 bytes */
};

/** Statuses of a block request: its last byte, written by the device. */
enum keel_virtio_blk_status {
    KEEL_VIRTIO_BLK_S_OK = 0,       /**< done */
    KEEL_VIRTIO_BLK_S_IOERR = 1,    /**< failed (beyond the disk, read-only, server error) */
    KEEL_VIRTIO_BLK_S_UNSUPP = 2,   /**< unknown request type */
};

/** The header a block request's first (device-readable) buffer holds; the
 * data buffers follow, then one writable status byte (section 5.2.6). */
struct keel_virtio_blk_req {
    uint32_t type;              /**< enum keel_virtio_blk_type */
    uint32_t reserved;          /**< 0 */
    uint64_t sector;            /**< first 512-byte sector */
};

/** Lines of the VMM's virtual interrupt controller (KEEL_VMM_UP_IRQ, mr2). */
enum keel_vmm_irq_line {
    KEEL_VMM_IRQ_CONSOLE = 0,   /**< the console's used buffers: printed output, and input,
                                     which the UART's receive interrupt brings (docs/vmm.md) */
    KEEL_VMM_IRQ_BLOCK = 1,     /**< the block device's used buffers */
};
