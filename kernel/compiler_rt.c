/* Support routines compilers may call instead of emitting an instruction the
 * target lacks (GCC's libgcc names).  The kernel links without libgcc.
 * Example: __builtin_clzll on RISC-V without the Zbb extension. */
#include <types.h>

int __clzdi2(uint64_t x);

/* Leading zero bits of x (64 for 0): a binary search, no builtins (which
 * could call back here). */
int __clzdi2(uint64_t x)
{
    int n = 0;

    if (x == 0)
        return 64;
    for (int shift = 32; shift > 0; shift /= 2) {
        if (!(x >> (64 - shift))) {
            n += shift;
            x <<= shift;
        }
    }
    return n;
}
