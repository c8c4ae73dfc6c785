/* C start-up of every Keel component: the kernel enters _start as a C
 * function of one argument, with a stack; main's return ends the task. */
#include <keel/debug.h>
#include <keel/start.h>

uintptr_t keel_start_arg;

_Noreturn void _start(uintptr_t arg);

__attribute__((section(".text.start"))) _Noreturn void _start(uintptr_t arg)
{
    keel_start_arg = arg;
    keel_debug_exit(main());
}
