/*
 * arch.h - the one interface between generic kernel code and a processor port.
 *
 * A port lives in arch/<isa>/ and implements every hook below.  Generic code in
 * kernel/ includes nothing from arch/ except through this header (which pulls
 * in the port's <arch_port.h> for the types whose layout the processor decides).
 * A new port is "implement this header"; docs/porting.md walks through it.
 *
 * Conventions: hooks are called on the boot CPU with interrupts disabled unless
 * the contract says otherwise.  "counter" means the monotonic counter below.
 */
#pragma once

#include <types.h>

/*
 * <arch_port.h> (arch/<isa>/include/arch_port.h) must define:
 *   ARCH_NAME              ISA name as printed and used by the tools ("riscv64").
 *   ARCH_WORD_BITS         width of a register and of a pointer (64 on every
 *                          current port; checked below against uintptr_t).
 *   ARCH_PAGE_SHIFT        log2 of the base page size (12 on every current port).
 *   ARCH_USER_BASE, ARCH_USER_END: the user-space window [base, end) its
 *                          translation gives every task (below base: the
 *                          kernel's); ARCH_USER_VA_BITS: user virtual
 *                          addresses have this many bits (end must fit).
 *   struct arch_regs       the register frame a trap saves; generic code only
 *                          touches it through the accessors below.
 *   ARCH_REGS_IP_OFFSET, ARCH_REGS_SP_OFFSET: byte offsets in struct arch_regs
 *                          of the resume address and the stack pointer, and
 *                          optionally ARCH_REGS_ENTRY_OFFSET, a register that
 *                          must also hold a function's address when it is
 *                          entered (POWER ELFv2's r12).
 *   struct arch_aspace     a hardware address space: page-table root and tag.
 *   arch_pte_t             one page-table entry.
 *   ARCH_PT_LEVELS         number of page-table levels of a user address space.
 *   ARCH_ELF_MACHINE       the ELF e_machine of user programs.
 *   ARCH_SYSCALL_NUMBER_OFFSET, ARCH_SYSCALL_WORD_OFFSETS: the system-call
 *                          registers in struct arch_regs (see the end).
 *   struct arch_fpu        a thread's floating-point and SIMD registers, as
 *                          arch_fpu_switch() stores them (see the end).
 * and may define:
 *   ARCH_KSTACK_CANARY     1 where the kernel runs untranslated: the guard
 *                          page below the kernel stack then holds a canary
 *                          the port checks instead of being unmapped
 *                          (kernel/include/kstack.h).
 *   ARCH_ASPACE_INLINE: see arch_aspace_activate_inline.
 *   ARCH_FASTPATH_SETS_USER_FRAME, ARCH_COPY_WORDS, ARCH_COPY_WORDS_MAX,
 *   ARCH_COPY_WORDS_IS_CALL: see
 *                          fastpath_ipc below (kernel/fastpath.c).
 *   ARCH_NEW_PTE_FENCE     1 where a new page-table entry needs a fence
 *                          (see "Page-table stores" below).
 *   ARCH_PT_STORES_VISIBLE() the barrier the fast path's return skips
 *                          (see "Page-table stores" below).
 *   ARCH_FPU_ACCESS_INLINE 1 where arch_fpu_access is static inline in
 *                          arch_port.h (see "Floating point" below).
 *   ARCH_PTE_INLINE        1 where arch_pte_valid, arch_pte_is_table,
 *                          arch_pte_addr, arch_pte_leaf and arch_pte_rights
 *                          are static inline in arch_port.h (see the
 *                          page-table hooks below).
 * The static checks after the include hold these facts to what generic code
 * assumes, in every port's build.
 *
 * Contexts.  Every hook runs in the kernel on the one CPU with interrupts
 * disabled (the kernel is not preemptible; interrupts are taken only in user
 * mode, inside arch_wait_for_interrupt(), and between the self-test's
 * arch_irqs_enable() and arch_irqs_disable()).  "Interrupt context" below
 * means inside the kernel_timer_interrupt() or kernel_irq() upcall; the
 * hooks the contract allows there are the counter, the timer deadline,
 * the interrupt controller's (arch_irq_*) and the console.  No hook may
 * block or enable interrupts unless its contract says so.
 *
 * Page-table stores.  Generic code (kernel/vm.c) writes entries with plain
 * stores and then calls no hook for a new mapping; the port orders them:
 * every entry stored before arch_aspace_activate(), arch_tlb_flush_page()
 * or arch_return_to_user() is seen by the table walker before user code can
 * use the translation (AArch64: dsb ish in both; POWER9: the tlbie
 * sequence and isync; x86-64: the walker snoops stores; RISC-V: a removed
 * entry is fenced by sfence.vma in arch_tlb_flush_page).  A port whose
 * walker may also have cached the invalid entry a new one replaces (RISC-V:
 * the privileged spec lets it, and asks for SFENCE.VMA after an invalid
 * entry becomes valid too) defines ARCH_NEW_PTE_FENCE to 1; generic code then
 * calls arch_pt_fence_new() after storing each new valid entry of a space
 * that may have run with its current tag.  The fast path's return may skip
 * the barrier: where the fast path stored page-table entries (a map item)
 * it calls ARCH_PT_STORES_VISIBLE() first, which a port whose return to
 * user mode has that barrier defines (AArch64: dsb ish; POWER9: ptesync).
 */
#ifndef __ASSEMBLY__
/** Rights of a leaf mapping, as generic code asks for them. */
enum pte_rights { PTE_R = 1, PTE_W = 2, PTE_X = 4, PTE_USER = 8,
                  PTE_DEVICE = 16 /**< device memory: uncached, no speculation */ };
#endif
#include <arch_port.h>

#ifndef ARCH_PT_STORES_VISIBLE
#define ARCH_PT_STORES_VISIBLE() ((void)0)
#endif

_Static_assert(ARCH_WORD_BITS == 8 * sizeof(uintptr_t) && ARCH_WORD_BITS == 64,
               "generic code and the ABI's 64-bit words");
_Static_assert(ARCH_USER_BASE % ((uintptr_t)1 << ARCH_PAGE_SHIFT) == 0 &&
               ARCH_USER_END % ((uintptr_t)1 << ARCH_PAGE_SHIFT) == 0 &&
               ARCH_USER_BASE > 0 && ARCH_USER_BASE < ARCH_USER_END &&
               ARCH_USER_END - 1 <= ((uintptr_t)1 << ARCH_USER_VA_BITS) - 1,
               "user-space window: pages, not at 0, inside the user VA bits");
_Static_assert(ARCH_REGS_IP_OFFSET % sizeof(uintptr_t) == 0 &&
               ARCH_REGS_SP_OFFSET % sizeof(uintptr_t) == 0 &&
               ARCH_REGS_IP_OFFSET + sizeof(uintptr_t) <= sizeof(struct arch_regs) &&
               ARCH_REGS_SP_OFFSET + sizeof(uintptr_t) <= sizeof(struct arch_regs) &&
               ARCH_REGS_IP_OFFSET != ARCH_REGS_SP_OFFSET,
               "frame layout: resume address and stack pointer are words of the frame");
_Static_assert(ARCH_SYSCALL_NUMBER_OFFSET % sizeof(uintptr_t) == 0 &&
               ARCH_SYSCALL_NUMBER_OFFSET + sizeof(uintptr_t) <= sizeof(struct arch_regs),
               "frame layout: the system-call selector is a word of the frame");
#ifdef ARCH_REGS_ENTRY_OFFSET
_Static_assert(ARCH_REGS_ENTRY_OFFSET % sizeof(uintptr_t) == 0 &&
               ARCH_REGS_ENTRY_OFFSET + sizeof(uintptr_t) <= sizeof(struct arch_regs),
               "frame layout: the entry register is a word of the frame");
#endif

/** Lowest user virtual address (the port's fact; 512 GiB on every port). */
#define USER_BASE ((uintptr_t)ARCH_USER_BASE)
/** One past the highest user virtual address (the port's fact). */
#define USER_END ((uintptr_t)ARCH_USER_END)

#define ARCH_PAGE_SIZE ((uintptr_t)1 << ARCH_PAGE_SHIFT)

/* ------------------------------------------------------------------------ */
/* Boot                                                                      */
/* ------------------------------------------------------------------------ */

/** A physical memory range [base, base + size). */
struct mem_range {
    uint64_t base;  /**< first byte */
    uint64_t size;  /**< length in bytes */
};

#define BOOT_MAX_RANGES 32

/**
 * What the firmware handed over, as the port found it.  A port whose firmware
 * passes a flattened device tree sets fdt and leaves the rest to generic code;
 * a port without one (x86 Multiboot) fills ram[], initrd_* and cmdline itself.
 */
struct boot_info {
    const void *fdt;                 /**< device-tree blob, or NULL */
    struct mem_range ram[BOOT_MAX_RANGES]; /**< usable RAM (only if fdt == NULL) */
    uint32_t ram_count;              /**< entries used in ram[] */
    struct mem_range reserved[BOOT_MAX_RANGES]; /**< RAM the kernel must not hand out (always honoured) */
    uint32_t reserved_count;         /**< entries used in reserved[] */
    uint64_t initrd_base;            /**< boot image address (ditto) */
    uint64_t initrd_size;            /**< boot image size (ditto) */
    bool initrd_present;             /**< a boot image was handed over, maybe empty (ditto) */
    const char *cmdline;             /**< kernel command line (ditto), or NULL */
    uint64_t kernel_base;            /**< physical start of the loaded kernel image */
    uint64_t kernel_end;             /**< physical end of the loaded kernel image */
};

/** Generic entry.  The port's boot code calls it once on the boot CPU with a
 * stack, the early console working and interrupts disabled.  Never returns. */
noreturn void kernel_main(struct boot_info *bi);

/* ------------------------------------------------------------------------ */
/* Early console                                                             */
/* ------------------------------------------------------------------------ */

/** Write one byte to the boot console, polling; callable from any context. */
void arch_console_putc(char c);

/* ------------------------------------------------------------------------ */
/* Traps: the port's vectors save a struct arch_regs and call these upcalls.  */
/* ------------------------------------------------------------------------ */

/** Install the trap vectors; from then on exceptions reach kernel_exception(). */
void arch_trap_init(void);

/** Arch-neutral classification of a synchronous exception. */
enum fault_kind {
    FAULT_PAGE_READ,        /**< load from an unmapped or protected address */
    FAULT_PAGE_WRITE,       /**< store to an unmapped or protected address */
    FAULT_PAGE_EXEC,        /**< instruction fetch from a bad address */
    FAULT_ILLEGAL_INSN,     /**< undefined or privileged instruction */
    FAULT_BREAKPOINT,       /**< breakpoint instruction */
    FAULT_MISALIGNED,       /**< alignment fault */
    FAULT_DIVIDE,           /**< integer division by zero (where the ISA traps) */
    FAULT_OTHER,            /**< anything else; see arch_code */
    FAULT_KIND_COUNT
};

/** One synchronous exception, decoded by the port. */
struct fault_info {
    enum fault_kind kind;   /**< what happened */
    uintptr_t ip;           /**< address of the faulting instruction */
    uintptr_t addr;         /**< faulting data address, or 0 */
    uint64_t arch_code;     /**< raw cause (scause, ESR, vector, SRR1...) */
    bool from_user;         /**< trapped from user mode */
};

/** Upcall: a synchronous exception.  Returning resumes at arch_regs_ip(regs).
 * A fault in the kernel stack's guard page panics ("kernel stack overflow");
 * a port whose kernel-mode trap finds no room for its frame on the stack
 * calls kstack_overflow() on kernel_fault_stack_top instead (<kstack.h>). */
void kernel_exception(struct arch_regs *regs, const struct fault_info *fault);

/** Upcall: the timer deadline set with arch_timer_set_deadline() has passed.
 * The port has already silenced the timer source. */
void kernel_timer_interrupt(struct arch_regs *regs);

/** Upcall: device interrupt number irq is pending (masked until arch_irq_ack). */
void kernel_irq(struct arch_regs *regs, uint32_t irq);

/* The frame as data (the offsets of arch_port.h): inline, since the IPC
 * and exception paths use them. */
static inline uintptr_t *arch_regs_word_(const struct arch_regs *regs, size_t offset)
{
    return (uintptr_t *)(void *)((char *)(uintptr_t)regs + offset);
}
/** Instruction pointer of the frame. */
static inline uintptr_t arch_regs_ip(const struct arch_regs *regs)
{
    return *arch_regs_word_(regs, ARCH_REGS_IP_OFFSET);
}
/** Set the instruction pointer at which the frame resumes. */
static inline void arch_regs_set_ip(struct arch_regs *regs, uintptr_t ip)
{
    *arch_regs_word_(regs, ARCH_REGS_IP_OFFSET) = ip;
}
/** Make the frame resume at the start of the function at ip, as a call to
 * it would arrive (on POWER ELFv2 the global entry also wants r12 = ip). */
static inline void arch_regs_set_entry(struct arch_regs *regs, uintptr_t ip)
{
    arch_regs_set_ip(regs, ip);
#ifdef ARCH_REGS_ENTRY_OFFSET
    *arch_regs_word_(regs, ARCH_REGS_ENTRY_OFFSET) = ip;
#endif
}
/** Stack pointer of the frame. */
static inline uintptr_t arch_regs_sp(const struct arch_regs *regs)
{
    return *arch_regs_word_(regs, ARCH_REGS_SP_OFFSET);
}
/** Set the stack pointer the frame resumes with. */
static inline void arch_regs_set_sp(struct arch_regs *regs, uintptr_t sp)
{
    *arch_regs_word_(regs, ARCH_REGS_SP_OFFSET) = sp;
}
/** Print every register of the frame, one readable block, with kprintf. */
void arch_regs_dump(const struct arch_regs *regs);

/**
 * Fault fix-ups.  Assembly that may fault on purpose (self-tests, probes)
 * records a (faulting instruction, resume address) pair in section .extable
 * with the EXTABLE_ENTRY macro of <extable_asm.h>; the linker script brackets the
 * section with __extable_start/__extable_end.  Generic code looks faults up
 * there (kernel/extable.c) and resumes at the fix-up instead of panicking.
 */
struct extable_entry {
    uintptr_t fault_ip;     /**< instruction that may fault */
    uintptr_t fixup_ip;     /**< where to resume if it does */
};

/** Load a word from addr with a fix-up: 0 and *val on success, -1 if it faulted. */
int arch_probe_read(uintptr_t addr, uintptr_t *val);

/** An address whose access in kernel mode faults on this machine (for self-tests). */
uintptr_t arch_bad_address(void);

/** Fill every general register with a pattern, execute an illegal instruction
 * (handled through the fix-up table), and check that every register came back
 * intact.  Returns the number of registers that differ (0 = all restored). */
uint32_t arch_trap_roundtrip_check(void);

/* ------------------------------------------------------------------------ */
/* Timer and counter                                                         */
/* ------------------------------------------------------------------------ */

/** Make the counter and the timer interrupt usable.  Called after arch_trap_init. */
void arch_timer_init(void);
/** Monotonic 64-bit counter of the machine's own clock; never goes backwards. */
uint64_t arch_counter_read(void);
/** Counter ticks per second. */
uint64_t arch_counter_hz(void);
/** Arm a one-shot timer interrupt for when the counter reaches deadline (past
 * deadlines fire at once).  Replaces any earlier deadline. */
void arch_timer_set_deadline(uint64_t deadline);
/** Cancel the pending deadline, if any. */
void arch_timer_cancel(void);

/* ------------------------------------------------------------------------ */
/* Interrupts                                                                */
/* ------------------------------------------------------------------------ */

/** Enable interrupt delivery on this CPU. */
void arch_irqs_enable(void);
/** Disable interrupt delivery on this CPU. */
void arch_irqs_disable(void);
/** Sleep until an interrupt arrives; the interrupt is handled before return.
 * Called with interrupts disabled, returns with them disabled. */
void arch_wait_for_interrupt(void);
/** Unmask device interrupt irq at the interrupt controller.  Any context
 * with interrupts disabled (an upcall, a system call); no-op for a number the
 * controller does not have. */
void arch_irq_enable(uint32_t irq);
/** Mask device interrupt irq at the interrupt controller.  Same contexts. */
void arch_irq_mask(uint32_t irq);
/** End of interrupt for irq: only inside kernel_irq() for the irq it got
 * (the controller then delivers other interrupts again). */
void arch_irq_ack(uint32_t irq);
/** Number of device interrupt lines (0 .. n - 1, numbered as kernel_irq
 * reports them) a user driver may ask for; 0 where none reaches
 * kernel_irq().  Any context. */
uint32_t arch_irq_lines(void);
/** True if irq is a line the kernel keeps for itself (its timer, per-CPU
 * lines, a number the controller reserves): no IRQ capability names it. */
bool arch_irq_kernel_line(uint32_t irq);
/** A line the kernel keeps (for tests and KEEL_IRQCTL_INFO), or
 * KEEL_IRQ_NONE. */
uint32_t arch_irq_kernel_example(void);

/* ------------------------------------------------------------------------ */
/* Devices for user-level drivers                                           */
/* ------------------------------------------------------------------------ */

/** The kernel console's UART as a user driver sees it (keel/irq.h). */
struct arch_uart {
    uint32_t kind;          /**< enum keel_uart_kind */
    uint64_t base;          /**< physical address, or first I/O port */
    uint32_t line;          /**< its interrupt line, or KEEL_IRQ_NONE */
    uint32_t stride;        /**< bytes between registers */
};
/** Describe the console UART.  Any context. */
void arch_console_uart(struct arch_uart *u);
/** Let the tasks of as use I/O ports [port, port + count); false if no user
 * driver may have them.  A port with port I/O defines ARCH_PORT_IO in its
 * arch_port.h and these two; kernel/device.c answers false for the others. */
bool arch_io_grant(struct arch_aspace *as, uint32_t port, uint32_t count);
/** True where the machine has port I/O (x86). */
bool arch_has_port_io(void);

/* ------------------------------------------------------------------------ */
/* Power                                                                     */
/* ------------------------------------------------------------------------ */

/* Power the machine off, carrying status (0 = success) to the host where the
 * machine can (see docs/porting.md for each machine's exit code).  The
 * verdict line has already been printed by generic code. */
noreturn void arch_poweroff(int status);

/* ------------------------------------------------------------------------ */
/* Address spaces, user mode, system calls (kernel core; docs/design.md)     */
/* ------------------------------------------------------------------------ */

/*
 * Memory model, the same on every port: the kernel runs 1:1 (virtual =
 * physical) with everything below USER_BASE mapped kernel-only in every
 * address space (ppc runs its kernel in real mode instead); user space is
 * [USER_BASE, USER_END), the same window on every ISA, built by generic
 * code (kernel/vm.c) from the entry format the port supplies.
 *
 * Execution model: one kernel stack per CPU, no kernel threads.  A trap from
 * user mode saves the user registers into the frame named by
 * arch_set_user_frame() (the current thread's), runs the upcall on the
 * kernel stack, then asks kernel_user_resume() which frame to restore.  A
 * thread that blocks simply is not resumed; nothing of it lives on the stack.
 */


/* (enum pte_rights, the rights of a leaf mapping, is above the port's
 * include: its inline arch_pte_leaf/arch_pte_rights use them.) */

/** Map all memory below phys_end and the devices the port uses 1:1 and
 * kernel-only, but not the guard page below the kernel stack
 * (kernel_stack_guard, <kstack.h>), and turn translation on for the kernel
 * (a no-op where the kernel runs untranslated: ARCH_KSTACK_CANARY).  Called
 * once, before any address space exists. */
void arch_mmu_init(uint64_t phys_end);

/** Page-table layout: generic code walks ARCH_PT_LEVELS levels (0 = root),
 * each indexing arch_pt_index_bits(level) bits of the virtual address. */
uint32_t arch_pt_index_bits(uint32_t level);
/** An entry pointing to the next-level table at physical address pa. */
arch_pte_t arch_pte_table(uint64_t pa);
/*
 * The three entry tests of a walk, the leaf entry and its rights.  A port
 * may define them static inline in its <arch_port.h> and define
 * ARCH_PTE_INLINE to 1 (every port does: a walk is then a few instructions
 * a level, and a map item's store and rights check make no call); else
 * they are its functions.  Inline, they may read only what the port fixed
 * at arch_mmu_init (x86: whether NX is on).
 */
#ifndef ARCH_PTE_INLINE
#define ARCH_PTE_INLINE 0
#endif
#if !ARCH_PTE_INLINE
/** A leaf entry mapping the page at pa with rights (PTE_R/W/X/USER bits);
 * PTE_DEVICE gives it the ISA's device-memory attributes. */
arch_pte_t arch_pte_leaf(uint64_t pa, uint32_t rights);
/** True if the entry is valid. */
bool arch_pte_valid(arch_pte_t pte);
/** True if the entry points to a next-level table (not a leaf). */
bool arch_pte_is_table(arch_pte_t pte);
/** Physical address the entry points to (a table, or a leaf at any level:
 * then the first byte of its page, aligned to the page's size). */
uint64_t arch_pte_addr(arch_pte_t pte);
/** Rights (PTE_R/W/X/USER) of a leaf entry, at any level. */
uint32_t arch_pte_rights(arch_pte_t pte);
#endif

/*
 * Large pages (docs/design.md, "Large pages").  An entry above the last
 * level may be a leaf mapping the whole region that level's entry covers
 * (2 MiB at the level above the last, 1 GiB above that, with 4 KiB pages
 * and 9-bit levels): x86 PS, AArch64 block descriptors, RISC-V leaves at
 * level 1/2, POWER9 radix leaf PDEs.  Generic code (kernel/vm.c) decides
 * where one fits (size and alignment of the region, an empty slot) and
 * asks the port only for the entry and the TLB flush.  arch_pte_is_table()
 * tells a large leaf from a table at every level above the last.
 */
/** True if level (0 = root, below ARCH_PT_LEVELS - 1) may hold a leaf on
 * this machine.  The last level always holds leaves and is not asked
 * about.  The same answer for the kernel's lifetime, after arch_mmu_init. */
bool arch_pt_leaf_ok(uint32_t level);
/** A leaf entry at level (one arch_pt_leaf_ok() allows) mapping the
 * naturally aligned region at pa of that level's size with rights, as
 * arch_pte_leaf() does for one page. */
arch_pte_t arch_pte_leaf_at(uint64_t pa, uint32_t rights, uint32_t level);
/** Set up as around the zeroed root table at root_pa: install the kernel's
 * mappings in it.  It gets its tag from arch_aspace_set_tag before it is
 * first activated. */
void arch_aspace_init(struct arch_aspace *as, uint64_t root_pa);
/** Width in bits of the address-space tags (PCID/ASID/PID) the MMU was set
 * up with, as the hardware reports it; 0 if there are none.  After
 * arch_mmu_init. */
uint32_t arch_tag_bits(void);
/** Give as hardware tag tag (1 .. 2^arch_tag_bits() - 1, or 0 without tags),
 * which may have tagged other address spaces before: every TLB entry (and
 * cached table entry) of tag is dropped before as runs with it. */
void arch_aspace_set_tag(struct arch_aspace *as, uint32_t tag);
/** Make as the current user address space on this CPU (no full TLB flush).
 * Without tags (arch_tag_bits() 0: every space has tag 0) a switch to
 * another space drops the user entries the previous one left. */
void arch_aspace_activate(const struct arch_aspace *as);
/** arch_aspace_activate(as), inline where the port gives it (vm_activate,
 * and so the IPC fast path and kernel_user_resume, use this one): a port
 * that defines ARCH_ASPACE_INLINE 1 in arch_port.h gives there a static
 * inline arch_aspace_activate_inline() with the same effect, whose common
 * case makes no call (its rare ones may call out of line), and its
 * arch_aspace_activate() is that same code; the IPC fast path then needs
 * no call, nor the callee-saved registers a call costs, for the switch. */
#if !ARCH_ASPACE_INLINE
static inline void arch_aspace_activate_inline(const struct arch_aspace *as)
{
    arch_aspace_activate(as);
}
#endif
/** Drop any TLB entry of as for the page at va. */
void arch_tlb_flush_page(const struct arch_aspace *as, uintptr_t va);
#ifndef ARCH_NEW_PTE_FENCE
#define ARCH_NEW_PTE_FENCE 0
#endif
#ifndef ARCH_PT_FENCE_INLINE
#define ARCH_PT_FENCE_INLINE 0
#endif
#if ARCH_NEW_PTE_FENCE && !ARCH_PT_FENCE_INLINE
/** Only where ARCH_NEW_PTE_FENCE: an invalid entry of as on the walk to va
 * has just become valid (a leaf mapping va if leaf, else a table under
 * which va will be mapped); the walker must not use an invalid copy of it
 * it may have cached.  A port may define it static inline in <arch_port.h>
 * and define ARCH_PT_FENCE_INLINE 1 (RISC-V does). */
void arch_pt_fence_new(const struct arch_aspace *as, uintptr_t va, bool leaf);
#endif
/** Drop any TLB entry of as for the large leaf at level (above the last)
 * that mapped va, aligned to that level's size (POWER9's tlbie must name
 * the page size; the other ports flush it as one page at va). */
void arch_tlb_flush_leaf(const struct arch_aspace *as, uintptr_t va, uint32_t level);

/** Make regs a user-mode frame that starts at ip with stack sp and arg in
 * the first argument register, every other register zero. */
void arch_regs_init_user(struct arch_regs *regs, uintptr_t ip, uintptr_t sp, uintptr_t arg);
/** The next trap from user mode saves the user registers into *regs. */
void arch_set_user_frame(struct arch_regs *regs);
/** Restore every register from the user frame regs and enter user mode;
 * resets the kernel stack.  Never returns. */
noreturn void arch_return_to_user(struct arch_regs *regs);

/** Upcall: after any trap from user mode, the frame to resume (it has been
 * made current with arch_set_user_frame and its address space activated).
 * Generic code may idle inside it until a thread is runnable. */
struct arch_regs *kernel_user_resume(void);

/** Upcall: a user thread executed the system-call instruction. */
void kernel_syscall(struct arch_regs *regs);
/** Upcall, before kernel_syscall(), only for the IPC system call (selector
 * KEEL_SYS_IPC, 0: the entry tests it, so that other system calls pay
 * nothing for the fast path): the IPC fast path (kernel/fastpath.c).
 * The frame to restore next (its address space, FP/SIMD state and user
 * frame already switched), or NULL: nothing was done, take the general path. */
struct arch_regs *fastpath_ipc(struct arch_regs *regs);
/** Number of system-call words travelling in registers. */
#define SYSCALL_WORDS 8

/*
 * The system-call register ABI, as data: arch_port.h defines
 * ARCH_SYSCALL_NUMBER_OFFSET (byte offset in struct arch_regs of the selector:
 * x86 rax, arm x8, ppc r0, riscv t0) and ARCH_SYSCALL_WORD_OFFSETS (an
 * initializer of the SYSCALL_WORDS offsets of words 0-7: rdi rsi rdx r10 r8
 * r9 r12 r13 on x86, x0-x7 on arm, r3-r10 on ppc, a0-a7 on riscv).  The
 * accessors are generic and inline: they sit on the IPC path.
 */
static inline uint64_t *arch_syscall_slot(const struct arch_regs *regs, uint32_t i)
{
    static const uint16_t offsets[SYSCALL_WORDS] = ARCH_SYSCALL_WORD_OFFSETS;
    return (uint64_t *)(void *)((char *)(uintptr_t)regs + offsets[i]);
}

/** System-call selector of the frame. */
static inline uintptr_t arch_syscall_number(const struct arch_regs *regs)
{
    return *(const uint64_t *)(const void *)((const char *)regs + ARCH_SYSCALL_NUMBER_OFFSET);
}

/** System-call word i (0 <= i < SYSCALL_WORDS, else 0), in and out. */
static inline uintptr_t arch_syscall_word(const struct arch_regs *regs, uint32_t i)
{
    return i < SYSCALL_WORDS ? *arch_syscall_slot(regs, i) : 0;
}

/** Set system-call word i of the frame (what user code sees on return). */
static inline void arch_syscall_set_word(struct arch_regs *regs, uint32_t i, uintptr_t value)
{
    if (i < SYSCALL_WORDS)
        *arch_syscall_slot(regs, i) = value;
}

/* ------------------------------------------------------------------------ */
/* Floating point and SIMD (docs/design.md, "Floating point")               */
/* ------------------------------------------------------------------------ */

/*
 * User threads own the ISA's FP/SIMD registers under the compilers' default
 * ABI; the kernel is built FP-free and never touches them except here.  Each
 * thread keeps a struct arch_fpu; the CPU's registers hold one thread's, the
 * owner's (sched.fpu_owner).  A port chooses how they follow the threads:
 *
 *   Eager (the default; x86-64): generic code stores the owner's and loads
 *   the resumed thread's, by arch_fpu_switch, whenever it resumes another
 *   thread (kernel_user_resume and the fast path).
 *
 *   Lazy (the port defines ARCH_FPU_LAZY to 1; AArch64, POWER9, RISC-V):
 *   a switch leaves the owner's registers in the CPU; generic code resumes
 *   every thread with arch_fpu_access(frame, thread == owner), so any other
 *   thread's first FP/SIMD instruction traps, and the port passes that trap
 *   to kernel_fpu_trap(), which stores the owner's state, loads the current
 *   thread's and makes it the owner.  A thread that trapped so is resumed
 *   eagerly for its next few switches (FPU_EAGER_RESUMES, thread.h).
 */

/** Let user mode, and arch_fpu_switch in the kernel, use the FP/SIMD
 * registers on this CPU.  Once, after arch_trap_init. */
void arch_fpu_init(void);
/** Fill fpu with the state a new thread starts with: registers zero, the
 * ABI's default control (round to nearest, exceptions masked). */
void arch_fpu_state_init(struct arch_fpu *fpu);
/** Store the CPU's FP/SIMD registers into *save (skipped if save is NULL),
 * then load them from *load.  Clobbers no general register the C ABI keeps.
 * Works whatever arch_fpu_access last said (the kernel's own access is never
 * turned off). */
void arch_fpu_switch(struct arch_fpu *save, const struct arch_fpu *load);

#ifndef ARCH_FPU_LAZY
#define ARCH_FPU_LAZY 0
#endif
#if ARCH_FPU_LAZY
/** Lazy ports only.  The thread of frame regs is resumed next: from the
 * next return to user mode it may use the FP/SIMD unit (on: it owns the
 * registers), or (off) its first FP/SIMD instruction traps to
 * kernel_fpu_trap, and it can neither read nor change the registers.  Set
 * in the frame or on the CPU, as the ISA keeps it; called on every resume,
 * so a frame rewritten in between (arch_regs_init_user) is corrected.  A
 * port may define it static inline in <arch_port.h> and define
 * ARCH_FPU_ACCESS_INLINE to 1 (every lazy port does: it is a few
 * instructions, and every resume, the null system call's too, pays it). */
#ifndef ARCH_FPU_ACCESS_INLINE
#define ARCH_FPU_ACCESS_INLINE 0
#endif
#if !ARCH_FPU_ACCESS_INLINE
void arch_fpu_access(struct arch_regs *regs, bool on);
#endif
/** Upcall, lazy ports only: the current thread (frame regs) used the
 * FP/SIMD unit while arch_fpu_access had turned it off (AArch64 ESR EC 0x07;
 * POWER9 interrupts 0x800, 0xf20, 0xf40; RISC-V an illegal instruction with
 * sstatus.FS Off: the port tells it from a truly illegal one, which traps
 * again with FS on).  Makes it the owner; the port then resumes as after
 * any trap (kernel_user_resume), which turns access on and re-executes the
 * instruction. */
void kernel_fpu_trap(struct arch_regs *regs);
#endif
