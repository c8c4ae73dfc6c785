/**
 * @file keel/io.h
 * @brief Device register access for user-level drivers: memory-mapped
 *        registers (a page the root task mapped from its device window)
 *        and I/O ports (granted with KEEL_TASK_IO_PORTS, x86-64 only).
 *
 * One source drives a device on every machine: it picks memory or port
 * access from what the kernel reports (enum keel_uart_kind), never from the
 * ISA.  keel_pio_read8()/keel_pio_write8() exist everywhere; on a machine
 * without port I/O they read 0xff and write nothing (and are never chosen).
 */
#pragma once

#include <stdint.h>

/** Read the 8-bit device register at addr. */
static inline uint8_t keel_mmio_read8(uintptr_t addr)
{
    return *(volatile uint8_t *)addr;
}

/** Write the 8-bit device register at addr. */
static inline void keel_mmio_write8(uintptr_t addr, uint8_t v)
{
    *(volatile uint8_t *)addr = v;
}

/** Read the 32-bit device register at addr. */
static inline uint32_t keel_mmio_read32(uintptr_t addr)
{
    return *(volatile uint32_t *)addr;
}

/** Write the 32-bit device register at addr. */
static inline void keel_mmio_write32(uintptr_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

#if defined(__x86_64__)
/** Read the 8-bit I/O port port. */
static inline uint8_t keel_pio_read8(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

/** Write v to the 8-bit I/O port port. */
static inline void keel_pio_write8(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
#else
/** No port I/O on this machine: reads 0xff. */
static inline uint8_t keel_pio_read8(uint16_t port)
{
    (void)port;
    return 0xff;
}

/** No port I/O on this machine: does nothing. */
static inline void keel_pio_write8(uint16_t port, uint8_t v)
{
    (void)port, (void)v;
}
#endif
