/*
 * Entry from QEMU's Linux loader: the Image header, then drop from EL2 to
 * EL1 if need be, set up the stack, clear .bss and call arm_boot(fdt).
 * On entry (Documentation/arch/arm64/booting.rst): x0 = FDT, MMU and caches
 * off, all of DAIF masked, at EL2 or EL1.
 */
#include <arch_asm.h>

#define IMAGE_MAGIC 0x644d5241          /* "ARM\x64" little-endian */
#define IMAGE_FLAGS_4K (1 << 1)         /* LE, 4 KiB pages, base near start of DRAM */

#define CURRENTEL_EL2 (2 << 2)
#define HCR_EL2_RW (1 << 31)            /* EL1 is AArch64; nothing trapped to EL2 */
#define CPTR_EL2_RES1 0x32ff            /* bits 13:12, 9, 7:0; TFP (10) clear */
#define CNTHCTL_EL1PCTEN (1 << 0)       /* EL1 may read the physical counter */
#define CNTHCTL_EL1PCEN (1 << 1)        /* EL1 may use the physical timer */
#define SPSR_EL1H_MASKED 0x3c5          /* EL1h, D, A, I, F masked */
#define ID_AA64PFR0_GIC_SHIFT 24        /* non-zero: GICv3 system-register interface */
#define ICC_SRE_EL2_SRE (1 << 0)        /* EL2 uses the system registers */
#define ICC_SRE_EL2_ENABLE (1 << 3)     /* EL1 may use ICC_SRE_EL1 (else it traps to EL2) */
/* SCTLR_EL1: the ARMv8.0 RES1 bits, stack alignment check, I-cache on;
 * MMU, D-cache and alignment checking (A) off. */
#define SCTLR_EL1_RES1 ((1 << 29) | (1 << 28) | (1 << 23) | (1 << 22) | (1 << 20) | (1 << 11))
#define SCTLR_EL1_SA (1 << 3)
#define SCTLR_EL1_I (1 << 12)
#define SCTLR_EL1_BOOT (SCTLR_EL1_RES1 | SCTLR_EL1_SA | SCTLR_EL1_I)

    .section .text.head, "ax"
    .globl _start
_start:
    /* The 64-byte arm64 Image header; QEMU checks the magic and loads us at
     * RAM base + text_offset (both set in kernel.ld). */
    b       entry                       /* code0 */
    .long   0                           /* code1 */
    .quad   __text_offset               /* text_offset */
    .quad   __image_size                /* image_size, including .bss */
    .quad   IMAGE_FLAGS_4K              /* flags */
    .quad   0, 0, 0                     /* reserved */
    .long   IMAGE_MAGIC                 /* magic */
    .long   0                           /* res5 (PE header offset: none) */

entry:
    msr     daifset, #0xf
    mov     x19, x0                     /* FDT: keep in a callee-saved reg */
    mrs     x1, CurrentEL
    cmp     x1, #CURRENTEL_EL2
    b.ne    at_el1

    /* At EL2 (virtualization=on): the kernel owns EL1, so make EL1 AArch64,
     * stop trapping its timer accesses, zero the virtual counter offset, give
     * it the real CPU identity and drop to EL1h with everything masked. */
    mov     x1, #HCR_EL2_RW
    msr     hcr_el2, x1
    mrs     x1, cnthctl_el2
    orr     x1, x1, #(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN)
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mrs     x1, midr_el1
    msr     vpidr_el2, x1
    mrs     x1, mpidr_el1
    msr     vmpidr_el2, x1
    /* No trap of EL1/EL0 FP/SIMD to EL2 (CPTR_EL2.TFP clear, RES1 bits set):
     * user threads use them (arch/arm/fpu.S). */
    mov     x1, #CPTR_EL2_RES1
    msr     cptr_el2, x1

    /* A GICv3 CPU interface: let EL1 use its system registers itself (the
     * kernel talks to the physical interface, no virtual one), so EL1's
     * ICC_SRE_EL1 accesses do not trap to EL2, where no vectors are set. */
    mrs     x1, id_aa64pfr0_el1
    ubfx    x1, x1, #ID_AA64PFR0_GIC_SHIFT, #4
    cbz     x1, 1f
    mrs     x1, icc_sre_el2
    orr     x1, x1, #ICC_SRE_EL2_SRE    /* two orrs: 0b1001 is no logical immediate */
    orr     x1, x1, #ICC_SRE_EL2_ENABLE
    msr     icc_sre_el2, x1
    isb
    msr     ich_hcr_el2, xzr            /* virtual CPU interface off */
1:
    mov     x1, #SPSR_EL1H_MASKED
    msr     spsr_el2, x1
    adr     x1, at_el1
    msr     elr_el2, x1
    eret

at_el1:
    ldr     x1, =SCTLR_EL1_BOOT
    msr     sctlr_el1, x1
    isb
    adrp    x1, kernel_stack_top            /* kernel/stack.S */
    add     x1, x1, :lo12:kernel_stack_top
    mov     sp, x1

    /* .bss is 16-byte aligned and sized by kernel.ld. */
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b

2:  mov     x0, x19
    bl      arm_boot
3:  wfi                                 /* arm_boot never returns */
    b       3b
    .ltorg
