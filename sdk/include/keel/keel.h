/**
 * @file keel/keel.h
 * @brief The Keel SDK: everything a component includes.
 *
 * Kernel objects are reached by IPC to their capabilities (keel/kobj.h); the
 * wrappers here name the operations.  Each takes the calling thread's UTCB,
 * returns an enum keel_error, and leaves results in the UTCB's words.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <keel/debug.h>
#include <keel/errors.h>
#include <keel/ipc.h>
#include <keel/io.h>
#include <keel/irq.h>
#include <keel/kobj.h>
#include <keel/start.h>

/** User address of a component's first UTCB (its start argument). */
#define KEEL_MAIN_UTCB ((uintptr_t)0x00007ffffff00000ull)
/** Top of a component's first stack. */
#define KEEL_MAIN_STACK_TOP ((uintptr_t)0x00007fffff000000ull)
/** Pages of a component's first stack. */
#define KEEL_MAIN_STACK_PAGES 16

/** Microseconds since the machine started, from keel_counter(). */
uint64_t keel_clock_us(void);

/** Block the calling thread (whose UTCB is u) for at least us microseconds:
 * a wait with a timeout on a notification of the component's own that
 * nobody signals, made on first use through the factory at slot 2 (which
 * every component gets).  KEEL_OK, or the error that made the wait end
 * early (KEEL_E_QUOTA: the factory could not pay for the notification). */
uint32_t keel_sleep_us(struct keel_utcb *u, uint64_t us);

/** Let every other ready thread of the caller's priority run first: a sleep
 * of the shortest time the timer allows (keel_sleep_us(u, 0)). */
uint32_t keel_yield(struct keel_utcb *u);

/** The UTCB of the thread main() runs on. */
static inline struct keel_utcb *keel_utcb(void)
{
    return (struct keel_utcb *)keel_start_arg;
}

/** Invoke operation op on the kernel object at cap with up to four
 * arguments; results come back in u->mr[0..3]. */
static inline uint32_t keel_invoke(struct keel_utcb *u, uint32_t cap, uint32_t op,
                                   uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3)
{
    u->mr[0] = a0, u->mr[1] = a1, u->mr[2] = a2, u->mr[3] = a3;
    return KEEL_TAG_ERROR(keel_call(u, cap, KEEL_TAG(op, 4, 0), KEEL_TIMEOUT_NEVER).tag);
}

/** Create a task through factory, which pays for it; its capability goes
 * to slot *slot (KEEL_CAP_OPEN: any free one), and *slot says where it went
 * (on an error, *slot is left as it was). */
static inline uint32_t keel_task_create(struct keel_utcb *u, uint32_t factory, uint32_t *slot)
{
    uint32_t e = keel_invoke(u, factory, KEEL_FACTORY_TASK, *slot, 0, 0, 0);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Create a task through factory with a capability table of 2^cap_bits
 * slots (1-16; 0: the default, 64 slots), whose pages the factory pays for
 * too; capability slot as keel_task_create().  KEEL_E_INVALID for a size
 * out of range, KEEL_E_QUOTA if factory cannot pay. */
static inline uint32_t keel_task_create_sized(struct keel_utcb *u, uint32_t factory,
                                              uint32_t cap_bits, uint32_t *slot)
{
    uint32_t e = keel_invoke(u, factory, KEEL_FACTORY_TASK, *slot, cap_bits, 0, 0);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Copy the caller's capability at cap into task's slot *slot (KEEL_CAP_OPEN:
 * any free one; *slot then says where it went) with rights (a subset of
 * cap's), minted with badge: the receiver of every message sent through the
 * copy learns badge (keel_ipc_result.label).  badge 0 makes a plain copy,
 * which keeps cap's badge.  KEEL_E_CAP if cap is not a gate capability (for
 * a badge), KEEL_E_RIGHTS if it already has a badge (no re-badging). */
static inline uint32_t keel_cap_mint(struct keel_utcb *u, uint32_t task, uint32_t cap,
                                     uint32_t rights, uint64_t badge, uint32_t *slot)
{
    uint32_t e = keel_invoke(u, task, KEEL_TASK_GIVE_CAP, cap, rights, *slot, badge);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Create an inactive thread in task, charged to factory (capability slot
 * as above). */
static inline uint32_t keel_thread_create(struct keel_utcb *u, uint32_t factory, uint32_t task,
                                          uint32_t *slot)
{
    uint32_t e = keel_invoke(u, factory, KEEL_FACTORY_THREAD, task, *slot, 0, 0);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Create a gate bound to thread, carrying label (capability slot as above). */
static inline uint32_t keel_gate_create(struct keel_utcb *u, uint32_t factory, uint32_t thread,
                                        uint64_t label, uint32_t *slot)
{
    uint32_t e = keel_invoke(u, factory, KEEL_FACTORY_GATE, thread, label, *slot, 0);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Create a notification carrying label (capability slot as above). */
static inline uint32_t keel_notification_create(struct keel_utcb *u, uint32_t factory,
                                                uint64_t label, uint32_t *slot)
{
    uint32_t e = keel_invoke(u, factory, KEEL_FACTORY_NOTIFICATION, label, *slot, 0, 0);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Create a factory with pages of factory's quota (capability slot as above). */
static inline uint32_t keel_factory_create(struct keel_utcb *u, uint32_t factory, uint64_t pages,
                                           uint32_t *slot)
{
    uint32_t e = keel_invoke(u, factory, KEEL_FACTORY_FACTORY, pages, *slot, 0, 0);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Move the calling thread's implicit reply right (to the last call it
 * received) into a reply capability; self_thread is the caller's own thread
 * capability; slot as above (left alone on an error).  Answer it later with
 * keel_reply_cap(). */
static inline uint32_t keel_save_reply(struct keel_utcb *u, uint32_t self_thread, uint32_t *slot)
{
    uint32_t e = keel_invoke(u, self_thread, KEEL_THREAD_SAVE_REPLY, *slot, 0, 0, 0);
    if (!e)
        *slot = (uint32_t)u->mr[0];
    return e;
}

/** Map pages of zeroed memory at addr in task, with KEEL_MAP_* rights; the
 * pages and the page tables they need are charged to factory. */
static inline uint32_t keel_map_anon(struct keel_utcb *u, uint32_t task, uint32_t factory,
                                     uintptr_t addr, uintptr_t pages, uint32_t rights)
{
    return keel_invoke(u, task, KEEL_TASK_MAP_ANON, addr, pages, rights, factory);
}

/** Put a memory item into u->item[i]: type KEEL_ITEM_MAP or KEEL_ITEM_GRANT
 * of the region [base, base + 2^order) of the caller with KEEL_MAP_* rights
 * (count it in the tag's items). */
static inline void keel_mem_item(struct keel_utcb *u, uint32_t i, uint32_t type, uintptr_t base,
                                 uint32_t order, uint32_t rights)
{
    u->item[i].type = type;
    u->item[i].base = base;
    u->item[i].order = order;
    u->item[i].rights = rights;
    u->item[i].slot = 0;
}

/** Put a capability item into u->item[i]: a copy of slot with rights. */
static inline void keel_cap_item(struct keel_utcb *u, uint32_t i, uint32_t slot, uint32_t rights)
{
    u->item[i].type = KEEL_ITEM_CAP;
    u->item[i].slot = slot;
    u->item[i].rights = rights;
    u->item[i].order = 0;
    u->item[i].base = 0;
}

/** Accept map and grant items in [base, base + 2^order) (base aligned to
 * it); order 0 refuses them (KEEL_E_WINDOW for their senders). */
static inline void keel_set_window(struct keel_utcb *u, uintptr_t base, uint32_t order)
{
    u->window_base = base;
    u->window_order = order;
}

/** Take [base, base + 2^order) back from every task it was mapped into from
 * task's copy, recursively (KEEL_UNMAP_SELF: task's own received mapping
 * too); repeats the bounded kernel operation until it reports done. */
static inline uint32_t keel_unmap(struct keel_utcb *u, uint32_t task, uintptr_t base,
                                  uint32_t order, uint32_t flags)
{
    uint32_t e;
    uintptr_t at = 0;
    do
        e = keel_invoke(u, task, KEEL_TASK_UNMAP, base, order, flags, at);
    while (!e && u->mr[0] && (at = u->mr[1], true));
    return e;
}

/** Revoke the capability in slot of task: every capability derived from it,
 * in every task, goes (the slot itself stays); repeats the bounded kernel
 * operation (KEEL_TASK_REVOKE) until it reports done. */
static inline uint32_t keel_revoke(struct keel_utcb *u, uint32_t task, uint32_t slot)
{
    uint32_t e;
    do
        e = keel_invoke(u, task, KEEL_TASK_REVOKE, slot, 0, 0, 0);
    while (!e && u->mr[0]);
    return e;
}

/** Load the ELF image at [image, image + size) of the caller (physically
 * contiguous, as boot modules are) into task, charging its pages to factory;
 * *entry gets its entry point. */
static inline uint32_t keel_task_load_elf(struct keel_utcb *u, uint32_t task, uint32_t factory,
                                          const void *image, size_t size, uintptr_t *entry)
{
    uint32_t e = keel_invoke(u, task, KEEL_TASK_LOAD_ELF, (uintptr_t)image, size, factory, 0);
    if (!e)
        *entry = u->mr[0];
    return e;
}

/** Give thread its UTCB page at utcb in its task, charged to factory. */
static inline uint32_t keel_thread_set_utcb(struct keel_utcb *u, uint32_t thread,
                                            uint32_t factory, uintptr_t utcb)
{
    return keel_invoke(u, thread, KEEL_THREAD_SET_UTCB, utcb, factory, 0, 0);
}

/** Start a thread at ip with stack sp, UTCB at utcb (also its argument; its
 * page is charged to factory), priority prio, exceptions to the gate at
 * handler (KEEL_CAP_OPEN: none). */
uint32_t keel_thread_start(struct keel_utcb *u, uint32_t thread, uint32_t factory, uintptr_t ip,
                           uintptr_t sp, uintptr_t utcb, uint8_t prio, uint32_t handler);

/** Print formatted text on the debug console (a small printf: %d %i %u %x
 * %X %p %s %c %%, flags '-' and '0', width, length modifiers l ll z j). */
int keel_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Format into buf (at most size bytes, always terminated); returns the
 * length the whole output would have. */
int keel_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** keel_snprintf() with its arguments in ap. */
int keel_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/** Find boot module name (a regular file) in the boot image the root task
 * received; 0 and its contents, or KEEL_E_INVALID if there is none. */
uint32_t keel_boot_module(const char *name, const void **data, size_t *size);

/** Iterate over the boot modules (regular files) of the boot image: the one
 * after position *pos (0: the first), its name, contents and size; *pos
 * moves past it.  KEEL_E_INVALID after the last (or for an unreadable
 * image). */
uint32_t keel_boot_module_next(size_t *pos, const char **name, const void **data,
                               size_t *size);
