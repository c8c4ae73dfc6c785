/* Building a task from an ELF executable. */
#pragma once

#include <thread.h>

#define USER_STACK_TOP (USER_END - 0x10000)    /* a guard gap above it */
#define USER_STACK_PAGES 4

/* Create task (named name, address-space tag tag) from the ELF image
 * [elf, elf + size) and make thread its first thread at priority prio,
 * ready to run, its entry argument arg.  Errors: KERR_BADFMT and friends
 * for a bad image, KERR_NOMEM when kernel memory runs out. */
enum kerr task_load(struct task *task, struct thread *thread, const char *name, uint32_t tag,
                    const void *elf, size_t size, uint8_t prio, uintptr_t arg);

/* Start the root task: the boot image's file "root".  Errors as task_load,
 * and KERR_NOENT if the boot image has no root. */
enum kerr root_start(const void *image, size_t size);
