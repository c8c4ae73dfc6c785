/* Generic handling of synchronous exceptions taken in kernel mode. */
#include <kernel.h>
#include <print.h>

static const char *const fault_names[FAULT_KIND_COUNT] = {
    [FAULT_PAGE_READ] = "bad memory access (read)",
    [FAULT_PAGE_WRITE] = "bad memory access (write)",
    [FAULT_PAGE_EXEC] = "bad instruction fetch",
    [FAULT_ILLEGAL_INSN] = "illegal instruction",
    [FAULT_BREAKPOINT] = "breakpoint",
    [FAULT_MISALIGNED] = "misaligned access",
    [FAULT_DIVIDE] = "division by zero",
    [FAULT_OTHER] = "other exception",
};

/* Book-keeping for self-tests: how many kernel exceptions, and the last. */
static struct {
    uint32_t count;
    struct fault_info last;
} kernel_faults;

const char *fault_kind_name(enum fault_kind kind)
{
    return (uint32_t)kind < FAULT_KIND_COUNT ? fault_names[kind] : "unknown exception";
}

uint32_t exception_count(void)
{
    return kernel_faults.count;
}

struct fault_info exception_last(void)
{
    return kernel_faults.last;
}

void kernel_exception(struct arch_regs *regs, const struct fault_info *f)
{
    if (f->from_user) {
        /* User threads arrive with the kernel core; until then this is a bug. */
        panic("exception from user mode: %s", fault_kind_name(f->kind));
    }
    kernel_faults.count++;
    kernel_faults.last = *f;
    kprintf("\n*** kernel exception: %s\n    ip %p  address %p  cause 0x%llx\n",
            fault_kind_name(f->kind), (void *)f->ip, (void *)f->addr,
            (unsigned long long)f->arch_code);
    arch_regs_dump(regs);

    uintptr_t fixup = extable_fixup(f->ip);
    if (!fixup)
        panic("unhandled kernel exception: %s at %p", fault_kind_name(f->kind),
              (void *)f->ip);
    kprintf("    expected here: resuming at fix-up %p\n", (void *)fixup);
    arch_regs_set_ip(regs, fixup);
}

void kernel_irq(struct arch_regs *regs, uint32_t irq)
{
    /* No device drivers yet: silence the source so it cannot storm. */
    kprintf("unexpected interrupt %u: masked\n", irq);
    arch_irq_mask(irq);
    arch_irq_ack(irq);
}

noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    arch_irqs_disable();
    kprintf("\nKERNEL PANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    kernel_finish(EXIT_PANIC);
}

void kernel_syscall(struct arch_regs *regs)
{
    /* No user threads exist before the kernel core lands, so no system call
     * can legitimately arrive. */
    panic("system call at %p before user mode exists", (void *)arch_regs_ip(regs));
}
