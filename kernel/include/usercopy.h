/* Moving bytes between user and kernel memory.  User addresses are never
 * dereferenced: each page is translated through the task's own tables, so a
 * bad pointer is an error code, not a kernel fault. */
#pragma once

#include <vm.h>

/* Copy len bytes at user address src of vs into dst.  KERR_RANGE if any byte
 * is outside user space or not mapped readable for user mode. */
enum kerr copy_from_user(const struct vm_space *vs, void *dst, uintptr_t src, size_t len);
