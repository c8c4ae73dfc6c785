/* The root task: the first user component the kernel starts.  Today it
 * proves user mode end to end and powers the machine off; starting the other
 * boot modules comes with the IPC kernel objects. */
#include <keel/debug.h>
#include <keel/errors.h>
#include <keel/start.h>

/* Numbers the kernel must reject: a buffer outside user space, an unmapped
 * one, an unknown operation. */
static int check_errors(void)
{
    int bad = 0;
    bad += keel_debug_write((const char *)0x1000, 4) != KEEL_E_FAULT;
    bad += keel_debug_write((const char *)0x7fff00000000ull, 4) != KEEL_E_FAULT;
    struct keel_words k = { { 99 } };
    keel_syscall(KEEL_SYS_DEBUG, &k);
    bad += k.w[0] != KEEL_E_NOSYS;
    struct keel_words ipc = { { 0 } };
    keel_syscall(77, &ipc);
    bad += ipc.w[0] != KEEL_E_NOSYS;
    return bad;
}

int main(void)
{
    keel_debug_puts("root: running in user mode\n");
    int bad = check_errors();
    keel_debug_puts(bad ? "root: system-call error checks FAILED\n"
                        : "root: system-call error checks passed\n");
    keel_debug_poweroff(bad ? 1 : 0);
    return 1; /* only reached if power-off was refused */
}
