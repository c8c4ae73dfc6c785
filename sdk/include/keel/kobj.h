/**
 * @file keel/kobj.h
 * @brief Kernel objects, their capabilities, and the operations invoked on
 *        them by IPC.
 *
 * A capability to a task, thread or factory is invoked like any gate: a call
 * whose tag label names the operation and whose message words carry the
 * arguments.  The reply's tag carries the error (KEEL_TAG_ERROR) and its
 * words the results.  Slot arguments name the caller's own capability slots.
 *
 * Quotas: every page an operation allocates (objects, mapped pages and the
 * page tables they need) is charged to a factory the caller holds and names:
 * a factory operation charges the invoked factory; KEEL_TASK_MAP_ANON,
 * KEEL_TASK_LOAD_ELF and KEEL_THREAD_SET_UTCB take the slot of the factory
 * to charge (it needs the send right).  A freed page goes back to the
 * factory that paid for it.
 */
#pragma once

#include <keel/ipc.h>

/** Rights a capability grants (bit set). */
enum keel_rights {
    KEEL_RIGHT_SEND = 1 << 0,       /**< send, call, signal, invoke */
    KEEL_RIGHT_RECV = 1 << 1,       /**< receive, wait */
    KEEL_RIGHT_GRANT = 1 << 2,      /**< carry capabilities in messages sent through it */
    KEEL_RIGHT_CONTROL = 1 << 3,    /**< configure, start, destroy the object */
    KEEL_RIGHTS_ALL = 0xf,          /**< every right */
};

/** Capability slots the kernel fills in the root task's table. */
enum keel_root_slot {
    KEEL_SLOT_SELF_TASK = 0,        /**< the root task itself */
    KEEL_SLOT_SELF_THREAD = 1,      /**< the root task's first thread */
    KEEL_SLOT_FACTORY = 2,          /**< factory holding all kernel memory */
    KEEL_SLOT_IRQ_CONTROL = 3,      /**< the interrupt controller (keel/irq.h) */
    KEEL_SLOT_FIRST_FREE = 4,       /**< first slot left empty */
};

/** Operations on a factory (tag label). */
enum keel_factory_op {
    KEEL_FACTORY_TASK = 1,          /**< new task; mr0 = slot for its capability, mr1 = log2 of
                                         its capability-table slots, 1-16 (0: 6, 64 slots; the
                                         table's pages are charged too; KEEL_E_INVALID beyond) */
    KEEL_FACTORY_THREAD = 2,        /**< new thread, charged to this factory; mr0 = task slot, mr1 = slot for it */
    KEEL_FACTORY_GATE = 3,          /**< new gate; mr0 = bound thread slot, mr1 = label, mr2 = slot */
    KEEL_FACTORY_NOTIFICATION = 4,  /**< new notification; mr0 = label, mr1 = slot */
    KEEL_FACTORY_FACTORY = 5,       /**< sub-factory; mr0 = quota in pages, mr1 = slot, mr2 =
                                         enum keel_factory_flags (KEEL_E_INVALID for others) */
    KEEL_FACTORY_QUOTA = 6,         /**< out: mr0 = pages left in the quota */
};

/**
 * Flags of KEEL_FACTORY_FACTORY (mr2).  A factory either pays for kernel
 * objects and page tables only, or also for fresh user memory
 * (KEEL_TASK_MAP_ANON, KEEL_TASK_LOAD_ELF; KEEL_E_RIGHTS with a factory
 * without memory).  The root task's factory has memory (all free memory is
 * the root task's, as L4's sigma0); a sub-factory has memory only if its
 * parent has and the request does not set KEEL_FACTORY_NO_MEMORY.  The root
 * task gives programs factories without memory (unless their description
 * line says `memory`) and hands them memory by IPC, as map items
 * (keel/system.h).
 */
enum keel_factory_flags {
    KEEL_FACTORY_NO_MEMORY = 1,     /**< the new factory pays for kernel objects only */
};

/** Operations on a thread (tag label). */
enum keel_thread_op {
    KEEL_THREAD_SET_REGS = 1,       /**< mr0 = ip, mr1 = sp, mr2 = argument */
    KEEL_THREAD_SET_PRIO = 2,       /**< mr0 = priority, 0-255, at most the caller's */
    KEEL_THREAD_SET_HANDLER = 3,    /**< mr0 = slot of the gate that receives its exceptions */
    KEEL_THREAD_SET_UTCB = 4,       /**< mr0 = user address for its UTCB page in its task, mr1 = factory slot to charge */
    KEEL_THREAD_START = 5,          /**< make it runnable */
    KEEL_THREAD_STOP = 6,           /**< take it off the processor; an IPC in progress fails */
    KEEL_THREAD_SAVE_REPLY = 7,     /**< on the caller's own thread: move its implicit reply
                                         right into a reply capability; mr0 = slot for it
                                         (KEEL_CAP_OPEN: any free one); out mr0 = the slot.
                                         KEEL_E_CAP if it holds no reply right */
};

/** Operations on a task (tag label). */
enum keel_task_op {
    KEEL_TASK_MAP_ANON = 1,         /**< mr0 = address, mr1 = pages (at most KEEL_MAP_ANON_MAX), mr2 = KEEL_MAP_* rights, mr3 = factory slot to charge: zeroed memory,
                                         in the largest pages size and alignment allow.
                                         Past KEEL_MAP_ANON_MAX: exactly one page of the
                                         largest size the machine has (1 GiB: 262144 pages,
                                         mr0 aligned to it, nothing mapped there), else
                                         KEEL_E_INVALID; KEEL_E_QUOTA if the factory or the
                                         machine has no such free block.
                                         KEEL_E_RIGHTS if that factory has no memory (enum keel_factory_flags) */
    KEEL_TASK_LOAD_ELF = 2,         /**< mr0 = caller address of an ELF image, mr1 = size, mr2 = factory slot to charge; out mr0 = entry.
                                         Errors: KEEL_E_FAULT image not mapped readable; KEEL_E_RIGHTS a factory
                                         without memory (enum keel_factory_flags); KEEL_E_INVALID
                                         bad image, size 0, not physically contiguous, or a page taken;
                                         KEEL_E_QUOTA out of quota (docs/abi.md) */
    KEEL_TASK_DESTROY = 3,          /**< end every thread of another task and free it (every page goes back to its payer) */
    KEEL_TASK_GIVE_CAP = 4,         /**< mr0 = caller slot, mr1 = rights, mr2 = slot in the task,
                                         mr3 = badge (0: none; the copy keeps the source's).
                                         A badge needs an unbadged gate capability: KEEL_E_CAP
                                         for another type, KEEL_E_RIGHTS if it has one already */
    KEEL_TASK_DELETE_CAP = 5,       /**< mr0 = slot in the task to empty */
    KEEL_TASK_UNMAP = 6,            /**< mr0 = base, mr1 = log2 size (KEEL_MAP_ORDER_MIN..MAX,
                                         base aligned to it), mr2 = KEEL_UNMAP_* flags: take the
                                         region back from every task it was mapped into from this
                                         task's copy, recursively; mr3 = offset in the region to
                                         resume at (0 the first time; out mr1 of the call before);
                                         out mr0 = 1 if work is left (call again), 0 when done,
                                         out mr1 = the offset to resume at (docs/abi.md) */
    KEEL_TASK_MAP_DEVICE = 7,       /**< retired (number reserved): KEEL_E_NOSYS for every caller.
                                         Device memory is the root task's from boot; it maps it
                                         on to a driver by IPC (keel/irq.h) */
    KEEL_TASK_IO_PORTS = 8,         /**< root task only: mr0 = first I/O port, mr1 = count: the task
                                         may use those ports (machines with port I/O).  Errors:
                                         KEEL_E_RIGHTS not root; KEEL_E_INVALID ports no user
                                         driver may drive; KEEL_E_NOSYS no port I/O here */
    KEEL_TASK_REVOKE = 9,           /**< mr0 = slot in the task: remove every capability derived
                                         from it (copies, their copies, ...) in every task; the
                                         slot itself stays.  Removed slots answer KEEL_E_REVOKED
                                         until reused or deleted; objects whose last capability
                                         went are destroyed.  At most 256 go per call: out mr0 =
                                         1 if work is left (call again), 0 when done.  Errors:
                                         KEEL_E_CAP empty slot, KEEL_E_REVOKED a revoked one */
    KEEL_TASK_COPY_CAP = 10,        /**< copy between two other tables: mr0 = slot in this task,
                                         mr1 = caller's slot of the destination task (control
                                         right), mr2 = slot there (KEEL_CAP_OPEN: any), mr3 =
                                         rights (a subset); the copy keeps the badge and is
                                         derived from the source (KEEL_TASK_REVOKE reaches it);
                                         out mr0 = the slot.  Errors as KEEL_TASK_GIVE_CAP,
                                         KEEL_E_REVOKED for a revoked source */
    KEEL_TASK_LEAF_ORDER = 11,      /**< introspection: mr0 = address in the task; out mr0 =
                                         log2 of the bytes the one page-table entry mapping
                                         it maps (12, 21, 30; 0 if nothing maps it), out
                                         mr1 = the leaf sizes this kernel makes on this
                                         machine (bit n: 2^n bytes; on x86-64 bit 30 only
                                         where the CPU has 1 GiB pages) */
};

/** Most pages one KEEL_TASK_MAP_ANON maps (16 MiB) in pages of any size: it
 * bounds the kernel's work in one call.  Past it, only one page of the
 * machine's largest size (1 GiB) is taken (KEEL_E_INVALID otherwise). */
#define KEEL_MAP_ANON_MAX 4096

/** Rights of memory mapped with KEEL_TASK_MAP_ANON. */
enum keel_map_rights {
    KEEL_MAP_R = 1,                 /**< readable */
    KEEL_MAP_W = 2,                 /**< writable */
    KEEL_MAP_X = 4,                 /**< executable */
};

/** Flags of KEEL_TASK_UNMAP (mr2). */
enum keel_unmap_flags {
    KEEL_UNMAP_SELF = 1,            /**< also remove the task's own mapping, where it received it */
};

/** Label of an exception message (the faulting thread "calls" its handler). */
#define KEEL_LABEL_EXCEPTION 0xfffffff0u
/** Label of the message a thread's handler gets when it exits (word 0:
 * status); the handler's reply, whatever it says (even KEEL_EXC_RESUME),
 * leaves it stopped. */
#define KEEL_LABEL_EXIT 0xfffffff1u

/** Kind of exception (exception message word 0). */
enum keel_fault {
    KEEL_FAULT_PAGE_READ = 0,       /**< load from an unmapped or protected address */
    KEEL_FAULT_PAGE_WRITE = 1,      /**< store to an unmapped or protected address */
    KEEL_FAULT_PAGE_EXEC = 2,       /**< instruction fetch from a bad address */
    KEEL_FAULT_ILLEGAL = 3,         /**< undefined or privileged instruction */
    KEEL_FAULT_BREAKPOINT = 4,      /**< breakpoint instruction */
    KEEL_FAULT_MISALIGNED = 5,      /**< alignment fault */
    KEEL_FAULT_DIVIDE = 6,          /**< integer division by zero */
    KEEL_FAULT_OTHER = 7,           /**< anything else: see word 3 */
};

/** @name Exception message: words 0-3 are kind, ip, address, arch cause; 4 is sp.
 * @{ */
#define KEEL_EXC_KIND 0             /**< enum keel_fault */
#define KEEL_EXC_IP 1               /**< faulting instruction */
#define KEEL_EXC_ADDR 2             /**< faulting data address, or 0 */
#define KEEL_EXC_CAUSE 3            /**< raw cause: scause, ESR, vector, SRR1 */
#define KEEL_EXC_SP 4               /**< stack pointer at the fault */
#define KEEL_EXC_WORDS 5            /**< words in an exception message */
/** @} */

/** Reply labels to an exception message. */
enum keel_exc_reply {
    KEEL_EXC_RESUME = 0,            /**< resume; mr0 = a function to continue in (entered as if
                                         called) or 0 to retry, mr1 = new sp or 0, mr2-mr9 =
                                         argument registers 0-7 (if the reply carries them).
                                         A malformed reply (more than 4 words from a handler
                                         without a UTCB: KEEL_E_INVALID) fails and leaves the
                                         thread stopped */
    KEEL_EXC_STOP = 1,              /**< leave the thread stopped */
};
