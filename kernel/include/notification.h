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
};

/* A new notification carrying label, charged to f. */
uint32_t notification_create(struct factory *f, uint64_t label, struct notification **out);
/* Give back a notification never handed out. */
void notification_discard(struct notification *n);
