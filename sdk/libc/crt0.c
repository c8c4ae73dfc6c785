/* C start-up of a component linked with the C library (in place of the
 * runtime's sdk/lib/crt0.c): the kernel enters _start as a C function of
 * one argument, with a stack.  It runs the constructors, then main, and
 * ends through exit(), which runs the atexit functions and flushes stdio
 * before _exit() ends the task with main's status. */
#include <stdlib.h>
#include <keel/start.h>

uintptr_t keel_start_arg;

void __libc_init_array(void);
void __libc_fini_array(void);
void _init(void);
void _fini(void);
_Noreturn void _start(uintptr_t arg);

/* newlib's __libc_init_array and __libc_fini_array call these, which a
 * hosted toolchain's crti.o would supply; the arrays are enough here. */
void _init(void) {}
void _fini(void) {}

__attribute__((section(".text.start"))) _Noreturn void _start(uintptr_t arg)
{
    keel_start_arg = arg;
    atexit(__libc_fini_array);
    __libc_init_array();
    exit(main());
}
