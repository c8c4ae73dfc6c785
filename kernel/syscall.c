/* The system-call entry: decode the selector and dispatch. */
#include <kernel.h>
#include <keel/debug.h>
#include <keel/errors.h>
#include <keel/kobj.h>
#include <keel/syscall.h>
#include <print.h>
#include <thread.h>
#include <usercopy.h>

#define DEBUG_CHUNK 128

_Static_assert(KEEL_SYSCALL_WORDS == SYSCALL_WORDS, "SDK and kernel disagree");

static void set_result(struct arch_regs *regs, enum keel_error e)
{
    arch_syscall_set_word(regs, 0, (uintptr_t)e);
}

static enum keel_error debug_write(struct thread *t, uintptr_t buf, uintptr_t len)
{
    if (len > KEEL_DEBUG_WRITE_MAX)
        return KEEL_E_INVALID; /* the console is slow and runs with interrupts off */
    char chunk[DEBUG_CHUNK];
    while (len) {
        size_t n = MIN(len, sizeof(chunk));
        if (copy_from_user(&t->task->vm, chunk, buf, n) != KERR_OK)
            return KEEL_E_FAULT;
        for (size_t i = 0; i < n; i++)
            arch_console_putc(chunk[i]);
        buf += n, len -= n;
    }
    return KEEL_OK;
}

static void debug_call(struct thread *t, struct arch_regs *regs)
{
    uintptr_t arg1 = arch_syscall_word(regs, 1);
    switch (arch_syscall_word(regs, 0)) {
    case KEEL_DEBUG_WRITE:
        set_result(regs, debug_write(t, arg1, arch_syscall_word(regs, 2)));
        break;
    case KEEL_DEBUG_EXIT: {
        /* The end of a thread is news for its exception handler, which
         * hears it as a message (and may destroy the task); without one the
         * thread is stopped and the event logged. */
        uint64_t msg[1 + KEEL_EXC_WORDS] = { KEEL_TAG(KEEL_LABEL_EXIT, 1, 0), arg1 };
        if (!ipc_exception(t, msg)) {
            kprintf("[kernel] task %s: thread exited with status %d\n", t->task->name,
                    (int)arg1);
            sched_block(t, THREAD_STOPPED);
        }
        break;
    }
    case KEEL_DEBUG_COUNTER_HZ:
        set_result(regs, KEEL_OK);
        arch_syscall_set_word(regs, 1, (uintptr_t)arch_counter_hz());
        break;
    case KEEL_DEBUG_POWEROFF:
        if (!t->task->is_root) {
            set_result(regs, KEEL_E_RIGHTS);
            break;
        }
        kprintf("[kernel] root task powers off with status %d\n", (int)arg1);
        kernel_finish(arg1 == 0 ? EXIT_PASS : EXIT_FAIL);
    default:
        set_result(regs, KEEL_E_NOSYS);
    }
}

void kernel_syscall(struct arch_regs *regs)
{
    struct thread *t = sched_current();
    switch (arch_syscall_number(regs)) {
    case KEEL_SYS_DEBUG:
        debug_call(t, regs);
        break;
    case KEEL_SYS_IPC:
        ipc_syscall(t);
        break;
    default:
        set_result(regs, KEEL_E_NOSYS);
    }
}
