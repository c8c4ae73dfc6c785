/*
 * Device memory and I/O ports for user-level drivers: the one entry point
 * that maps a device page into a task with device attributes (the PTE bits
 * are the port's: PTE_DEVICE in arch_pte_leaf), and port I/O permission on
 * machines that have it.  The one device page a user driver may have is the
 * console UART's, when the port describes it as memory-mapped
 * (arch_console_uart); which ports, the port's arch_io_grant; RAM never.
 * A mapped device page is no one's: when the task is destroyed, its address
 * space's free of the page finds it outside the RAM the page allocator
 * manages and does nothing (kmem_free answers KERR_RANGE, no payer is
 * credited).
 */
#include <irq.h>
#include <keel/irq.h>
#include <kernel.h>
#include <memmap.h>

static struct memmap ram;

void device_init(const struct memmap *r)
{
    ram = *r;
}

/* pa is the page of the console UART, and that UART is memory-mapped. */
static bool driver_may_map(uint64_t pa)
{
    struct arch_uart u;
    arch_console_uart(&u);
    bool mmio = u.kind == KEEL_UART_16550_MMIO || u.kind == KEEL_UART_PL011;
    return mmio && pa == ALIGN_DOWN(u.base, ARCH_PAGE_SIZE);
}

uint32_t device_map_page(struct task *task, struct factory *f, uintptr_t va, uint64_t pa)
{
    uint64_t old;
    uint32_t r;
    if (va % ARCH_PAGE_SIZE || pa % ARCH_PAGE_SIZE || va < USER_BASE || va >= USER_END)
        return KEEL_E_INVALID;
    if (memmap_overlaps(&ram, pa, ARCH_PAGE_SIZE) || !driver_may_map(pa))
        return KEEL_E_INVALID;
    if (vm_lookup(&task->vm, va, &old, &r) == KERR_OK)
        return KEEL_E_INVALID;
    task->pt_charge = f;
    enum kerr e = vm_map(&task->vm, va, pa, PTE_R | PTE_W | PTE_DEVICE | PTE_USER);
    return e == KERR_OK ? KEEL_OK : e == KERR_NOMEM ? KEEL_E_QUOTA : KEEL_E_INVALID;
}

#ifndef ARCH_PORT_IO
/* Without port I/O (the port's arch_port.h defines ARCH_PORT_IO where the
 * machine has it, and these two): no I/O port is any driver's. */
bool arch_io_grant(struct arch_aspace *as, uint32_t port, uint32_t count)
{
    return false;
}

bool arch_has_port_io(void)
{
    return false;
}
#endif

uint32_t device_io_ports(struct task *task, uintptr_t port, uintptr_t count)
{
    if (!arch_has_port_io())
        return KEEL_E_NOSYS;
    if (!count || port > UINT32_MAX || count > UINT32_MAX)
        return KEEL_E_INVALID;
    return arch_io_grant(&task->vm.arch, (uint32_t)port, (uint32_t)count) ? KEEL_OK
                                                                           : KEEL_E_INVALID;
}
