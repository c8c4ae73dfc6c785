/* Kernel stack overflow: recognising a hit on the guard below the stack, the
 * canary for ports whose guard cannot fault, and the deliberate overflow the
 * harness boots with "stack_overflow" (docs/design.md, "Bounded kernel stack"). */
#include <kernel.h>
#include <kstack.h>
#include <print.h>

_Static_assert(KSTACK_GUARD_SIZE == ARCH_PAGE_SIZE, "the guard is one page");
_Static_assert(KSTACK_SIZE % ARCH_PAGE_SIZE == 0, "the stack ends at a page boundary");

#ifndef ARCH_KSTACK_CANARY
#define ARCH_KSTACK_CANARY 0        /* the port unmaps the guard */
#endif

/* Arbitrary, but neither a kernel address nor a small number. */
#define CANARY 0x6b73746b63616e79ull

/* What the check reads: the top KSTACK_CANARY_SPAN bytes of the guard, one
 * word per 16 bytes.  Every frame starts on a 16-byte boundary and its first
 * word is written (the back chain on POWER), so an overflow whose deepest
 * frame is at most KSTACK_CANARY_SPAN bytes (tools/stackcheck.py holds the
 * port to that) leaves a mark there. */
#define CANARY_STRIDE 16

/* The deliberate overflow: frames of this size until one lies halfway down
 * the guard, at most this deep (a bound even if nothing stops it). */
#define OVERFLOW_FRAME 256
#define OVERFLOW_DEPTH_MAX ((KSTACK_SIZE + KSTACK_GUARD_SIZE) / OVERFLOW_FRAME)

bool kstack_guard_hit(uintptr_t addr)
{
    return addr - (uintptr_t)kernel_stack_guard < KSTACK_GUARD_SIZE;
}

noreturn void kstack_overflow(uintptr_t ip, uintptr_t addr)
{
    panic("kernel stack overflow at ip %p, address %p (stack %p-%p, guard below)",
          (void *)ip, (void *)addr, (void *)kernel_stack_bottom, (void *)kernel_stack_top);
}

void kstack_canary_fill(void)
{
    for (uintptr_t a = (uintptr_t)kernel_stack_guard; a < (uintptr_t)kernel_stack_bottom;
         a += sizeof(uint64_t))
        *(uint64_t *)a = CANARY;
}

/* On every return to user mode on POWER: eight words a step, their
 * differences from the canary ORed together and tested once (about half
 * the instructions of a test per word); the word to blame is looked for
 * only when something differs. */
#define CANARY_WORDS (KSTACK_CANARY_SPAN / CANARY_STRIDE)
#define CANARY_STEP 8
_Static_assert(CANARY_WORDS % CANARY_STEP == 0, "whole steps");

void kstack_canary_check(void)
{
    const volatile uint64_t *w =
        (const volatile uint64_t *)((uintptr_t)kernel_stack_bottom - KSTACK_CANARY_SPAN);
    enum { S = CANARY_STRIDE / sizeof(uint64_t) };
    uint64_t diff = 0;
    for (uint32_t i = 0; i < CANARY_WORDS * S; i += CANARY_STEP * S)
        diff |= (w[i] ^ CANARY) | (w[i + S] ^ CANARY) | (w[i + 2 * S] ^ CANARY) |
                (w[i + 3 * S] ^ CANARY) | (w[i + 4 * S] ^ CANARY) | (w[i + 5 * S] ^ CANARY) |
                (w[i + 6 * S] ^ CANARY) | (w[i + 7 * S] ^ CANARY);
    if (!diff)
        return;
    for (uint32_t i = 0; i < CANARY_WORDS * S; i += S)
        if (w[i] != CANARY)
            kstack_overflow((uintptr_t)__builtin_return_address(0), (uintptr_t)&w[i]);
}

/* Deliberately recursive (kernel/stackcheck.conf allows it): the work after
 * the call keeps it from becoming a loop. */
static __attribute__((noinline)) uint32_t kstack_overflow_recurse(uint32_t depth)
{
    volatile uint8_t frame[OVERFLOW_FRAME];
    frame[0] = (uint8_t)depth;
    if ((uintptr_t)frame < (uintptr_t)kernel_stack_guard + KSTACK_GUARD_SIZE / 2 ||
        depth >= OVERFLOW_DEPTH_MAX)
        return frame[0];
    return kstack_overflow_recurse(depth + 1) + frame[0];
}

noreturn void kstack_overflow_test(void)
{
    kprintf("overflowing the kernel stack on purpose\n");
    kstack_overflow_recurse(0);
    if (ARCH_KSTACK_CANARY)
        kstack_canary_check();
    panic("the kernel stack overflowed unnoticed");
}
