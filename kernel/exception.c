/* Generic handling of synchronous exceptions taken in kernel mode. */
#include <kernel.h>
#include <print.h>
#include <keel/kobj.h>
#include <kstack.h>
#include <thread.h>

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

_Static_assert((int)FAULT_PAGE_READ == KEEL_FAULT_PAGE_READ &&
               (int)FAULT_OTHER == KEEL_FAULT_OTHER, "fault kinds are the ABI's");

/* A user thread faulted: its exception handler gets the fault as a message
 * (the thread "calls" it and waits for the verdict).  Without a handler the
 * thread is stopped and the event logged; the kernel itself carries on. */
static void user_exception(struct arch_regs *regs, const struct fault_info *f)
{
    struct thread *t = sched_current();
    uint64_t msg[1 + KEEL_EXC_WORDS] = {
        KEEL_TAG(KEEL_LABEL_EXCEPTION, KEEL_EXC_WORDS, 0), f->kind, f->ip, f->addr,
        f->arch_code, arch_regs_sp(regs),
    };
    if (ipc_exception(t, msg))
        return;
    kprintf("[kernel] task %s: %s at ip %p, address %p: thread stopped\n",
            t->task->name, fault_kind_name(f->kind), (void *)f->ip, (void *)f->addr);
    sched_block(t, THREAD_STOPPED);
}

void kernel_exception(struct arch_regs *regs, const struct fault_info *f)
{
    if (f->from_user) {
        user_exception(regs, f);
        return;
    }
    if (kstack_guard_hit(f->addr))
        kstack_overflow(f->ip, f->addr);    /* before printing: it takes stack */
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

