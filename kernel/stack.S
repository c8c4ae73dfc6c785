/* The boot CPU's kernel stack with its guard page below (kernel/include/kstack.h),
 * and the small stack fault paths switch to when the kernel stack is unusable.
 * The guard has a page of its own: ports unmap it. */
#include <kstack.h>

    .bss
    .balign KSTACK_GUARD_SIZE
    .globl kernel_stack_guard, kernel_stack_bottom, kernel_stack_top
kernel_stack_guard:
    .skip KSTACK_GUARD_SIZE
kernel_stack_bottom:
    .skip KSTACK_SIZE
kernel_stack_top:

    .balign 16
    .globl kernel_fault_stack_top
kernel_fault_stack:
    .skip KSTACK_FAULT_SIZE
kernel_fault_stack_top:
