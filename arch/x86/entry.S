/*
 * Boot entry: QEMU's Multiboot loader jumps to _start in 32-bit protected mode
 * (paging off, eax = Multiboot magic, ebx = physical address of the info).
 * Identity-map the low 4 GiB with 2 MiB pages, enter long mode, and call
 * x86_boot(magic, info) on the kernel stack (kernel/stack.S): kernel_main
 * runs on it, and from the first entry to user mode on every trap from ring 3
 * starts it afresh.
 */
#include <x86.h>

#define MB_MAGIC 0x1badb002
#define MB_FLAG_PAGE_ALIGN (1 << 0)     /* modules on page boundaries */
#define MB_FLAG_MEMORY_INFO (1 << 1)    /* we want the memory map */
#define MB_FLAGS (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EXT_EDX_NX 20

#define PTE_P (1 << 0)
#define PTE_W (1 << 1)
#define PTE_PWT (1 << 3)
#define PTE_PCD (1 << 4)
#define PTE_PS (1 << 7)                 /* 2 MiB page in a page directory */
#define PAGE_SIZE 4096
#define PT_ENTRIES 512
#define LARGE_PAGE_SHIFT 21
#define PD_COUNT 4                      /* one page directory per GiB: 4 GiB */
/* q35 never puts RAM in 3-4 GiB (PCI hole, MMCONFIG, IOAPIC, HPET, LAPIC):
 * map that GiB uncached so device registers are not cached. */
#define FIRST_DEVICE_PDE (3 * PT_ENTRIES)

    .section .multiboot, "a"
    .balign 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov %eax, %esi                      /* keep magic in esi, info stays in ebx */

    /* Zero .bss: the page tables and the stack live there. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    mov $kernel_stack_top, %esp

    /* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories. */
    mov $boot_pdpt + (PTE_P | PTE_W), %eax
    mov %eax, boot_pml4
    mov $boot_pd + (PTE_P | PTE_W), %eax
    xor %ecx, %ecx
1:  mov %eax, boot_pdpt(, %ecx, 8)
    add $PAGE_SIZE, %eax
    inc %ecx
    cmp $PD_COUNT, %ecx
    jb 1b

    /* PD entry n maps 2 MiB at n << 21 (upper halves stay 0 from .bss). */
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $LARGE_PAGE_SHIFT, %eax
    or $(PTE_P | PTE_W | PTE_PS), %eax
    cmp $FIRST_DEVICE_PDE, %ecx
    jb 3f
    or $(PTE_PWT | PTE_PCD), %eax
3:  mov %eax, boot_pd(, %ecx, 8)
    inc %ecx
    cmp $(PD_COUNT * PT_ENTRIES), %ecx
    jb 2b

    /* Long mode: PAE, CR3, EFER.LME, then paging on (activates long mode). */
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    /* Also EFER.NXE where the CPU has NX: without it (or SMEP) a page fault's
     * error code does not mark instruction fetches. */
    mov %ebx, %edi                      /* cpuid clobbers ebx */
    mov $CPUID_EXT_FEATURES, %eax
    cpuid
    mov %edi, %ebx
    xor %edi, %edi
    bt $CPUID_EXT_EDX_NX, %edx
    jnc 5f
    mov $EFER_NXE, %edi
5:  mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    or %edi, %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_PE), %eax
    mov %eax, %cr0
    lgdt boot_gdt_ptr
    ljmp $X86_KERNEL_CS, $long_mode

    .code64
long_mode:
    mov $X86_KERNEL_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    mov $kernel_stack_top, %rsp
    xor %ebp, %ebp                      /* end of the frame-pointer chain */
    mov %esi, %edi                      /* x86_boot(magic, info_pa) */
    mov %ebx, %esi
    call x86_boot
4:  hlt
    jmp 4b

    /* Flat segments: only L (64-bit) and the access bytes matter in long mode. */
#define GDT_KERNEL_CODE64 0x00af9a000000ffff
#define GDT_KERNEL_DATA 0x00cf92000000ffff
    .section .data
    .balign 8
boot_gdt:
    .quad 0                             /* null descriptor */
    .quad GDT_KERNEL_CODE64             /* X86_KERNEL_CS */
    .quad GDT_KERNEL_DATA               /* X86_KERNEL_DS */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt

    .section .bss
    .balign PAGE_SIZE
boot_pml4:
    .skip PAGE_SIZE
boot_pdpt:
    .skip PAGE_SIZE
boot_pd:
    .skip PAGE_SIZE * PD_COUNT
