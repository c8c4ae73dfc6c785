/**
 * @file keel/mark.h
 * @brief Benchmark markers: no-op instructions that bracket what a benchmark
 *        measures, for the instruction-counting QEMU plugin.
 *
 * Each marker is one instruction that does nothing on the machine and that no
 * compiler emits (the encodings per ISA are in keel/arch/ISA/syscall.h and
 * docs/performance.md).  Run under QEMU with tools/qemu-plugin/insncount.c
 * (`./keel bench`), the plugin counts the guest instructions executed between
 * keel_mark_start() and keel_mark_stop() (a pair), exactly, kernel and user
 * alike, and keel_mark_report() makes it print the pairs since the last
 * report as one group.  Without the plugin the markers cost one no-op each.
 */
#pragma once

#include <keel/syscall.h>

/** Begin a measured span: the instructions after this one count. */
static inline void keel_mark_start(void)
{
    __asm__ volatile(KEEL_ARCH_MARK_START ::: "memory");
}

/** End the measured span begun by keel_mark_start(): this one does not count. */
static inline void keel_mark_stop(void)
{
    __asm__ volatile(KEEL_ARCH_MARK_STOP ::: "memory");
}

/** Close a group of spans: the plugin prints their statistics and starts anew. */
static inline void keel_mark_report(void)
{
    __asm__ volatile(KEEL_ARCH_MARK_REPORT ::: "memory");
}
