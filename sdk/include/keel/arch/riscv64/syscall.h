/**
 * @file keel/arch/riscv64/syscall.h
 * @brief RISC-V 64 system-call stub: selector in t0, words in a0-a7, `ecall`.
 *
 * The system-call ABI: words in a0-a7 (in and out), the selector in t0
 * (kept); ra and t1-t6 are clobbered, as the C ABI lets a call clobber
 * them: the kernel does not save them on entry, and they come back holding
 * values of the calling thread's own (what its register frame last held),
 * never the kernel's.  Every other register (sp, gp, tp, s0-s11, the FP
 * registers) is kept.
 */
#pragma once

/** Trap into the kernel with selector nr and the words of *k (RISC-V 64). */
static inline void keel_arch_syscall(uintptr_t nr, struct keel_words *k)
{
    register uintptr_t a0 __asm__("a0") = k->w[0];
    register uintptr_t a1 __asm__("a1") = k->w[1];
    register uintptr_t a2 __asm__("a2") = k->w[2];
    register uintptr_t a3 __asm__("a3") = k->w[3];
    register uintptr_t a4 __asm__("a4") = k->w[4];
    register uintptr_t a5 __asm__("a5") = k->w[5];
    register uintptr_t a6 __asm__("a6") = k->w[6];
    register uintptr_t a7 __asm__("a7") = k->w[7];
    register uintptr_t t0 __asm__("t0") = nr;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5),
                       "+r"(a6), "+r"(a7)
                     : "r"(t0)
                     : "ra", "t1", "t2", "t3", "t4", "t5", "t6", "memory");
    k->w[0] = a0, k->w[1] = a1, k->w[2] = a2, k->w[3] = a3;
    k->w[4] = a4, k->w[5] = a5, k->w[6] = a6, k->w[7] = a7;
}

/** The machine's counter, read in user mode: the time CSR (rdtime). */
static inline uint64_t keel_arch_counter(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

/*
 * Benchmark markers (RISC-V), for keel/mark.h: kind k = 1 (start), 2 (stop),
 * 3 (report) is `slti zero, zero, 0x4b0 + k`: a write to x0, which the ISA reserves
 * as a HINT for custom use, a no-op no compiler emits (`nop` is `addi zero, zero, 0`).
 * tools/qemu-plugin/insncount.c decodes the same encodings.
 */
/** Marker instruction that starts a measured span (RISC-V). */
#define KEEL_ARCH_MARK_START "slti zero, zero, 0x4b1"
/** Marker instruction that ends a measured span (RISC-V). */
#define KEEL_ARCH_MARK_STOP "slti zero, zero, 0x4b2"
/** Marker instruction that closes a group of spans (RISC-V). */
#define KEEL_ARCH_MARK_REPORT "slti zero, zero, 0x4b3"

/** ELF e_machine of executables for this ISA (RISC-V). */
#define KEEL_ARCH_ELF_MACHINE 243
/** Machine code of a system-call instruction followed by a trapping one
 * (ecall; ebreak), as bytes in memory order: for tools and tests that build a
 * minimal executable image (RISC-V). */
#define KEEL_ARCH_SYSCALL_TRAP_CODE { 0x73, 0x00, 0x00, 0x00, 0x73, 0x00, 0x10, 0x00 }

/** Size in bytes of the trapping instruction keel_arch_trap() executes (RISC-V). */
#define KEEL_ARCH_TRAP_SIZE 4

/** The exception kind (enum keel_fault) keel_arch_trap() raises. */
#define KEEL_ARCH_TRAP_FAULT KEEL_FAULT_BREAKPOINT

/** Execute a trapping instruction (ebreak, never compressed): the kernel reports it to the
 * thread's exception handler as KEEL_ARCH_TRAP_FAULT at the instruction's
 * own address, and a handler that resumes the thread at that address plus
 * KEEL_ARCH_TRAP_SIZE continues after it.  A paravirtualized guest's system
 * call (keel/vmm/hypercall.h) (RISC-V). */
static inline void keel_arch_trap(void)
{
    __asm__ volatile(".4byte 0x00100073" ::: "memory");
}

/** Page sizes the kernel maps with one entry on this ISA (RISC-V): bit n set
 * for 2^n bytes.  4 KiB pages, 2 MiB megapages and 1 GiB gigapages (Sv48).  A
 * map item, MAP_ANON or a fault reply uses the largest that the region's size
 * and alignment allow (docs/design.md, "Large pages"). */
#define KEEL_ARCH_PAGE_ORDERS ((1ull << 12) | (1ull << 21) | (1ull << 30))
