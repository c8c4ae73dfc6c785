/* RISC-V port internals: CSR access, SBI calls, shared port state. */
#pragma once

#include <types.h>
#include <arch_asm.h>

#define csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)))
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" :: "r"((uint64_t)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "r"((uint64_t)(v)))

#define SSTATUS_SIE (1UL << 1)
#define SIE_STIE (1UL << 5)     /* supervisor timer interrupt enable */
#define SIE_SEIE (1UL << 9)     /* supervisor external interrupt enable */
#define SCAUSE_INTERRUPT (1UL << 63)
#define IRQ_S_TIMER 5
#define IRQ_S_EXTERNAL 9

/* SBI call (extension eid, function fid, arguments a0-a2); returns the SBI
 * error code. */
long sbi_call(long eid, long fid, uint64_t a0, uint64_t a1, uint64_t a2);

/* The device tree OpenSBI handed over (for the port's own look-ups). */
extern const void *riscv_fdt;
/* The hart OpenSBI entered the kernel on (a0 at entry). */
extern uint64_t riscv_boot_hart;

/* Platform-level interrupt controller: claim the next pending source (0: none). */
