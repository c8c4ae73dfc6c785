/*
 * Device register access for kernel drivers (kernel/drivers/), by the
 * address the kernel reaches the device at (its physical address: every
 * port maps devices 1:1 or runs untranslated).  The SDK's accessors
 * (keel/io.h: plain volatile accesses, and port I/O where the machine has
 * it), unless the port's arch_port.h defines ARCH_MMIO_ACCESSORS and its
 * own arch_mmio_* (POWER9's cache-inhibited forms).
 */
#pragma once

#include <arch.h>
#include <keel/io.h>

#ifndef ARCH_MMIO_ACCESSORS
#define arch_mmio_read8 keel_mmio_read8
#define arch_mmio_write8 keel_mmio_write8
#define arch_mmio_read32 keel_mmio_read32
#define arch_mmio_write32 keel_mmio_write32
#endif
#define arch_pio_read8 keel_pio_read8
#define arch_pio_write8 keel_pio_write8
