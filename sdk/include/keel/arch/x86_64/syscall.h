/**
 * @file keel/arch/x86_64/syscall.h
 * @brief x86-64 system-call stub: selector in rax, words in rdi rsi rdx r10
 *        r8 r9 r12 r13, `syscall` (which clobbers rcx and r11).
 */
#pragma once

/** Trap into the kernel with selector nr and the words of *k (x86-64). */
static inline void keel_arch_syscall(uintptr_t nr, struct keel_words *k)
{
    register uintptr_t r10 __asm__("r10") = k->w[3];
    register uintptr_t r8 __asm__("r8") = k->w[4];
    register uintptr_t r9 __asm__("r9") = k->w[5];
    register uintptr_t r12 __asm__("r12") = k->w[6];
    register uintptr_t r13 __asm__("r13") = k->w[7];
    uintptr_t rdi = k->w[0], rsi = k->w[1], rdx = k->w[2], rax = nr;
    __asm__ volatile("syscall"
                     : "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9),
                       "+r"(r12), "+r"(r13), "+a"(rax)
                     :
                     : "rcx", "r11", "memory");
    k->w[0] = rdi, k->w[1] = rsi, k->w[2] = rdx, k->w[3] = r10;
    k->w[4] = r8, k->w[5] = r9, k->w[6] = r12, k->w[7] = r13;
}

/** The machine's counter, read in user mode: the time-stamp counter (rdtsc). */
static inline uint64_t keel_arch_counter(void)
{
    uint64_t v;
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    v = (uint64_t)hi << 32 | lo;
    return v;
}

/*
 * Benchmark markers (x86-64), for keel/mark.h: kind k = 1 (start), 2 (stop),
 * 3 (report) is `nopl 0x4b454c00+k(%rax)` (bytes 0f 1f 80 and the displacement): a multi-byte
 * NOP whose displacement no compiler or assembler padding uses (they pad with
 * displacement 0).
 * tools/qemu-plugin/insncount.c decodes the same encodings.
 */
/** Marker instruction that starts a measured span (x86-64). */
#define KEEL_ARCH_MARK_START "nopl 0x4b454c01(%%rax)"
/** Marker instruction that ends a measured span (x86-64). */
#define KEEL_ARCH_MARK_STOP "nopl 0x4b454c02(%%rax)"
/** Marker instruction that closes a group of spans (x86-64). */
#define KEEL_ARCH_MARK_REPORT "nopl 0x4b454c03(%%rax)"

/** ELF e_machine of executables for this ISA (x86-64). */
#define KEEL_ARCH_ELF_MACHINE 62
/** Machine code of a system-call instruction followed by a trapping one
 * (syscall; ud2), as bytes in memory order: for tools and tests that build a
 * minimal executable image (x86-64). */
#define KEEL_ARCH_SYSCALL_TRAP_CODE { 0x0f, 0x05, 0x0f, 0x0b }

/** Size in bytes of the trapping instruction keel_arch_trap() executes (x86-64). */
#define KEEL_ARCH_TRAP_SIZE 2

/** The exception kind (enum keel_fault) keel_arch_trap() raises. */
#define KEEL_ARCH_TRAP_FAULT KEEL_FAULT_ILLEGAL

/** Execute a trapping instruction (ud2): the kernel reports it to the
 * thread's exception handler as KEEL_ARCH_TRAP_FAULT at the instruction's
 * own address, and a handler that resumes the thread at that address plus
 * KEEL_ARCH_TRAP_SIZE continues after it.  A paravirtualized guest's system
 * call (keel/vmm/hypercall.h) (x86-64).  Not int3: user
 * mode may not raise vector 3 on Keel (a general-protection fault). */
static inline void keel_arch_trap(void)
{
    __asm__ volatile(".byte 0x0f, 0x0b" ::: "memory");
}

/** Page sizes the kernel maps with one entry on this ISA (x86-64): bit n set
 * for 2^n bytes.  4 KiB pages and 2 MiB ones (PS in a page directory); 1 GiB
 * pages only where CPUID has them, so not counted here.  A map item, MAP_ANON
 * or a fault reply uses the largest that the region's size and alignment
 * allow (docs/design.md, "Large pages"). */
#define KEEL_ARCH_PAGE_ORDERS ((1ull << 12) | (1ull << 21))
