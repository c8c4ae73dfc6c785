/**
 * @file keel/arch/ppc64le/syscall.h
 * @brief POWER (64-bit LE) system-call stub: selector in r0, words in r3-r10, `sc`.
 *
 * The system-call ABI: words in r3-r10 (in and out), the selector in r0
 * (kept); r11, r12, CTR, XER and CR field 0 are clobbered, as the ELFv2 C
 * ABI lets a call clobber them: the kernel does not save r11, r12, CTR and
 * XER on entry, and they come back zero (CTR and XER) or holding values of
 * the calling thread's own (what its register frame last held), never the
 * kernel's.  Every other register (r1, r2, r13-r31, LR, the rest of CR, the
 * FP/VMX/VSX registers) is kept.
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
                     : "r11", "r12", "ctr", "xer", "memory", "cr0");
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

/*
 * Benchmark markers (POWER), for keel/mark.h: kind k = 1 (start), 2 (stop),
 * 3 (report) is `ori N, N, 0` with N = 8 + k (r9, r10, r11): ORs a register with zero,
 * a no-op no compiler emits (`nop` is `ori 0,0,0`; the group-ending no-ops GCC
 * may emit for scheduling use r1 and r2).
 * tools/qemu-plugin/insncount.c decodes the same encodings.
 */
/** Marker instruction that starts a measured span (POWER). */
#define KEEL_ARCH_MARK_START "ori 9, 9, 0"
/** Marker instruction that ends a measured span (POWER). */
#define KEEL_ARCH_MARK_STOP "ori 10, 10, 0"
/** Marker instruction that closes a group of spans (POWER). */
#define KEEL_ARCH_MARK_REPORT "ori 11, 11, 0"

/** ELF e_machine of executables for this ISA (POWER). */
#define KEEL_ARCH_ELF_MACHINE 21
/** Machine code of a system-call instruction followed by a trapping one
 * (sc; trap (little-endian)), as bytes in memory order: for tools and tests that build a
 * minimal executable image (POWER). */
#define KEEL_ARCH_SYSCALL_TRAP_CODE { 0x02, 0x00, 0x00, 0x44, 0x08, 0x00, 0xe0, 0x7f }

/** Size in bytes of the trapping instruction keel_arch_trap() executes (POWER). */
#define KEEL_ARCH_TRAP_SIZE 4

/** The exception kind (enum keel_fault) keel_arch_trap() raises. */
#define KEEL_ARCH_TRAP_FAULT KEEL_FAULT_BREAKPOINT

/** Execute a trapping instruction (trap): the kernel reports it to the
 * thread's exception handler as KEEL_ARCH_TRAP_FAULT at the instruction's
 * own address, and a handler that resumes the thread at that address plus
 * KEEL_ARCH_TRAP_SIZE continues after it.  A paravirtualized guest's system
 * call (keel/vmm/hypercall.h) (POWER). A resume names its ip as a function entry, which
 * also sets r12 (the ELFv2 entry register): the sequence clobbers it. */
static inline void keel_arch_trap(void)
{
    __asm__ volatile(".long 0x7fe00008" ::: "r12", "memory");
}

/** Page sizes the kernel maps with one entry on this ISA (POWER): bit n set
 * for 2^n bytes.  4 KiB pages, 2 MiB and 1 GiB radix leaf PDEs.  A map item,
 * MAP_ANON or a fault reply uses the largest that the region's size and
 * alignment allow (docs/design.md, "Large pages"). */
#define KEEL_ARCH_PAGE_ORDERS ((1ull << 12) | (1ull << 21) | (1ull << 30))
