/* Assembler helpers for the RISC-V port (also included from C). */
#pragma once

/* SBI hart state management (HSM) extension. */
#define SBI_EXT_HSM 0x48534D            /* "HSM" */
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1

/* Frame layout of struct arch_regs, in bytes. */
#define REG_X(n) ((n) * 8)
#define REG_SEPC (32 * 8)
#define REG_SSTATUS (33 * 8)
#define REG_SCAUSE (34 * 8)
#define REG_STVAL (35 * 8)
#define REGS_SIZE (36 * 8)
