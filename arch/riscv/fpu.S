/* Floating point for user threads (arch.h): f0-f31 and fcsr, as struct
 * arch_fpu lays them out.  The kernel is built for rv64imac (no F or D),
 * so its assembler does not know the FP mnemonics: fsd and fld are spelled
 * as .insn with the register numbers (same encoding), fcsr as CSR 3. */

#define SSTATUS_FS (3 << 13)        /* FP unit state: Off, Initial, Clean, Dirty (3) */
#define SSTATUS_FS_DIRTY_TO_CLEAN (1 << 13)   /* Dirty (3) minus this is Clean (2) */
#define CSR_FCSR 3
#define FPU_FCSR (32 * 8)           /* offsetof(struct arch_fpu, fcsr) */

    .text

/* void arch_fpu_switch(struct arch_fpu *save, const struct arch_fpu *load)
 * Uses t0-t2.  sstatus.FS is the FP state of the thread that owns the
 * registers while it is the one resumed (arch_return_to_user keeps the
 * CPU's FS, not the frame's), and Off while another is (user.c,
 * arch_fpu_access, which keeps the owner's in riscv_fpu_owner_fs).  It is
 * Dirty only if the owner wrote an FP register since they were last
 * loaded, so a Clean owner's saved copy is still exact and is not stored
 * again.  FS is set to Dirty here to reach the registers, and left Clean:
 * they now match *load. */
    .globl arch_fpu_switch
    .type arch_fpu_switch, @function
arch_fpu_switch:
    csrr    t0, sstatus
    li      t1, SSTATUS_FS
    and     t0, t0, t1
    bnez    t0, 2f
    lla     t2, riscv_fpu_owner_fs     /* Off: the owner's FS was kept there */
    ld      t0, 0(t2)
2:  csrs    sstatus, t1
    beqz    a0, 1f
    bne     t0, t1, 1f                  /* not Dirty: *save is current */
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .insn s 0x27, 3, x\n, (\n * 8)(a0)          /* fsd f\n */
    .endr
    csrr    t0, CSR_FCSR
    sd      t0, FPU_FCSR(a0)
1:  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .insn i 0x07, 3, x\n, (\n * 8)(a1)          /* fld f\n */
    .endr
    ld      t0, FPU_FCSR(a1)
    csrw    CSR_FCSR, t0
    li      t1, SSTATUS_FS_DIRTY_TO_CLEAN
    csrc    sstatus, t1                 /* FS = Clean */
    ret
    .size arch_fpu_switch, . - arch_fpu_switch
