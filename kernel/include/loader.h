/* Loading ELF executables into tasks, and starting the root task. */
#pragma once

#include <thread.h>

#define USER_STACK_TOP (USER_END - 0x10000)     /* a guard gap above it */
#define ROOT_STACK_PAGES 16
#define ROOT_UTCB_VA (USER_END - 0x8000)
#define BOOT_IMAGE_VA ((uintptr_t)0x0000400000000000ull) /* the boot image, read-only */
#define ROOT_PRIO 200

/* Load the ELF executable at kernel address [img, img + size) into task,
 * charging its pages (and their tables) to f; *entry is its entry point.
 * Returns a keel_error. */
uint32_t elf_load(struct task *task, struct factory *f, const void *img, size_t size,
                  uintptr_t *entry);

/* The same for an image at user address va of from: it must be mapped
 * readable and physically contiguous (as boot modules are). */
uint32_t task_load_elf(struct task *task, struct factory *f, const struct vm_space *from,
                       uintptr_t va, uintptr_t size, uintptr_t *entry);

/* Build and start the root task from the boot image's file "root", with
 * capabilities to itself, its thread and a factory owning all free kernel
 * memory; the boot image is mapped read-only at BOOT_IMAGE_VA. */
enum kerr root_start(uint64_t image_pa, size_t size);
