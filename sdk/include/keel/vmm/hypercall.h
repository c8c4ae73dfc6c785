/**
 * @file keel/vmm/hypercall.h
 * @brief The hypercall interface of the user-level VMM (sdk/servers/vmm),
 *        carried by IPC, and the system-call convention of the guest's
 *        processes (docs/vmm.md).
 *
 * A paravirtualized guest kernel runs as an ordinary Keel task the VMM
 * made.  It holds the VMM's gate in slot KEEL_VMM_SLOT_GATE and calls it
 * for every service of the virtual machine: a hypercall is a call whose
 * label is an enum keel_vmm_hypercall and whose words are its arguments.
 * The answer's label is the status (0 or an enum keel_error), its words
 * the results.
 *
 * The guest's processes are Keel tasks too, each one a *context* (numbered
 * 1 to KEEL_VMM_CONTEXTS) that KEEL_VMM_HC_CREATE makes.  The guest kernel
 * is their exception handler and pager, as an L4 pager is: each context's
 * exceptions (its system calls, page faults and other exceptions, its
 * exit) arrive at the guest kernel's own thread as exception messages
 * (KEEL_LABEL_EXCEPTION, keel/kobj.h) on a gate whose label is the context
 * number, which its open receive takes; its answer resumes the context
 * (KEEL_EXC_RESUME, past the trap of a system call, or at the fault with a
 * map item of its own view of guest-physical memory).  The guest kernel
 * holds a thread capability of each context (KEEL_VMM_SLOT_CONTEXT) to
 * start and stop it, and one of its own thread (KEEL_VMM_SLOT_SELF) to
 * keep a waiting context's reply right (KEEL_THREAD_SAVE_REPLY).
 *
 * The VMM keeps creation, memory and the timer: it makes and destroys the
 * contexts, it backs guest-physical memory and the VM image, and its
 * virtual timer (KEEL_VMM_HC_TIMER), like the other virtual interrupts,
 * rings the guest kernel's doorbell: a message on the gate labelled
 * KEEL_VMM_LABEL_DOORBELL, after which KEEL_VMM_HC_PENDING says what is
 * pending.
 *
 * Guest-physical memory is KEEL_VMM_RAM_PAGES pages the VMM owns; the guest
 * kernel sees guest-physical address p at KEEL_VMM_PHYS_VA + p.
 */
#pragma once

#include <stdint.h>
#include <keel/ipc.h>
#include <keel/kobj.h>

/** The guest kernel's slot holding the VMM's hypercall gate. */
#define KEEL_VMM_SLOT_GATE 3
/** The guest kernel's slot holding a capability of its own thread (to save
 * reply rights with KEEL_THREAD_SAVE_REPLY). */
#define KEEL_VMM_SLOT_SELF 4
/** The guest kernel's slot holding the thread capability of context i
 * (1 to KEEL_VMM_CONTEXTS) while the context exists: KEEL_THREAD_START
 * runs it, KEEL_THREAD_STOP preempts it. */
#define KEEL_VMM_SLOT_CONTEXT(i) (KEEL_VMM_SLOT_SELF + (i))
/** The label (keel_ipc_result.label) of the doorbell: a message of no
 * words the VMM sends the guest kernel when a virtual interrupt is pending
 * (KEEL_VMM_HC_PENDING says which).  Messages labelled 1 to
 * KEEL_VMM_CONTEXTS are the exceptions of that context. */
#define KEEL_VMM_LABEL_DOORBELL 0x100u
/** Most contexts (guest processes) one VM runs, numbered from 1. */
#define KEEL_VMM_CONTEXTS 8
/** Pages of guest-physical memory each VM gets. */
#define KEEL_VMM_RAM_PAGES 64
/** Where the guest kernel sees guest-physical address 0 (the VMM maps its
 * memory there on first touch). */
#define KEEL_VMM_PHYS_VA ((uintptr_t)0x0000600000000000ull)
/** Where every guest process finds its system-call page (the guest-physical
 * page KEEL_VMM_HC_CREATE names, which its kernel maps there). */
#define KEEL_VMM_SYSPAGE_VA ((uintptr_t)0x0000500000000000ull)
/** Most bytes one KEEL_VMM_HC_WRITE prints (its words from mr1 on). */
#define KEEL_VMM_WRITE_MAX ((KEEL_MSG_WORDS - 1) * sizeof(uintptr_t))
/** No guest-physical page (KEEL_VMM_HC_WAIT and KEEL_VMM_HC_PENDING: no
 * page received). */
#define KEEL_VMM_NO_PAGE ((uintptr_t)-1)
/** Guest-physical pages after the RAM (from page KEEL_VMM_RAM_PAGES on)
 * that receive the pages the peer VM gives (KEEL_VMM_HC_GIVE), in order;
 * each is backed only once a page has arrived there. */
#define KEEL_VMM_FLIP_PAGES 8
/** Guest-physical address of the inter-VM channel page, shared with the
 * peer VM (the same frame in both), after the flip pages. */
#define KEEL_VMM_CHANNEL_GPA ((uintptr_t)(KEEL_VMM_RAM_PAGES + KEEL_VMM_FLIP_PAGES) * 4096u)
/** Virtual-interrupt bits the peer VM raises (KEEL_VMM_HC_NOTIFY). */
#define KEEL_VMM_VIRQ_PEER 0xffffu
/** Virtual-interrupt bit: a page given by the peer arrived (its
 * guest-physical address comes with it). */
#define KEEL_VMM_VIRQ_PAGE 0x10000u
/** Virtual-interrupt bit: the peer VM ended or was killed; the channel is
 * dead. */
#define KEEL_VMM_VIRQ_DOWN 0x20000u

/** Hypercalls: the label of a call on the VMM's gate. */
enum keel_vmm_hypercall {
    KEEL_VMM_HC_INFO = 1,       /**< out: mr0 = guest-physical pages, mr1 = most contexts,
                                     mr2 = the VM's number (1, or 2 for the VM that joined a
                                     peer), mr3 = 1 if the channel page is there */
    KEEL_VMM_HC_WRITE = 2,      /**< print on the virtual console: mr0 = length (at most
                                     KEEL_VMM_WRITE_MAX), the bytes from mr1 on */
    KEEL_VMM_HC_CREATE = 3,     /**< make context mr0 (1-KEEL_VMM_CONTEXTS, unused): a new
                                     task whose thread starts at mr1 (a function of the guest
                                     image) with stack top mr2 and argument mr3; mr4 = the
                                     guest-physical address of its system-call page (in RAM).
                                     Its exceptions come to the guest kernel (labelled mr0),
                                     its thread capability is in KEEL_VMM_SLOT_CONTEXT(mr0);
                                     it first runs at KEEL_THREAD_START on it. (Number 4 was
                                     KEEL_VMM_HC_RUN, of the VMM that was the contexts'
                                     handler: docs/vmm.md) */
    KEEL_VMM_HC_DESTROY = 5,    /**< end context mr0; mr1 = its exit status, which the VMM
                                     reports. Its thread capability leaves the guest kernel's
                                     slot */
    KEEL_VMM_HC_EXIT = 6,       /**< end the VM with status mr0; does not return */
    KEEL_VMM_HC_NOTIFY = 7,     /**< raise virtual-interrupt bits mr0 (within
                                     KEEL_VMM_VIRQ_PEER) in the peer VM (a signal of its VMM's
                                     notification); bits raised before the peer joins reach it
                                     when it does. KEEL_E_PARTNER once the peer is gone */
    KEEL_VMM_HC_WAIT = 8,       /**< idle until a virtual interrupt, at most mr0 microseconds
                                     (0: no limit). Out: mr0 = the pending KEEL_VMM_VIRQ_* bits
                                     (cleared), mr1 = the guest-physical address of the last
                                     page received (KEEL_VMM_NO_PAGE: none); KEEL_E_TIMEOUT */
    KEEL_VMM_HC_GIVE = 9,       /**< give the guest-physical page mr0 (in RAM) to the peer VM
                                     by a grant: the VMM takes it back from this VM's tasks and
                                     moves it; the page arrives at the peer's next flip page
                                     with KEEL_VMM_VIRQ_PAGE. This VM keeps the guest-physical
                                     address, backed by a fresh zeroed page on its next touch */
    KEEL_VMM_HC_QUOTA = 10,     /**< out: mr0 = pages left in the VM's own factory, which pays
                                     for its tasks and bounds them */
    KEEL_VMM_HC_IMAGE = 11,     /**< context mr0 faulted at mr1 (mr2 = enum keel_fault) on the
                                     VM image: the answer carries a map item of that page into
                                     the caller's receive window (code and read-only data
                                     shared, read and execute; data a copy of the context's
                                     own, read and write), which the guest kernel maps on into
                                     the context by its answer to the fault. KEEL_E_INVALID if
                                     mr1 is not in the image, or a write to its code */
    KEEL_VMM_HC_TIMER = 12,     /**< arm the virtual timer: it fires once, mr0 microseconds
                                     from now (0: disarm), ringing the doorbell
                                     (KEEL_VMM_HC_PENDING: mr0 = 1) */
    KEEL_VMM_HC_PENDING = 13,   /**< what the doorbell rang for, now no longer pending. Out:
                                     mr0 = 1 if the virtual timer fired, mr1 = the peer's
                                     KEEL_VMM_VIRQ_* bits, mr2 = the guest-physical address of
                                     the last page received (KEEL_VMM_NO_PAGE: none), mr3 = the
                                     virtual interrupt controller's lines (keel/vmm/virtio.h) */
};

/** Answers (out mr0) of KEEL_VMM_HC_IDLE (keel/vmm/virtio.h); mr1 is 0.
 * (1 to 4 were events of KEEL_VMM_HC_RUN.) */
enum keel_vmm_upcall {
    KEEL_VMM_UP_TIMER = 5,      /**< the time ran out */
    KEEL_VMM_UP_VIRQ = 6,       /**< the peer VM's interrupts: mr2 = the KEEL_VMM_VIRQ_* bits
                                     (cleared), mr3 = the guest-physical address of the last
                                     page received (KEEL_VMM_NO_PAGE: none) */
};

/** A guest process's system-call page, at KEEL_VMM_SYSPAGE_VA: the
 * process writes the number and arguments, traps (keel_vmm_syscall()), and
 * reads the result its kernel wrote. */
struct keel_vmm_syspage {
    uintptr_t nr;               /**< system-call number, the guest kernel's business */
    uintptr_t arg[4];           /**< arguments */
    intptr_t ret;               /**< result, written by the guest kernel */
    char data[3968];            /**< bytes the call carries (a write's text) */
};

/**
 * A guest process's system call: number nr with four arguments, through
 * its system-call page; returns the guest kernel's result.  The trap is
 * the ISA's trapping instruction (keel_arch_trap(), in the ISA's keel/arch/.../syscall.h),
 * which the kernel reports to the guest kernel as an exception message
 * (KEEL_ARCH_TRAP_FAULT at the trap's address); its answer resumes the
 * process KEEL_ARCH_TRAP_SIZE bytes further.
 */
static inline intptr_t keel_vmm_syscall(uintptr_t nr, uintptr_t a0, uintptr_t a1, uintptr_t a2,
                                        uintptr_t a3)
{
    volatile struct keel_vmm_syspage *p = (volatile struct keel_vmm_syspage *)KEEL_VMM_SYSPAGE_VA;
    p->nr = nr, p->arg[0] = a0, p->arg[1] = a1, p->arg[2] = a2, p->arg[3] = a3;
    keel_arch_trap();
    return p->ret;
}

/** A hypercall from the guest kernel (UTCB u): label op with n words
 * already in u->mr[]; returns the kernel's error or the VMM's status. */
static inline uint32_t keel_vmm_hypercall(struct keel_utcb *u, uint32_t op, uint32_t n)
{
    struct keel_ipc_result r = keel_call(u, KEEL_VMM_SLOT_GATE, KEEL_TAG(op, n, 0),
                                         KEEL_TIMEOUT_NEVER);
    uint32_t e = KEEL_TAG_ERROR(r.tag);
    return e ? e : (uint32_t)KEEL_TAG_LABEL(r.tag);
}

/** The guest kernel's entry, defined by the guest that a VM image links
 * with the VMM (sdk/servers/vmm/vmm.c, docs/vmm.md): the VMM starts the
 * guest kernel's thread here, in a task of its own, with u its UTCB.  It
 * ends the VM with KEEL_VMM_HC_EXIT. */
_Noreturn void keel_vmm_guest_main(struct keel_utcb *u);
