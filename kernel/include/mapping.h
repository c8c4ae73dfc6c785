/*
 * Memory delegated by IPC (mapping.c): map and grant items, the pager's
 * answer to a page fault, and unmap, over the mapping database (mdb.c).
 */
#pragma once

#include <arch.h>
#include <keel/errors.h>
#include <keel/ipc.h>
#include <mdb.h>
#include <types.h>

struct task;
struct thread;

/* [base, base + 2^order) is an aligned region of user space. */
static inline bool map_region_ok(uintptr_t base, uint32_t order)
{
    if (order < ARCH_PAGE_SHIFT || order >= 8 * sizeof(uintptr_t))
        return false;
    uintptr_t size = (uintptr_t)1 << order;
    return !(base & (size - 1)) && base >= USER_BASE && size <= USER_END - base;
}

/* The part of map_item_check that looks at src's mappings: a grant moves
 * whole received mappings only (mapping.c); a keel_error. */
uint32_t map_grant_check(const struct thread *src, const struct keel_item *it);

/* Check a map or grant item src is about to send (region, rights; a grant
 * moves only mappings src received); a keel_error.  Inline: the IPC fast
 * path checks the item it carries, and a map item needs no call. */
static inline __attribute__((always_inline)) uint32_t
map_item_check(const struct thread *src, const struct keel_item *it)
{
    if (it->type != KEEL_ITEM_MAP && it->type != KEEL_ITEM_GRANT)
        return KEEL_E_INVALID;
    if (it->order < KEEL_MAP_ORDER_MIN || it->order > KEEL_MAP_ORDER_MAX ||
        !map_region_ok(it->base, it->order) || !it->rights ||
        (it->rights & ~(uint32_t)(PTE_R | PTE_W | PTE_X)))
        return KEEL_E_INVALID;
    return it->type == KEEL_ITEM_GRANT ? map_grant_check(src, it) : KEEL_OK;
}
/* Deliver the memory item it of src to dst, into dst's receive window (the
 * L4 rule: the smaller of region and window decides, at the same offset);
 * *out says where it landed.  KEEL_E_WINDOW without a usable window. */
uint32_t map_item_deliver(struct thread *src, struct thread *dst, const struct keel_item *it,
                          struct keel_item *out);
/* map_item_deliver of an item map_item_check accepted, with no change to
 * src's UTCB since (the IPC fast path: its sender does not block). */
uint32_t map_item_move(struct thread *src, struct thread *dst, const struct keel_item *it,
                       struct keel_item *out);
/* The answer of pager t to c's page fault carries memory items: map them at
 * c's fault address (the window is c's whole address space). */
uint32_t map_items_resolve_fault(struct thread *t, struct thread *c, uint32_t items);
/* KEEL_TASK_UNMAP on task, from offset start of the region: *more when the
 * bounded step left work to do, which the next call resumes at offset *next. */
uint32_t task_unmap(struct task *task, uintptr_t base, uintptr_t order, uintptr_t flags,
                    uintptr_t start, bool *more, uintptr_t *next);
/* task is being destroyed: take back every mapping made from its pages,
 * remove the pages it received (its own stay for vm_destroy), free its
 * node pages. */
void task_mappings_release(struct task *task);
