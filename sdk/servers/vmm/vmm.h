/*
 * Between the VMM's core (vmm.c: contexts, hypercalls, upcalls) and its
 * virtual devices and virtual interrupt controller (virtio.c).  Private to
 * sdk/servers/vmm; the guest's side is keel/vmm/hypercall.h and
 * keel/vmm/virtio.h.
 */
#pragma once

#include <keel/keel.h>

/* virtio.c */

/* Find the servers behind the devices and, if input_channel is not 0,
 * start the input thread: it reads the console server's input lines
 * addressed to that channel (keel/console.h; each VM its own). */
void virtio_init(struct keel_utcb *u, uint32_t input_channel);
/* A hypercall of keel/vmm/virtio.h (op 16 and up): its status, -1 when
 * answered later, KEEL_E_NOSYS if op is none of them; *n answer words. */
int virtio_hypercall(struct keel_utcb *u, uint32_t op, uint32_t words, uint32_t *n);
/* A message on one of virtio.c's own gates (label r.label): handled, true;
 * false if the label is not its. */
bool virtio_message(struct keel_utcb *u, struct keel_ipc_result r);
/* The virtual interrupt lines pending and enabled, now delivered (no
 * longer pending); 0 if none. */
uintptr_t virq_take(void);
/* Print what the devices did (when the VM ends). */
void virtio_report(struct keel_utcb *u);

/* vmm.c */

/* [pa, pa + len) of guest-physical RAM in our view, or NULL if not all of
 * it is RAM we hold. */
char *vmm_guest(uint64_t pa, uint64_t len);

/* A virtual interrupt line was raised: if the guest kernel waits in
 * KEEL_VMM_HC_IDLE, answer with KEEL_VMM_UP_IRQ now; otherwise it stays
 * pending and the guest kernel's doorbell rings (KEEL_VMM_HC_PENDING). */
void vmm_interrupt(struct keel_utcb *u);
/* KEEL_VMM_HC_IDLE: wait for a virtual interrupt, at most us (0: forever). */
int vmm_idle(struct keel_utcb *u, uintptr_t us, uint32_t *n);
