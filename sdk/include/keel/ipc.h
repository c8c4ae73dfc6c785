/**
 * @file keel/ipc.h
 * @brief The IPC primitive: one system call that sends, receives, calls,
 *        replies and signals, and the message layout it moves.
 *
 * Register words of KEEL_SYS_IPC (see keel/syscall.h for the registers):
 * | word | in | out |
 * |---|---|---|
 * | 0 | message tag | tag of the received message (error in KEEL_TAG_ERROR) |
 * | 1 | capability slot to send to | - |
 * | 2 | capability slot to receive from, or KEEL_CAP_OPEN | badge of the gate capability the sender used, else the label of the gate or notification the message came through |
 * | 3 | operation flags and timeouts | - |
 * | 4-7 | message words 0-3 | message words 0-3 |
 *
 * Message words 4-63 travel in the thread's UTCB (struct keel_utcb).  The
 * encodings of the tag and of word 3 are keel/abi.h.
 *
 * A receiver may rely on message words below the received tag's length
 * (KEEL_TAG_WORDS) only.  Past it they are undefined: the kernel leaves
 * them as the receiver had them (its own values from before the system
 * call, in registers and UTCB alike), never another thread's data.
 */
#pragma once

#include <stdint.h>
#include <keel/abi.h>
#include <keel/syscall.h>

/** Most untyped words one message carries. */
#define KEEL_MSG_WORDS 64
/** Message words that travel in registers. */
#define KEEL_MSG_REG_WORDS 4
/** Most typed items (capabilities, map and grant items) one message carries. */
#define KEEL_MSG_ITEMS 4
/** Receive from any gate bound to the calling thread. */
#define KEEL_CAP_OPEN 0xffffffffu

/** Kind of a typed item (struct keel_item, field type). */
enum keel_item_type {
    KEEL_ITEM_CAP = 0,      /**< copy a capability (slot, rights) */
    KEEL_ITEM_MAP = 1,      /**< map a region of the sender's memory; the sender keeps it */
    KEEL_ITEM_GRANT = 2,    /**< move a region of received memory: the sender loses it */
};

/** Smallest region of a map or grant item: log2 of the page size. */
#define KEEL_MAP_ORDER_MIN 12
/** Largest region of a map or grant item (1 GiB: the largest leaf of every
 * port's page tables). */
#define KEEL_MAP_ORDER_MAX 30

/**
 * A typed item.  A capability item (KEEL_ITEM_CAP) copies the capability in
 * the sender's slot with at most rights; out, slot is the receiver's new
 * slot.  A map or grant item names the region [base, base + 2^order) of the
 * sender's address space (base aligned to its size) and the KEEL_MAP_*
 * rights the receiver gets, ANDed with the sender's on each page; out, base
 * and order say where the region landed in the receiver (docs/abi.md).
 */
struct keel_item {
    uint32_t slot;      /**< capability: in, the sender's slot; out, the receiver's new slot */
    uint32_t rights;    /**< capability: rights the copy keeps (keel/kobj.h); memory: KEEL_MAP_* */
    uint32_t type;      /**< enum keel_item_type */
    uint32_t order;     /**< memory: log2 of the region's size, KEEL_MAP_ORDER_MIN..MAX */
    uintptr_t base;     /**< memory: in, the sender's region; out, where it landed */
};

/** The per-thread message area, mapped into the thread's task. */
struct keel_utcb {
    uintptr_t mr[KEEL_MSG_WORDS];           /**< message words (0-3 also in registers) */
    struct keel_item item[KEEL_MSG_ITEMS];  /**< typed items sent or received */
    uint32_t accept_items;                  /**< how many items a receive accepts */
    uint32_t window_order;                  /**< receive window for memory: log2 size (0: none, refuse) */
    uintptr_t window_base;                  /**< receive window: base, aligned to its size */
    uintptr_t user[8];                      /**< free for the runtime */
};

/** Result of an IPC: the tag and the label it came through. */
struct keel_ipc_result {
    uint64_t tag;       /**< received tag, or an error tag */
    uint64_t label;     /**< badge of the sender's gate capability, else the label of the gate or notification (receive phase) */
};

/**
 * The IPC system call.  Words 0-3 of the message go from u->mr[] to the
 * registers and back; words 4-63 are read and written in *u by the kernel.
 * Of a received message, u->mr[i] is defined for i < KEEL_TAG_WORDS(tag)
 * only; past that, u->mr[i] keeps this thread's own value from before the
 * call.
 */
static inline struct keel_ipc_result keel_ipc(struct keel_utcb *u, uint64_t tag,
                                              uint32_t send_cap, uint32_t recv_cap,
                                              uint64_t opts)
{
    struct keel_words k = { { tag, send_cap, recv_cap, opts, u->mr[0], u->mr[1],
                              u->mr[2], u->mr[3] } };
    keel_syscall(KEEL_SYS_IPC, &k);
    u->mr[0] = k.w[4], u->mr[1] = k.w[5], u->mr[2] = k.w[6], u->mr[3] = k.w[7];
    struct keel_ipc_result r = { k.w[0], k.w[2] };
    return r;
}

/** Send tag (and its words in *u) to gate or notification cap. */
static inline struct keel_ipc_result keel_send(struct keel_utcb *u, uint32_t cap, uint64_t tag,
                                               uint32_t timeout_us)
{
    return keel_ipc(u, tag, cap, 0, KEEL_IPC_OPTS(KEEL_IPC_SEND, timeout_us, 0));
}

/** Receive from cap (or KEEL_CAP_OPEN) into *u. */
static inline struct keel_ipc_result keel_recv(struct keel_utcb *u, uint32_t cap,
                                               uint32_t timeout_us)
{
    return keel_ipc(u, 0, 0, cap, KEEL_IPC_OPTS(KEEL_IPC_RECV, 0, timeout_us));
}

/** Send to cap and wait for its reply (with an implicit one-shot reply right). */
static inline struct keel_ipc_result keel_call(struct keel_utcb *u, uint32_t cap, uint64_t tag,
                                               uint32_t timeout_us)
{
    return keel_ipc(u, tag, cap, 0,
                    KEEL_IPC_OPTS(KEEL_IPC_CALL, timeout_us, timeout_us));
}

/** Reply to the last caller, then wait for the next message on cap. */
static inline struct keel_ipc_result keel_reply_wait(struct keel_utcb *u, uint64_t tag,
                                                     uint32_t cap, uint32_t timeout_us)
{
    return keel_ipc(u, tag, 0, cap,
                    KEEL_IPC_OPTS(KEEL_IPC_REPLY | KEEL_IPC_RECV, KEEL_TIMEOUT_ZERO, timeout_us));
}

/**
 * Answer the call whose reply capability is at reply_cap (made with
 * KEEL_THREAD_SAVE_REPLY), with tag and its words in *u; the capability is
 * used up.  KEEL_E_PARTNER if that caller no longer waits for this answer
 * (it timed out or died, even if it has called again since).
 */
static inline struct keel_ipc_result keel_reply_cap(struct keel_utcb *u, uint32_t reply_cap,
                                                    uint64_t tag)
{
    return keel_send(u, reply_cap, tag, KEEL_TIMEOUT_ZERO);
}

/** Set bits on notification cap. */
static inline uint32_t keel_signal(struct keel_utcb *u, uint32_t cap, uintptr_t bits)
{
    u->mr[0] = bits;
    return KEEL_TAG_ERROR(keel_send(u, cap, KEEL_TAG(0, 1, 0), KEEL_TIMEOUT_ZERO).tag);
}

/** Wait for bits on notification cap; they are returned in u->mr[0] and cleared. */
static inline struct keel_ipc_result keel_wait(struct keel_utcb *u, uint32_t cap,
                                               uint32_t timeout_us)
{
    return keel_recv(u, cap, timeout_us);
}
