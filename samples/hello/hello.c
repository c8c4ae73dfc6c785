/* The smallest Keel component: print through the kernel debug console. */
#include <keel/debug.h>

int main(void)
{
    keel_debug_puts("hello: hello from user mode\n");
    return 0;
}
