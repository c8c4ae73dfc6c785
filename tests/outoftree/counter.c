/* An out-of-tree Keel component: built against the installed SDK only
 * (tests/outoftree/README.md), by a Makefile with keel-cc, by CMake with the
 * SDK's toolchain file, and with pkg-config.  It adds up squares in a
 * function of its own, counter_step(), which the gdb test breaks in, and
 * leaves the running total in counter_total, which it reads. */
#include <keel/keel.h>

volatile unsigned long counter_total;
volatile double counter_mean;

__attribute__((noinline)) unsigned long counter_step(unsigned long i)
{
    counter_total += i * i;
    counter_mean = (double)counter_total / (double)i;
    return counter_total;
}

int main(void)
{
    for (unsigned long i = 1; i <= 10; i++)
        counter_step(i);
    keel_printf("counter: the sum of the squares of 1..10 is %lu (mean %lu)\n",
                counter_total, (unsigned long)counter_mean);
    return counter_total == 385 && (unsigned long)counter_mean == 38 ? 0 : 1;
}
