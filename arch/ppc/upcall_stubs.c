/* TEMPORARY: a weak stand-in for the kernel-core upcall until the generic
 * side lands on main (then this file goes). */
#include <kernel.h>

__attribute__((weak)) struct arch_regs *kernel_user_resume(void)
{
    panic("kernel_user_resume: no generic kernel core yet");
}
