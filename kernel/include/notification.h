/*
 * Notifications: a word of bits that senders set and a waiter collects
 * (notification.c; signalling and waiting are IPC, ipc.c).
 */
#pragma once

#include <waitq.h>

struct factory;

struct notification {
    uintptr_t bits;
    uint64_t label;
    struct waitq waiters;
    uint32_t refs;              /* capabilities naming it: the last one going destroys it */
};

/* A new notification carrying label, charged to f. */
uint32_t notification_create(struct factory *f, uint64_t label, struct notification **out);
/* Give back a notification never handed out. */
void notification_discard(struct notification *n);
/* cap_object_ref() for notification capabilities: the last one going
 * destroys it: its waiters fail with KEEL_E_REVOKED, interrupt lines bound
 * to it are masked and unbound, its page goes back to its payer. */
void notification_ref(struct notification *n, int delta);
