/* The smallest Keel component: print through the kernel debug console. */
#include <keel/keel.h>

int main(void)
{
    keel_printf("hello: hello from user mode\n");
    return 0;
}
