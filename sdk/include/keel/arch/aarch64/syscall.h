/**
 * @file keel/arch/aarch64/syscall.h
 * @brief AArch64 system-call stub: selector in x8, words in x0-x7, `svc #0`.
 *
 * The system-call ABI: words in x0-x7 (in and out), the selector in x8
 * (kept); x9-x18 and the flags (NZCV) are clobbered, as the C ABI lets a
 * call clobber them: the kernel does not save them on entry, and they come
 * back holding values of the calling thread's own (what its register frame
 * last held), never the kernel's.  Every other register (x19-x29, x30, sp,
 * the FP/SIMD registers) is kept.
 */
#pragma once

/** Trap into the kernel with selector nr and the words of *k (AArch64). */
static inline void keel_arch_syscall(uintptr_t nr, struct keel_words *k)
{
    register uintptr_t x0 __asm__("x0") = k->w[0];
    register uintptr_t x1 __asm__("x1") = k->w[1];
    register uintptr_t x2 __asm__("x2") = k->w[2];
    register uintptr_t x3 __asm__("x3") = k->w[3];
    register uintptr_t x4 __asm__("x4") = k->w[4];
    register uintptr_t x5 __asm__("x5") = k->w[5];
    register uintptr_t x6 __asm__("x6") = k->w[6];
    register uintptr_t x7 __asm__("x7") = k->w[7];
    register uintptr_t x8 __asm__("x8") = nr;
    __asm__ volatile("svc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5),
                       "+r"(x6), "+r"(x7)
                     : "r"(x8)
                     : "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
                       "x18", "cc", "memory");
    k->w[0] = x0, k->w[1] = x1, k->w[2] = x2, k->w[3] = x3;
    k->w[4] = x4, k->w[5] = x5, k->w[6] = x6, k->w[7] = x7;
}

/** The machine's counter, read in user mode: the virtual counter (CNTVCT_EL0). */
static inline uint64_t keel_arch_counter(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

/*
 * Benchmark markers (AArch64), for keel/mark.h: kind k = 1 (start), 2 (stop),
 * 3 (report) is `orr xN, xN, xN` with N = 8 + k (x9, x10, x11): ORs a register with
 * itself, a no-op no compiler emits (moves are `orr xd, xzr, xm`; padding is `nop`).
 * tools/qemu-plugin/insncount.c decodes the same encodings.
 */
/** Marker instruction that starts a measured span (AArch64). */
#define KEEL_ARCH_MARK_START "orr x9, x9, x9"
/** Marker instruction that ends a measured span (AArch64). */
#define KEEL_ARCH_MARK_STOP "orr x10, x10, x10"
/** Marker instruction that closes a group of spans (AArch64). */
#define KEEL_ARCH_MARK_REPORT "orr x11, x11, x11"

/** ELF e_machine of executables for this ISA (AArch64). */
#define KEEL_ARCH_ELF_MACHINE 183
/** Machine code of a system-call instruction followed by a trapping one
 * (svc #0; brk #0), as bytes in memory order: for tools and tests that build a
 * minimal executable image (AArch64). */
#define KEEL_ARCH_SYSCALL_TRAP_CODE { 0x01, 0x00, 0x00, 0xd4, 0x00, 0x00, 0x20, 0xd4 }

/** Size in bytes of the trapping instruction keel_arch_trap() executes (AArch64). */
#define KEEL_ARCH_TRAP_SIZE 4

/** The exception kind (enum keel_fault) keel_arch_trap() raises. */
#define KEEL_ARCH_TRAP_FAULT KEEL_FAULT_BREAKPOINT

/** Execute a trapping instruction (brk #0): the kernel reports it to the
 * thread's exception handler as KEEL_ARCH_TRAP_FAULT at the instruction's
 * own address, and a handler that resumes the thread at that address plus
 * KEEL_ARCH_TRAP_SIZE continues after it.  A paravirtualized guest's system
 * call (keel/vmm/hypercall.h) (AArch64). */
static inline void keel_arch_trap(void)
{
    __asm__ volatile(".inst 0xd4200000" ::: "memory");
}

/** Page sizes the kernel maps with one entry on this ISA (AArch64): bit n set
 * for 2^n bytes.  4 KiB pages, 2 MiB and 1 GiB blocks (4 KiB granule, L2 and
 * L1).  A map item, MAP_ANON or a fault reply uses the largest that the
 * region's size and alignment allow (docs/design.md, "Large pages"). */
#define KEEL_ARCH_PAGE_ORDERS ((1ull << 12) | (1ull << 21) | (1ull << 30))
