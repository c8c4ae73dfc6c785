/* setjmp and longjmp for 64-bit PowerPC, ELFv2 ABI (little-endian), for
 * newlib, whose libc/machine/powerpc/setjmp.S is 32-bit only (and
 * tools/newlib-src.sh puts this file in its place).  newlib's jmp_buf is
 * 64 doubles (512 bytes) with AltiVec, which POWER9 code has: exactly the
 * ABI's non-volatile state below.  The vector registers are stored with
 * stxvd2x, which needs no 16-byte alignment (jmp_buf has 8).
 *
 *   0 r1   8 r2   16 lr   24 cr   32 r14-r31   176 f14-f31   320 v20-v31
 */
	.abiversion 2
	.text

	.globl setjmp
	.type setjmp, @function
	.p2align 4
setjmp:
	std 1, 0(3)
	std 2, 8(3)
	mflr 0
	std 0, 16(3)
	mfcr 0
	std 0, 24(3)
	std 14, 32(3)
	std 15, 40(3)
	std 16, 48(3)
	std 17, 56(3)
	std 18, 64(3)
	std 19, 72(3)
	std 20, 80(3)
	std 21, 88(3)
	std 22, 96(3)
	std 23, 104(3)
	std 24, 112(3)
	std 25, 120(3)
	std 26, 128(3)
	std 27, 136(3)
	std 28, 144(3)
	std 29, 152(3)
	std 30, 160(3)
	std 31, 168(3)
	stfd 14, 176(3)
	stfd 15, 184(3)
	stfd 16, 192(3)
	stfd 17, 200(3)
	stfd 18, 208(3)
	stfd 19, 216(3)
	stfd 20, 224(3)
	stfd 21, 232(3)
	stfd 22, 240(3)
	stfd 23, 248(3)
	stfd 24, 256(3)
	stfd 25, 264(3)
	stfd 26, 272(3)
	stfd 27, 280(3)
	stfd 28, 288(3)
	stfd 29, 296(3)
	stfd 30, 304(3)
	stfd 31, 312(3)
	li 5, 320
	stxvd2x 52, 3, 5
	addi 5, 5, 16
	stxvd2x 53, 3, 5
	addi 5, 5, 16
	stxvd2x 54, 3, 5
	addi 5, 5, 16
	stxvd2x 55, 3, 5
	addi 5, 5, 16
	stxvd2x 56, 3, 5
	addi 5, 5, 16
	stxvd2x 57, 3, 5
	addi 5, 5, 16
	stxvd2x 58, 3, 5
	addi 5, 5, 16
	stxvd2x 59, 3, 5
	addi 5, 5, 16
	stxvd2x 60, 3, 5
	addi 5, 5, 16
	stxvd2x 61, 3, 5
	addi 5, 5, 16
	stxvd2x 62, 3, 5
	addi 5, 5, 16
	stxvd2x 63, 3, 5
	li 3, 0
	blr
	.size setjmp, . - setjmp

	.globl longjmp
	.type longjmp, @function
	.p2align 4
longjmp:
	ld 1, 0(3)
	ld 2, 8(3)
	ld 0, 16(3)
	mtlr 0
	ld 0, 24(3)
	mtcrf 0x38, 0		/* cr2-cr4, the non-volatile fields */
	ld 14, 32(3)
	ld 15, 40(3)
	ld 16, 48(3)
	ld 17, 56(3)
	ld 18, 64(3)
	ld 19, 72(3)
	ld 20, 80(3)
	ld 21, 88(3)
	ld 22, 96(3)
	ld 23, 104(3)
	ld 24, 112(3)
	ld 25, 120(3)
	ld 26, 128(3)
	ld 27, 136(3)
	ld 28, 144(3)
	ld 29, 152(3)
	ld 30, 160(3)
	ld 31, 168(3)
	lfd 14, 176(3)
	lfd 15, 184(3)
	lfd 16, 192(3)
	lfd 17, 200(3)
	lfd 18, 208(3)
	lfd 19, 216(3)
	lfd 20, 224(3)
	lfd 21, 232(3)
	lfd 22, 240(3)
	lfd 23, 248(3)
	lfd 24, 256(3)
	lfd 25, 264(3)
	lfd 26, 272(3)
	lfd 27, 280(3)
	lfd 28, 288(3)
	lfd 29, 296(3)
	lfd 30, 304(3)
	lfd 31, 312(3)
	li 5, 320
	lxvd2x 52, 3, 5
	addi 5, 5, 16
	lxvd2x 53, 3, 5
	addi 5, 5, 16
	lxvd2x 54, 3, 5
	addi 5, 5, 16
	lxvd2x 55, 3, 5
	addi 5, 5, 16
	lxvd2x 56, 3, 5
	addi 5, 5, 16
	lxvd2x 57, 3, 5
	addi 5, 5, 16
	lxvd2x 58, 3, 5
	addi 5, 5, 16
	lxvd2x 59, 3, 5
	addi 5, 5, 16
	lxvd2x 60, 3, 5
	addi 5, 5, 16
	lxvd2x 61, 3, 5
	addi 5, 5, 16
	lxvd2x 62, 3, 5
	addi 5, 5, 16
	lxvd2x 63, 3, 5
	mr 3, 4			/* longjmp(env, 0) makes setjmp return 1 */
	cmpdi 4, 0
	bnelr
	li 3, 1
	blr
	.size longjmp, . - longjmp

	.section .note.GNU-stack, "", @progbits
