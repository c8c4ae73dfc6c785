/*
 * Tasks: an address space and a capability table (task.c).  Each is
 * charged to the factory the request named.  A task is destroyed by
 * KEEL_TASK_DESTROY or when its last task capability goes; it gives back
 * its address space and table at once, and its header (and its threads')
 * when the last capability naming the task or one of its threads goes.
 */
#pragma once

#include <cap.h>
#include <factory.h>
#include <vm.h>

#define TASK_NAME_MAX 16
/* Capability slots of a task made without a size (one page). */
#define TASK_CAP_SLOTS (ARCH_PAGE_SIZE / sizeof(struct cap_slot))
/* log2 of the slot counts a task's table may have (KEEL_FACTORY_TASK). */
#define TASK_CAP_BITS_MIN 1
#define TASK_CAP_BITS_MAX 16
#define TASK_CAP_BITS_DEFAULT 6

struct thread;
struct mdb_node;

struct task {
    struct vm_space vm;
    struct vm_pt_alloc pt;      /* its page tables, charged to quota */
    struct cap_table caps;      /* slots in their own pages */
    struct factory *pt_charge;  /* pays for the tables of the mapping being made */
    struct thread *threads;     /* list through thread.task_next */
    uint32_t refs;              /* capabilities naming the task or one of its threads */
    uint32_t task_caps;         /* task capabilities naming it: the last going destroys it */
    bool dead;
    bool doomed;                /* on the list of tasks to destroy (task_reap) */
    struct task *doomed_next;
    char name[TASK_NAME_MAX];
    bool is_root;               /* the first task: may power the machine off */
    struct factory *factory;    /* made it: pays for what delegation adds (mapping.c) */
    struct mdb_node *mdb_free;  /* unused mapping-database nodes of its node pages */
    uint64_t mdb_pages;         /* its node pages, chained through their first node */
};

/* A new task (empty address space, capability table of 2^cap_bits slots,
 * TASK_CAP_BITS_MIN..MAX) charged to f; KEEL_E_INVALID for a size out of
 * range, KEEL_E_QUOTA when f or memory runs out. */
uint32_t task_create_sized(struct factory *f, const char *name, uint32_t cap_bits,
                           struct task **out);
/* The same with the default table (TASK_CAP_SLOTS). */
uint32_t task_create(struct factory *f, const char *name, struct task **out);
/* End every thread, drop every capability, give back the address space and
 * the capability table; the headers follow when the last capability naming
 * them goes. */
void task_destroy(struct task *task);
/* A zeroed page charged to f, mapped at user address va of task with rights
 * (PTE_R/W/X; PTE_USER is added), tables it needs charged to f too; a
 * keel_error (QUOTA if memory or quota ran out, INVALID for a bad or taken
 * address). */
uint32_t task_map_page(struct task *task, struct factory *f, uintptr_t va, uint32_t rights,
                       uint64_t *pa);
/* pages zeroed pages at va (KEEL_MAP_* rights), all or nothing, charged to f. */
uint32_t task_map_anon(struct task *task, struct factory *f, uintptr_t va, uintptr_t pages,
                       uintptr_t rights);
/* Copy the capability at slot from of src into slot *to of task (KEEL_CAP_OPEN:
 * any free one) with rights, keeping its badge; with badge != 0, mint: the
 * source must be an unbadged gate capability and the copy gets badge. */
uint32_t task_give_cap(struct task *src, uint32_t from, struct task *task, uint32_t *to,
                       uint32_t rights, uint64_t badge);
/* Empty slot of task; a reply capability deleted unused fails its caller.
 * Objects whose last capability went are destroyed (task_reap). */
uint32_t task_delete_cap(struct task *task, uint32_t slot);
/* Revoke slot of task: remove every capability derived from it, in every
 * task, at most budget of them; *more says whether some are left (call
 * again).  KEEL_E_CAP for an empty slot, KEEL_E_REVOKED for a revoked one. */
uint32_t task_revoke(struct task *task, uint32_t slot, uint32_t budget, bool *more);
/* Destroy the tasks whose last task capability went meanwhile (a loop:
 * destroying one may doom others).  The running thread's own task, and the
 * root task, are spared: they end otherwise. */
void task_reap(void);
