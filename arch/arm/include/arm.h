/* AArch64 port internals shared between the port's own files. */
#pragma once

#include <arch.h>

/* GIC interrupt ID of the EL1 virtual timer (PPI 11). */
#define TIMER_VIRT_INTID 27

#define sysreg_read(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define sysreg_write(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)) : "memory")

static inline uint32_t mmio_read32(uintptr_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
    *(volatile uint32_t *)addr = val;
}

static inline void mmio_write8(uintptr_t addr, uint8_t val)
{
    *(volatile uint8_t *)addr = val;
}

/* boot.c: C entry from entry.S with the device-tree address from x0. */
noreturn void arm_boot(uint64_t fdt);
/* The device tree the loader handed over (for the port's own look-ups). */
extern const void *arm_fdt;

/* trap.c: called by trap.S with the saved frame and the vector number:
 * for kernel traps (returns to the interrupted code) and user traps (ends
 * in arch_return_to_user). */
void arm_trap(struct arch_regs *regs, uint64_t vector);
noreturn void arm_user_trap(struct arch_regs *regs, uint64_t vector);
noreturn void arm_syscall_slow(struct arch_regs *regs);

/* gic.c: find the interrupt controller in the device tree and set it up. */
void gic_init(void);
/* Acknowledge the highest-priority pending interrupt; returns its ID
 * (GIC_SPURIOUS if none). */
uint32_t gic_ack(void);
#define GIC_SPURIOUS 1023
