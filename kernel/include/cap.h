/*
 * cap.h - per-task capability tables.
 *
 * A task names kernel objects only through its capability table: user code
 * passes a slot index, the kernel looks it up in O(1) and checks the type and
 * the rights the operation needs.  The table's memory (an array of slots)
 * comes from the caller.
 *
 * Derivation tree.  Every capability made by cap_derive() records its source
 * as its parent, across tables, so that revoking a capability can later find
 * everything derived from it.  Each slot links to its parent, its first child
 * and its previous/next siblings (children of one parent form a doubly linked
 * list).  Capabilities inserted with cap_insert*() are roots (no parent).
 *
 * Deleting a capability keeps the tree valid by re-parenting: its children
 * take its place in its parent's child list (or become roots if it was one).
 * So derivation is transitive: deleting an intermediate copy never lets its
 * descendants escape revocation of an ancestor (as in seL4's mapping
 * database, where deleting a node leaves its subtree under the node's parent).
 */
#pragma once

#include <types.h>

/** Kind of kernel object a capability refers to. */
enum cap_type {
    CAP_NONE = 0,           /**< empty slot */
    CAP_TASK,
    CAP_THREAD,
    CAP_GATE,               /**< IPC endpoint */
    CAP_NOTIFICATION,
    CAP_FACTORY,            /**< creates kernel objects from a memory quota */
    CAP_REPLY,              /**< one-shot right to answer a call */
    CAP_IRQ_CONTROL,        /**< makes IRQ capabilities (irq.c) */
    CAP_IRQ,                /**< one interrupt line (irq.c) */
    CAP_TYPE_COUNT,
    CAP_TYPE_ANY = 0xff,    /**< cap_lookup(): any non-empty slot matches */
};

/** Rights a capability grants on its object (bit set). */
enum cap_rights {
    CAP_RIGHT_SEND = 1 << 0,    /**< send / call / signal */
    CAP_RIGHT_RECV = 1 << 1,    /**< receive / wait */
    CAP_RIGHT_GRANT = 1 << 2,   /**< pass capabilities along with messages */
    CAP_RIGHT_CONTROL = 1 << 3, /**< configure, start, stop, destroy */
    CAP_RIGHTS_ALL = (1 << 4) - 1,
};

/** A capability: what a slot holds. */
struct cap {
    void *object;           /**< the kernel object */
    uint64_t label;         /**< badge delivered with messages sent through it */
    enum cap_type type;     /**< type of *object */
    uint32_t rights;        /**< enum cap_rights bits */
};

struct cap_table;

/** One slot: a capability and its place in the derivation tree.  The links
 * are NULL in an empty slot.  64 bytes on 64-bit machines: one cache line. */
struct cap_slot {
    struct cap cap;
    struct cap_table *table;        /**< the table the slot belongs to */
    struct cap_slot *parent;        /**< capability this one was derived from */
    struct cap_slot *first_child;   /**< most recently derived child */
    struct cap_slot *prev_sibling;  /**< neighbours in parent's child list */
    struct cap_slot *next_sibling;
};

/** A table of size slots. */
struct cap_table {
    struct cap_slot *slots;
    uint32_t size;
    uint32_t used;          /**< non-empty slots */
    uint32_t free_hint;     /**< no slot below this index is free */
};

/** The rights word of an empty slot whose capability was revoked: lookups
 * there answer KERR_REVOKED until the slot is filled again or deleted. */
#define CAP_REVOKED_MARK 0xdeadu

/** Pass as a slot index to let the table pick its lowest free slot. */
#define CAP_SLOT_ANY UINT32_MAX

/** Make t an empty table over slots[0..size). */
void cap_table_init(struct cap_table *t, struct cap_slot *slots, uint32_t size);

/**
 * Fetch the capability in slot index of t, requiring type (or CAP_TYPE_ANY)
 * and every right in rights.  Errors, in this order: KERR_RANGE (no such
 * slot), KERR_NOENT (empty), KERR_REVOKED (empty, its capability revoked),
 * KERR_TYPE (other type), KERR_PERM (a right
 * missing).  out may be NULL when only the check matters.
 */
enum kerr cap_lookup(const struct cap_table *t, uint32_t index, enum cap_type type,
                     uint32_t rights, struct cap *out);

/**
 * Put cap, as a root of derivation, into slot *index of t (or into the lowest
 * free slot if *index is CAP_SLOT_ANY); *index is then the slot used.
 * Errors: KERR_INVAL (no object, bad type or rights), KERR_RANGE,
 * KERR_EXIST (slot occupied), KERR_NOMEM (CAP_SLOT_ANY and the table is full).
 */
enum kerr cap_insert(struct cap_table *t, uint32_t *index, const struct cap *cap);

/**
 * Derive a copy of slot from of src into slot *to of dst (or the lowest free
 * slot if *to is CAP_SLOT_ANY; *to is then the slot used), with rights (a
 * subset of the source's) and label.  The copy becomes a child of the source.
 * Whether a task may relabel is the caller's policy.  Errors: those of
 * cap_lookup() for the source, KERR_PERM if rights is not a subset, then
 * those of cap_insert() for the destination.
 */
enum kerr cap_derive(struct cap_table *src, uint32_t from, struct cap_table *dst,
                     uint32_t *to, uint32_t rights, uint64_t label);

/** cap_derive() keeping the source's label (its badge): a copy, as typed
 * items and KEEL_TASK_GIVE_CAP make. */
enum kerr cap_copy(struct cap_table *src, uint32_t from, struct cap_table *dst,
                   uint32_t *to, uint32_t rights);

/** Empty slot index of t, re-parenting its children (see above); a slot
 * marked revoked becomes a plain empty slot.  Errors: KERR_RANGE,
 * KERR_NOENT (already empty). */
enum kerr cap_delete(struct cap_table *t, uint32_t index);

/**
 * Revoke: remove every capability derived from slot index of t, in any
 * table, leaves first (the slot itself stays).  Each removed slot is left
 * marked revoked (KERR_REVOKED for lookups).  At most *budget capabilities
 * go, each decrementing *budget; then KERR_NOMEM says work is left, and a
 * call again continues (the tree is valid after every single removal).
 * Cost per call: the removals plus one descent from the slot to a leaf.
 * Errors: those of cap_lookup() for the slot.
 */
enum kerr cap_revoke(struct cap_table *t, uint32_t index, uint32_t *budget);

/* Called for each capability cap_revoke() removes, before cap_object_ref()
 * (a no-op default: the kernel's is in task.c). */
void cap_revoked(const struct cap *c);

/* Called with +1 for every capability that comes into a slot and -1 for
 * every one that leaves it, so objects can count the capabilities naming
 * them (kobj.c; a no-op default otherwise). */
void cap_object_ref(const struct cap *c, int delta);
