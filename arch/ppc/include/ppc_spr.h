/* POWER9 special-purpose register numbers and MSR bits (C and assembly). */
#pragma once

#define SPRN_DSISR  18
#define SPRN_DAR    19
#define SPRN_DEC    22
#define SPRN_SRR0   26
#define SPRN_SRR1   27
#define SPRN_PID    48      /* process ID: selects the user radix tree */
#define SPRN_SPRG1  273     /* trap entry: saved r13 */
#define SPRN_SPRG2  274     /* trap entry: saved CTR */
#define SPRN_SPRG3  275     /* trap entry: vector number | HSRR flag */
#define SPRN_HSPRG0 304     /* the CPU's struct ppc_cpu (ppc_cpu.h) */
#define SPRN_HSPRG1 305     /* trap entry: saved r12 */
#define SPRN_HDEC   310
#define SPRN_HSRR0  314
#define SPRN_HSRR1  315
#define SPRN_LPCR   318
#define SPRN_LPIDR  319
#define SPRN_VRSAVE 256     /* user's VMX register mask (ELFv2: preserved) */
#define SPRN_PVR    287     /* processor version (read-only) */
#define SPRN_HEIR   339
#define SPRN_PTCR   464     /* partition-table base and size */
#define SPRN_PSSCR  855
#define SPRN_PIR    1023    /* processor identification: the thread's XIVE VP */

/* MSR bits, little-endian bit numbers (the ISA's bit 63 - n). */
#define MSR_VEC     (1 << 25)   /* VMX (Altivec) available */
#define MSR_VSX     (1 << 23)   /* VSX available */
#define MSR_EE      (1 << 15)
#define MSR_PR      (1 << 14)
#define MSR_FP      (1 << 13)   /* floating point available */
#define MSR_ME      (1 << 12)
#define MSR_IR      (1 << 5)
#define MSR_DR      (1 << 4)
#define MSR_RI      (1 << 1)
#define MSR_LE      (1 << 0)
