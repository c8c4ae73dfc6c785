/**
 * @file keel/arch/ppc64le/syscall.h
 * @brief POWER (64-bit LE) system-call stub: selector in r0, words in r3-r10, `sc`.
 */
#pragma once

/** Trap into the kernel with selector nr and the words of *k (POWER). */
static inline void keel_arch_syscall(uintptr_t nr, struct keel_words *k)
{
    register uintptr_t r3 __asm__("r3") = k->w[0];
    register uintptr_t r4 __asm__("r4") = k->w[1];
    register uintptr_t r5 __asm__("r5") = k->w[2];
    register uintptr_t r6 __asm__("r6") = k->w[3];
    register uintptr_t r7 __asm__("r7") = k->w[4];
    register uintptr_t r8 __asm__("r8") = k->w[5];
    register uintptr_t r9 __asm__("r9") = k->w[6];
    register uintptr_t r10 __asm__("r10") = k->w[7];
    register uintptr_t r0 __asm__("r0") = nr;
    __asm__ volatile("sc"
                     : "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7), "+r"(r8),
                       "+r"(r9), "+r"(r10)
                     : "r"(r0)
                     : "memory", "cr0");
    k->w[0] = r3, k->w[1] = r4, k->w[2] = r5, k->w[3] = r6;
    k->w[4] = r7, k->w[5] = r8, k->w[6] = r9, k->w[7] = r10;
}

/** The machine's counter, read in user mode: the time base (mftb). */
static inline uint64_t keel_arch_counter(void)
{
    uint64_t v;
    __asm__ volatile("mftb %0" : "=r"(v));
    return v;
}
