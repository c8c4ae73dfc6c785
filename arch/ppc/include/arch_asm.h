/* Assembler helpers for the POWER9 port (included by .S files only). */
#pragma once

#include <arch_port.h>
#include <ppc_spr.h>

/* Emit one instruction word in big-endian byte order, for code that runs
 * before (or right after) the switch from big- to little-endian. */
.macro BE_INSN word
    .byte ((\word) >> 24) & 0xff, ((\word) >> 16) & 0xff, ((\word) >> 8) & 0xff, (\word) & 0xff
.endm

/*
 * Enter little-endian mode whatever the current endianness (clobbers r10,
 * r11, HSRR0/1).  Read big-endian, the first word is "b .+8", so a BE CPU
 * runs the BE-encoded sequence, which flips MSR[LE] with hrfid and lands
 * right after it; read little-endian it is a no-op "tdi 0,0,0x48" followed
 * by a branch over the sequence.
 */
.macro FIXUP_ENDIAN
    tdi 0, 0, 0x48          /* BE: b .+8 */
    b 191f
    BE_INSN 0x7d6000a6      /* mfmsr   r11 */
    BE_INSN 0x696b0001      /* xori    r11,r11,1 (MSR[LE]) */
    BE_INSN 0x39400000      /* li      r10,0 */
    BE_INSN 0x7d410164      /* mtmsrd  r10,1 (EE = RI = 0) */
    BE_INSN 0x429f0005      /* bcl     20,31,.+4 */
    BE_INSN 0x7d4802a6      /* mflr    r10 */
    BE_INSN 0x394a0014      /* addi    r10,r10,20 (label 191) */
    BE_INSN 0x7d5a4ba6      /* mtspr   HSRR0,r10 */
    BE_INSN 0x7d7b4ba6      /* mtspr   HSRR1,r11 */
    BE_INSN 0x4c000224      /* hrfid */
191:
.endm

/* r = the TOC pointer, computed from the current address (clobbers LR). */
.macro LOAD_TOC r
    bcl 20, 31, 192f
192:
    mflr \r
    addis \r, \r, (.TOC. - 192b)@ha
    addi \r, \r, (.TOC. - 192b)@l
.endm

/* ELFv2 stack: the 288-byte protected zone below r1 that leaf code may use
 * (interrupts must not touch it), and the minimal frame (back chain, CR, LR,
 * TOC save). */
#define STACK_RED_ZONE   288
#define STACK_MIN_FRAME  32
#define STACK_LR_SAVE    16
#define STACK_TOC_SAVE   24
