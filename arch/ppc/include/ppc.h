/* Internals shared by the POWER9 port's files (not part of <arch.h>). */
#pragma once

#include <arch.h>
#include <ppc_spr.h>

#define mfspr(n) ({ uint64_t v_; __asm__ volatile("mfspr %0, %1" : "=r"(v_) : "i"(n)); v_; })
#define mtspr(n, v) __asm__ volatile("mtspr %0, %1" :: "i"(n), "r"((uint64_t)(v)) : "memory")

/* MSR bits above 32 (C only; ppc_spr.h has the rest). */
#define MSR_SF      (1ull << 63)    /* 64-bit mode */
#define MSR_HV      (1ull << 60)    /* hypervisor state */
#define LPCR_HVICE  (1ull << 1)     /* hypervisor virtualization interrupts (XIVE) */

/* OPAL: entry points and return codes (skiboot include/opal-api.h). */
#define OPAL_SUCCESS            0
#define OPAL_BUSY               (-2)
#define OPAL_BUSY_EVENT         (-12)
#define OPAL_CONSOLE_WRITE      1
#define OPAL_CEC_POWER_DOWN     5
#define OPAL_POLL_EVENTS        10
#define OPAL_REINIT_CPUS        70
#define OPAL_REINIT_CPUS_HILE_LE 2   /* take interrupts little-endian */

extern uint64_t ppc_opal_base, ppc_opal_entry;
/* The device tree skiboot passed (for timer.c's timebase-frequency). */
extern const void *ppc_fdt;

/* opal.S: call OPAL token with up to five arguments. */
int64_t opal_call(uint64_t token, uint64_t a0, uint64_t a1, uint64_t a2,
                  uint64_t a3, uint64_t a4);

/* boot.c: the C entry from entry.S. */
noreturn void ppc_boot(const void *fdt, uint64_t opal_base, uint64_t opal_entry);
/* trap.c: the C entry from trap.S, for every interrupt. */
void ppc_trap(struct arch_regs *regs);
/* timer.c: a decrementer interrupt. */
void ppc_timer_interrupt(struct arch_regs *regs);
/* xive.c: route the LPC's interrupts to this thread; take one (0xea0). */
void ppc_xive_init(void);
void ppc_xive_interrupt(struct arch_regs *regs);
/* user.c: point HSPRG0 at this CPU's struct ppc_cpu (before any user trap). */
void ppc_cpu_init(void);
