/**
 * @file keel/abi.h
 * @brief The one definition of each ABI encoding: the message tag, the
 *        operation word (flags and timeouts), and error results.
 *
 * The kernel and the SDK both include this header; neither rewrites a
 * shift or a mask of these words anywhere else.  The macros serve constant
 * expressions; the inline functions are the same encodings, typed.
 */
#pragma once

#include <stdint.h>
#include <keel/errors.h>

/** @name Message tag (word 0)
 * Bits 0-6: untyped word count; bits 8-10: typed item count; bits 16-23:
 * error (keel_error) in a result; bits 32-63: label.
 * @{ */
#define KEEL_TAG_WORDS_MASK 0x7fu       /**< untyped words: bits 0-6 */
#define KEEL_TAG_ITEMS_SHIFT 8          /**< typed items: bits 8-10 */
#define KEEL_TAG_ITEMS_MASK 7u          /**< typed items: mask after the shift */
#define KEEL_TAG_ERROR_SHIFT 16         /**< error: bits 16-23 */
#define KEEL_TAG_ERROR_MASK 0xffu       /**< error: mask after the shift */
#define KEEL_TAG_LABEL_SHIFT 32         /**< label: bits 32-63 */
/** Build a tag. */
#define KEEL_TAG(label, words, items)                                           \
    (((uint64_t)(uint32_t)(label) << KEEL_TAG_LABEL_SHIFT) |                    \
     ((uint64_t)(items) & KEEL_TAG_ITEMS_MASK) << KEEL_TAG_ITEMS_SHIFT |        \
     ((uint64_t)(words) & KEEL_TAG_WORDS_MASK))
/** Untyped words of a tag. */
#define KEEL_TAG_WORDS(tag) ((uint32_t)((tag) & KEEL_TAG_WORDS_MASK))
/** Typed items of a tag. */
#define KEEL_TAG_ITEMS(tag) ((uint32_t)(((tag) >> KEEL_TAG_ITEMS_SHIFT) & KEEL_TAG_ITEMS_MASK))
/** Error (enum keel_error) of a result tag; 0 if none. */
#define KEEL_TAG_ERROR(tag) ((uint32_t)(((tag) >> KEEL_TAG_ERROR_SHIFT) & KEEL_TAG_ERROR_MASK))
/** Label of a tag. */
#define KEEL_TAG_LABEL(tag) ((uint32_t)((uint64_t)(tag) >> KEEL_TAG_LABEL_SHIFT))
/** @} */

/** Operation flags (word 3, bits 0-7). */
enum keel_ipc_op {
    KEEL_IPC_SEND = 1 << 0,     /**< send to the capability in word 1 */
    KEEL_IPC_RECV = 1 << 1,     /**< then receive from word 2 */
    KEEL_IPC_CALL = 1 << 2,     /**< send, then wait for the reply only */
    KEEL_IPC_REPLY = 1 << 3,    /**< send phase answers the last caller */
};

/** @name Operation word (word 3): flags in bits 0-7, send timeout in bits
 * 8-35, receive timeout in bits 36-63, each in microseconds.
 * @{ */
#define KEEL_OPTS_OPS_MASK 0xffu        /**< operation flags: bits 0-7 */
#define KEEL_OPTS_SEND_SHIFT 8          /**< send timeout: bits 8-35 */
#define KEEL_OPTS_RECV_SHIFT 36         /**< receive timeout: bits 36-63 */
/** Wait as long as it takes (also the mask of a timeout field). */
#define KEEL_TIMEOUT_NEVER 0x0fffffffu
/** Do not wait at all (poll). */
#define KEEL_TIMEOUT_ZERO 0u
/** Largest relative timeout, in microseconds (about 268 s). */
#define KEEL_TIMEOUT_MAX_US 0x0ffffffeu
/** Word 3 from operation flags and the two timeouts (microseconds). */
#define KEEL_IPC_OPTS(ops, send_to, recv_to)                                    \
    ((uint64_t)(ops) | ((uint64_t)(send_to) & KEEL_TIMEOUT_NEVER) << KEEL_OPTS_SEND_SHIFT | \
     ((uint64_t)(recv_to) & KEEL_TIMEOUT_NEVER) << KEEL_OPTS_RECV_SHIFT)
/** @} */

/** A tag from its label, untyped words and typed items. */
static inline uint64_t keel_tag(uint32_t label, uint32_t words, uint32_t items)
{
    return KEEL_TAG(label, words, items);
}

/** A result tag that carries only error e (enum keel_error). */
static inline uint64_t keel_tag_with_error(uint32_t e)
{
    return (uint64_t)(e & KEEL_TAG_ERROR_MASK) << KEEL_TAG_ERROR_SHIFT;
}

/** Untyped words of tag. */
static inline uint32_t keel_tag_words(uint64_t tag)
{
    return KEEL_TAG_WORDS(tag);
}

/** Typed items of tag. */
static inline uint32_t keel_tag_items(uint64_t tag)
{
    return KEEL_TAG_ITEMS(tag);
}

/** Error (enum keel_error) of a result tag; 0 if none. */
static inline uint32_t keel_tag_error(uint64_t tag)
{
    return KEEL_TAG_ERROR(tag);
}

/** Label of tag. */
static inline uint32_t keel_tag_label(uint64_t tag)
{
    return KEEL_TAG_LABEL(tag);
}

/** Operation flags (enum keel_ipc_op) of operation word opts. */
static inline uint32_t keel_opts_ops(uint64_t opts)
{
    return (uint32_t)(opts & KEEL_OPTS_OPS_MASK);
}

/** Send timeout of operation word opts, in microseconds (or NEVER). */
static inline uint32_t keel_opts_send_timeout(uint64_t opts)
{
    return (uint32_t)(opts >> KEEL_OPTS_SEND_SHIFT) & KEEL_TIMEOUT_NEVER;
}

/** Receive timeout of operation word opts, in microseconds (or NEVER). */
static inline uint32_t keel_opts_recv_timeout(uint64_t opts)
{
    return (uint32_t)(opts >> KEEL_OPTS_RECV_SHIFT) & KEEL_TIMEOUT_NEVER;
}
