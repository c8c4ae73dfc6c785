/* Floating point and SIMD for user threads (arch.h): the 32 V registers,
 * FPCR and FPSR, as struct arch_fpu lays them out.  The kernel is built
 * with -mgeneral-regs-only; this is the only code of it that touches them. */
    .arch_extension fp
    .arch_extension simd

#define FPU_V 16                    /* offsetof(struct arch_fpu, v) */

    .text

/* void arch_fpu_switch(struct arch_fpu *save, const struct arch_fpu *load)
 * Uses x2 and x3 only (caller-saved). */
    .globl arch_fpu_switch
    .type arch_fpu_switch, %function
arch_fpu_switch:
    cbz     x0, 1f
    stp     q0, q1, [x0, #FPU_V + 0]
    stp     q2, q3, [x0, #FPU_V + 32]
    stp     q4, q5, [x0, #FPU_V + 64]
    stp     q6, q7, [x0, #FPU_V + 96]
    stp     q8, q9, [x0, #FPU_V + 128]
    stp     q10, q11, [x0, #FPU_V + 160]
    stp     q12, q13, [x0, #FPU_V + 192]
    stp     q14, q15, [x0, #FPU_V + 224]
    stp     q16, q17, [x0, #FPU_V + 256]
    stp     q18, q19, [x0, #FPU_V + 288]
    stp     q20, q21, [x0, #FPU_V + 320]
    stp     q22, q23, [x0, #FPU_V + 352]
    stp     q24, q25, [x0, #FPU_V + 384]
    stp     q26, q27, [x0, #FPU_V + 416]
    stp     q28, q29, [x0, #FPU_V + 448]
    stp     q30, q31, [x0, #FPU_V + 480]
    mrs     x2, fpcr
    mrs     x3, fpsr
    stp     x2, x3, [x0, #0]
1:
    ldp     q0, q1, [x1, #FPU_V + 0]
    ldp     q2, q3, [x1, #FPU_V + 32]
    ldp     q4, q5, [x1, #FPU_V + 64]
    ldp     q6, q7, [x1, #FPU_V + 96]
    ldp     q8, q9, [x1, #FPU_V + 128]
    ldp     q10, q11, [x1, #FPU_V + 160]
    ldp     q12, q13, [x1, #FPU_V + 192]
    ldp     q14, q15, [x1, #FPU_V + 224]
    ldp     q16, q17, [x1, #FPU_V + 256]
    ldp     q18, q19, [x1, #FPU_V + 288]
    ldp     q20, q21, [x1, #FPU_V + 320]
    ldp     q22, q23, [x1, #FPU_V + 352]
    ldp     q24, q25, [x1, #FPU_V + 384]
    ldp     q26, q27, [x1, #FPU_V + 416]
    ldp     q28, q29, [x1, #FPU_V + 448]
    ldp     q30, q31, [x1, #FPU_V + 480]
    ldp     x2, x3, [x1, #0]
    msr     fpcr, x2
    msr     fpsr, x3
    ret
    .size arch_fpu_switch, . - arch_fpu_switch
