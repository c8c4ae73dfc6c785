/* IDT set-up, exception decoding and dispatch of every vector. */
#include <kernel.h>
#include <print.h>
#include <x86.h>

#define IDT_ENTRIES 256
#define IDT_INTERRUPT_GATE 0x8e     /* present, DPL 0, 64-bit interrupt gate (IF off) */

/* Exception vectors */
#define VEC_DE 0                    /* divide error */
#define VEC_BP 3                    /* breakpoint (int3) */
#define VEC_UD 6                    /* invalid opcode */
#define VEC_DF 8                    /* double fault */
#define VEC_PF 14                   /* page fault */
#define VEC_AC 17                   /* alignment check */

/* Page-fault error code bits */
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_FETCH (1u << 4)

#define INT3_LENGTH 1               /* #BP is a trap: rip is past the int3 */
#define CPL_MASK 3                  /* privilege level in the low bits of cs */
#define CAUSE_ERROR_SHIFT 32        /* arch_code = error code << 32 | vector */

struct idt_gate {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, zero;
};

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");
_Static_assert(sizeof(struct arch_regs) == 22 * 8, "trap.S pushes 22 words");

/* trap.S: the (vector, stub) pairs to install. */
struct vector_stub {
    uint64_t vector;
    void *stub;
};
extern const struct vector_stub x86_vectors[], x86_vectors_end[];

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));

static const char *const exception_names[X86_EXCEPTIONS] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
    "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
    "#VE virtualization", "#CP control protection", [28] = "#HV hypervisor injection",
    [29] = "#VC VMM communication", [30] = "#SX security",
};

/* Also called by x86_boot() before kernel_main(), so that even a fault while
 * decoding the boot hand-over is reported instead of triple-faulting. */
void x86_idt_init(void)
{
    for (const struct vector_stub *v = x86_vectors; v < x86_vectors_end; v++) {
        uintptr_t a = (uintptr_t)v->stub;
        idt[v->vector] = (struct idt_gate){
            .offset_low = (uint16_t)a, .selector = X86_KERNEL_CS,
            .type = IDT_INTERRUPT_GATE, .offset_mid = (uint16_t)(a >> 16),
            .ist = v->vector == VEC_DF ? X86_IST_DOUBLE_FAULT : 0,
            .offset_high = (uint32_t)(a >> 32),
        };
    }
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void arch_trap_init(void)
{
    x86_idt_init();
    x86_syscall_init();
    x86_irq_init();
}

static uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static struct fault_info decode(const struct arch_regs *r)
{
    struct fault_info f = {
        .kind = FAULT_OTHER, .ip = r->rip,
        .arch_code = r->error << CAUSE_ERROR_SHIFT | r->vector,
        /* A double fault is the kernel's, whatever it interrupted. */
        .from_user = (r->cs & CPL_MASK) != 0 && r->vector != VEC_DF,
    };
    switch (r->vector) {
    case VEC_DE:
        f.kind = FAULT_DIVIDE;
        break;
    case VEC_BP:
        f.kind = FAULT_BREAKPOINT;
        f.ip = r->rip - INT3_LENGTH;
        break;
    case VEC_UD:
        f.kind = FAULT_ILLEGAL_INSN;
        break;
    case VEC_AC:
        f.kind = FAULT_MISALIGNED;
        break;
    case VEC_DF:
        /* A #PF whose frame could not be pushed: CR2 names the address, in
         * the guard page if the kernel stack overflowed. */
        f.addr = read_cr2();
        break;
    case VEC_PF:
        f.addr = read_cr2();
        f.kind = r->error & PF_FETCH ? FAULT_PAGE_EXEC
               : r->error & PF_WRITE ? FAULT_PAGE_WRITE : FAULT_PAGE_READ;
        break;
    }
    return f;
}

void x86_trap(struct arch_regs *r)
{
    if (r->vector < X86_EXCEPTIONS) {
        struct fault_info f = decode(r);
        kernel_exception(r, &f);
    } else if (r->vector == X86_VEC_TIMER) {
        x86_timer_irq(r);
    } else if (r->vector >= X86_VEC_IRQ_BASE && r->vector < X86_VEC_IRQ_BASE + X86_IRQ_COUNT) {
        kernel_irq(r, (uint32_t)(r->vector - X86_VEC_IRQ_BASE));
    }
    /* Spurious vectors (8259 IRQ 7/15, APIC spurious) need no EOI: ignore. */
}

void arch_regs_dump(const struct arch_regs *r)
{
    const char *name = r->vector < X86_EXCEPTIONS && exception_names[r->vector]
                     ? exception_names[r->vector] : "interrupt";
    kprintf("    vector %llu (%s), error code 0x%llx%s\n", (unsigned long long)r->vector,
            name, (unsigned long long)r->error,
            r->vector == VEC_PF ? (r->error & PF_USER ? ", user" : ", kernel") : "");
    kprintf("    rip %016llx  cs %04llx  rflags %016llx\n", (unsigned long long)r->rip,
            (unsigned long long)r->cs, (unsigned long long)r->rflags);
    kprintf("    rsp %016llx  ss %04llx\n", (unsigned long long)r->rsp,
            (unsigned long long)r->ss);
    const struct { const char *n; uint64_t v; } g[] = {
        { "rax", r->rax }, { "rbx", r->rbx }, { "rcx", r->rcx }, { "rdx", r->rdx },
        { "rsi", r->rsi }, { "rdi", r->rdi }, { "rbp", r->rbp }, { "r8 ", r->r8 },
        { "r9 ", r->r9 }, { "r10", r->r10 }, { "r11", r->r11 }, { "r12", r->r12 },
        { "r13", r->r13 }, { "r14", r->r14 }, { "r15", r->r15 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(g); i++)
        kprintf("%s%s %016llx%s", i % 3 ? "  " : "    ", g[i].n,
                (unsigned long long)g[i].v, i % 3 == 2 ? "\n" : "");
}
