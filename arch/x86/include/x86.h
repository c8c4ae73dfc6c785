/* x86-64 port internals: constants shared with assembly, CPU access helpers,
 * and the functions the port's files call in one another. */
#pragma once

/* Segment selectors.  The boot GDT (entry.S) has the two kernel ones; gdt.c
 * adds the user ones (RPL 3 included) and the TSS in the order syscall and
 * sysretq need: kernel DS = kernel CS + 8, user DS = base + 8 and user CS =
 * base + 16 with base = X86_SYSRET_BASE (STAR[63:48]). */
#define X86_KERNEL_CS 0x08
#define X86_KERNEL_DS 0x10
#define X86_SYSRET_BASE X86_KERNEL_DS
#define X86_USER_DS (0x18 | 3)
#define X86_USER_CS (0x20 | 3)
#define X86_TSS_SEL 0x28

#define X86_TSS_RSP0 4              /* offset of rsp0 in the TSS (syscall.S reads it) */
#define X86_IST_DOUBLE_FAULT 1      /* #DF runs on its own stack (IST 1) */

/* struct arch_regs, for assembly: offset of cs and size. */
#define X86_FRAME_CS (18 * 8)
#define X86_FRAME_SIZE (22 * 8)

/* IDT vectors.  0-31 are the CPU's exceptions; the legacy 8259s are moved to
 * 0x20-0x2f and masked, so only their spurious vectors (IRQ 7, 15) can occur. */
#define X86_EXCEPTIONS 32
#define X86_VEC_PIC_SPURIOUS1 0x27
#define X86_VEC_PIC_SPURIOUS2 0x2f
#define X86_VEC_TIMER 0x30          /* LAPIC timer */
#define X86_VEC_IRQ_BASE 0x50       /* IOAPIC pin n -> vector 0x50 + n */
#define X86_IRQ_COUNT 24            /* vectors for IOAPIC pins (q35's has 24) */
#define X86_VEC_APIC_SPURIOUS 0xff
/* Not an IDT vector: marks a frame saved by the syscall entry (syscall.S), so
 * that it can go back with sysretq. */
#define X86_VEC_SYSCALL 0x100

#ifndef __ASSEMBLY__
#include <arch.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define MSR_EFER 0xc0000080
#define EFER_SCE (1u << 0)          /* syscall/sysret enabled */
#define EFER_NXE (1u << 11)         /* the NX bit of page-table entries */

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

/* gdt.c: GDT with user segments and the TSS (before x86_idt_init: #DF uses
 * the TSS's IST); rsp0 is where a trap from ring 3 pushes its frame. */
void x86_gdt_init(void);
void x86_tss_set_rsp0(uint64_t rsp0);
#define X86_COM1 0x3f8              /* the 16550 of the console */
#define X86_COM1_PORTS 8
/* COM1 raises ISA IRQ 4 (the PC's fact); the IOAPIC pin that arrives on is
 * the ACPI MADT's interrupt source override for it, else pin 4 (x86_irq_init
 * routes the console's line so; pin 4 on q35). */
#define X86_COM1_ISA_IRQ 4
/* Let ring 3 use the ports of the TSS's I/O bitmap (COM1's), or none. */
void x86_tss_allow_io(bool allow);

/* user.c: syscall MSRs; the C side of every trap from ring 3. */
void x86_syscall_init(void);
noreturn void x86_user_trap(struct arch_regs *regs);
noreturn void x86_syscall_slow(struct arch_regs *regs);

/* trap.S, syscall.S: restore the frame and enter ring 3. */
noreturn void x86_iret_to_user(struct arch_regs *regs);
noreturn void x86_sysret_to_user(struct arch_regs *regs);
void x86_syscall_entry(void);

/* console.c */

/* boot.c: called by entry.S in long mode with the Multiboot registers. */
noreturn void x86_boot(uint32_t magic, uint32_t info_pa);

/* trap.c: load the IDT; x86_trap is called by trap.S for every vector. */
void x86_idt_init(void);
void x86_trap(struct arch_regs *regs);

/* irq.c: legacy PICs off, local APIC on, IOAPIC pins masked (the ACPI MADT
 * read on the way); the RSDP it found, or 0. */
void x86_irq_init(void);
uint64_t x86_acpi_rsdp(void);
/* The HPET's registers, which the kernel's timer drives (timer.c). */
uint64_t x86_hpet_base(void);

/* timer.c: the LAPIC timer vector. */
void x86_timer_irq(struct arch_regs *regs);
#endif
