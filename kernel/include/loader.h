/* Loading ELF executables into tasks, and starting the root task. */
#pragma once

#include <elf.h>
#include <thread.h>

#define USER_STACK_TOP (USER_END - 0x10000)     /* a guard gap above it */
#define ROOT_STACK_PAGES 16
#define ROOT_UTCB_VA (USER_END - 0x8000)
#define BOOT_IMAGE_VA ((uintptr_t)0x0000400000000000ull) /* the boot image, read-only */
#define ROOT_PRIO 200

/* Load the ELF executable at kernel address [img, img + size) into task,
 * charging its pages (and their tables) to f; *entry is its entry point.
 * Returns a keel_error: KEEL_E_INVALID for an image elf_parse() refuses
 * (*why says what is wrong; otherwise *why is ELF_OK) or a segment on a page
 * the task has mapped already, KEEL_E_QUOTA when f's quota or kernel memory
 * runs out.  After an error the task keeps the pages loaded so far (charged
 * to f, returned when the task is destroyed). */
uint32_t elf_load(struct task *task, struct factory *f, const void *img, size_t size,
                  uintptr_t *entry, enum elf_problem *why);

/* The same for an image at user address va of from (KEEL_TASK_LOAD_ELF): it
 * must be mapped readable (else KEEL_E_FAULT) and physically contiguous, as
 * boot modules are (else KEEL_E_INVALID, as for size 0 or a range that
 * wraps). */
uint32_t task_load_elf(struct task *task, struct factory *f, const struct vm_space *from,
                       uintptr_t va, uintptr_t size, uintptr_t *entry);

/* Build and start the root task from the boot image's file "root", with
 * capabilities to itself, its thread and a factory owning all free kernel
 * memory; the boot image is mapped read-only at BOOT_IMAGE_VA.  On an error
 * it has printed what is wrong (an archive that is not cpio, no "root", a
 * bad ELF image and the parser's reason, no memory); the boot cannot go on. */
enum kerr root_start(uint64_t image_pa, size_t size);
