/*
 * The kernel-object dispatcher (invoke.c): a send or call to a task, thread
 * or factory capability is decoded here (label, argument words, capability
 * lookups) and runs a small operation in the object's own file.
 */
#pragma once

#include <cap.h>

struct thread;

/* Handle a send/call to a kernel-object capability; result in t's words. */
void kobj_invoke(struct thread *t, const struct cap *cap, uint64_t tag);
