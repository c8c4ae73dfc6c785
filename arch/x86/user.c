/*
 * User mode: user frames, the way back to ring 3, the syscall MSRs and the
 * system-call register ABI (selector in rax; words in rdi rsi rdx r10 r8 r9
 * r12 r13, in and out; syscall itself clobbers rcx and r11).
 */
#include <kernel.h>
#include <x86.h>

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define STAR_SYSCALL_SHIFT 32       /* syscall: CS = this, SS = this + 8 */
#define STAR_SYSRET_SHIFT 48        /* sysretq: SS = this + 8, CS = this + 16 */

#define RFLAGS_CF (1u << 0)
#define RFLAGS_RESERVED1 (1u << 1)  /* always set */
#define RFLAGS_PF (1u << 2)
#define RFLAGS_AF (1u << 4)
#define RFLAGS_ZF (1u << 6)
#define RFLAGS_SF (1u << 7)
#define RFLAGS_TF (1u << 8)
#define RFLAGS_IF (1u << 9)
#define RFLAGS_DF (1u << 10)
#define RFLAGS_OF (1u << 11)
#define RFLAGS_NT (1u << 14)
#define RFLAGS_AC (1u << 18)
#define RFLAGS_ID (1u << 21)
/* What user code may hold in rflags (no IOPL, NT, VM...); IF is forced on. */
#define RFLAGS_USER (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
                     RFLAGS_TF | RFLAGS_DF | RFLAGS_OF | RFLAGS_AC | RFLAGS_ID)
/* Cleared on syscall: interrupts off; no single step, no string direction or
 * alignment check from user mode leaking into the kernel. */
#define SYSCALL_RFLAGS_CLEAR (RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC)

#define VA_BITS 48                  /* canonical: bits 63..47 all equal */

_Static_assert(__builtin_offsetof(struct arch_regs, cs) == X86_FRAME_CS, "trap.S");
_Static_assert(sizeof(struct arch_regs) == X86_FRAME_SIZE, "trap.S");
_Static_assert(X86_USER_DS == ((X86_SYSRET_BASE + 8) | 3) &&
               X86_USER_CS == ((X86_SYSRET_BASE + 16) | 3), "sysretq selectors");

void x86_syscall_init(void)
{
    wrmsr(MSR_STAR, (uint64_t)X86_SYSRET_BASE << STAR_SYSRET_SHIFT |
                    (uint64_t)X86_KERNEL_CS << STAR_SYSCALL_SHIFT);
    wrmsr(MSR_LSTAR, (uintptr_t)x86_syscall_entry);
    wrmsr(MSR_SFMASK, SYSCALL_RFLAGS_CLEAR);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

void arch_regs_init_user(struct arch_regs *r, uintptr_t ip, uintptr_t sp, uintptr_t arg)
{
    *r = (struct arch_regs){
        .rip = ip,
        .rsp = sp - 8,              /* as if just called: rsp + 8 is 16-aligned */
        .rdi = arg,
        .rflags = RFLAGS_IF | RFLAGS_RESERVED1,
        .cs = X86_USER_CS,
        .ss = X86_USER_DS,
    };
}

void arch_set_user_frame(struct arch_regs *r)
{
    uintptr_t end = (uintptr_t)(r + 1);
    if (end % 16)
        panic("user frame %p is not 16-byte aligned", (void *)r);
    x86_tss_set_rsp0(end);
}

static bool canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << (64 - VA_BITS)) >> (64 - VA_BITS)) == va;
}

noreturn void arch_return_to_user(struct arch_regs *r)
{
    /* Whatever generic code did to the frame, it goes back to ring 3 with
     * interrupts on.  A non-canonical rip would make iretq/sysretq fault in
     * ring 0; 0 is kernel-only, so the thread takes a user page fault instead. */
    r->cs = X86_USER_CS;
    r->ss = X86_USER_DS;
    r->rflags = (r->rflags & RFLAGS_USER) | RFLAGS_IF | RFLAGS_RESERVED1;
    if (!canonical(r->rip))
        r->rip = 0;
    arch_set_user_frame(r);         /* the thread returned to saves here; cheap */
    if (r->vector == X86_VEC_SYSCALL)
        x86_sysret_to_user(r);
    x86_iret_to_user(r);
}

noreturn void x86_user_trap(struct arch_regs *r)
{
    x86_trap(r);
    arch_return_to_user(kernel_user_resume());
}

/* A system call the fast path did not take (syscall.S). */
noreturn void x86_syscall_slow(struct arch_regs *r)
{
    kernel_syscall(r);
    arch_return_to_user(kernel_user_resume());
}

/* The offsets syscall.S's fast return restores the frame by. */
_Static_assert(__builtin_offsetof(struct arch_regs, rdi) == 0x28 &&
               __builtin_offsetof(struct arch_regs, r15) == 0x70 &&
               __builtin_offsetof(struct arch_regs, rip) == X86_FRAME_CS - 8 &&
               __builtin_offsetof(struct arch_regs, rflags) == X86_FRAME_CS + 8 &&
               __builtin_offsetof(struct arch_regs, rsp) == X86_FRAME_CS + 16, "syscall.S");

