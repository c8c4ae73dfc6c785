/*
 * Floating point and SIMD for user threads (arch.h): x87, MMX and SSE state
 * as FXSAVE stores it (512 bytes), switched eagerly by generic code.  The
 * kernel itself is built without SSE or x87 (port.py); only the two
 * instructions below touch these registers in ring 0.
 */
#include <kernel.h>

#define CR0_MP (1ull << 1)          /* wait/fwait honours TS */
#define CR0_EM (1ull << 2)          /* clear: x87 and SSE execute, not trap */
#define CR0_TS (1ull << 3)          /* clear: no lazy-switch trap (#NM) */
#define CR0_NE (1ull << 5)          /* x87 errors as #MF, not the legacy IRQ 13 */
#define CR4_OSFXSR (1ull << 9)      /* FXSAVE/FXRSTOR cover SSE; SSE enabled */
#define CR4_OSXMMEXCPT (1ull << 10) /* unmasked SSE exceptions raise #XM */

#define FCW_DEFAULT 0x037f          /* x87: all exceptions masked, 64-bit, nearest */
#define MXCSR_DEFAULT 0x1f80        /* SSE: all exceptions masked, nearest */

_Static_assert(sizeof(struct arch_fpu) == 512, "the FXSAVE area");

void arch_fpu_init(void)
{
    uint64_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"((cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT));
    __asm__ volatile("fninit");
}

void arch_fpu_state_init(struct arch_fpu *fpu)
{
    *fpu = (struct arch_fpu){ .fcw = FCW_DEFAULT, .mxcsr = MXCSR_DEFAULT };
}

void arch_fpu_switch(struct arch_fpu *save, const struct arch_fpu *load)
{
    if (save)
        __asm__ volatile("fxsave64 %0" : "=m"(*save));
    __asm__ volatile("fxrstor64 %0" : : "m"(*load));
}
