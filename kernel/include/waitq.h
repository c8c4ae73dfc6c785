/* Intrusive doubly linked queue of blocked threads (operations in ipc.c). */
#pragma once

#include <types.h>

struct thread;

struct waitq {
    struct thread *head, *tail;
};

void waitq_push(struct waitq *q, struct thread *t);
void waitq_remove(struct thread *t);
