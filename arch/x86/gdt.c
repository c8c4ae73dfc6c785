/*
 * The GDT the kernel keeps: kernel and user segments in the order syscall and
 * sysretq require (see x86.h), and the TSS, which names the stack a trap from
 * ring 3 switches to (rsp0) and the double-fault stack (IST).
 */
#include <kernel.h>
#include <kstack.h>
#include <x86.h>

/* Flat segments: in long mode only L, DPL and the access bytes matter. */
#define GDT_KERNEL_CODE64 0x00af9a000000ffffull /* as in entry.S */
#define GDT_KERNEL_DATA 0x00cf92000000ffffull
#define GDT_USER_DATA 0x00cff2000000ffffull     /* DPL 3 */
#define GDT_USER_CODE64 0x00affa000000ffffull   /* DPL 3, L */
#define TSS_TYPE_AVAILABLE 0x89ull              /* present, 64-bit TSS (available) */
#define TSS_TYPE_SHIFT 40
#define GDT_ENTRIES 7                           /* the TSS descriptor takes two */
#define IO_PORTS 0x400                          /* the bitmap covers ports 0-0x3ff */

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];                /* stack for a trap from ring 3 is rsp[0] */
    uint64_t reserved1;
    uint64_t ist[7];                /* IST n is ist[n - 1] */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;            /* past the limit: no I/O bitmap, no ring-3 I/O */
    /* I/O permission bitmap, ports 0 .. IO_PORTS - 1 (a clear bit allows
     * the port), then the 0xff byte the processor may read past its end. */
    uint8_t iomap[IO_PORTS / 8 + 1];
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct tss, iomap) == 104, "64-bit TSS");
_Static_assert(__builtin_offsetof(struct tss, rsp) == X86_TSS_RSP0, "syscall.S reads rsp0");

struct tss x86_tss __attribute__((aligned(16)));
static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));

void x86_tss_set_rsp0(uint64_t rsp0)
{
    x86_tss.rsp[0] = rsp0;
}

/*
 * Port I/O for user drivers.  One bitmap, allowing only COM1's eight ports,
 * the one device a user driver may have (arch_io_grant); a task granted it
 * runs with iomap_base pointing at the bitmap, every other with iomap_base
 * past the TSS limit (no port at all).  Switched with the address space:
 * no IOPL, so cli/sti and every other port stay privileged.
 */
void x86_tss_allow_io(bool allow)
{
    x86_tss.iomap_base = allow ? __builtin_offsetof(struct tss, iomap) : sizeof(x86_tss);
}

bool arch_io_grant(struct arch_aspace *as, uint32_t port, uint32_t count)
{
    if (port < X86_COM1 || count > X86_COM1_PORTS || port - X86_COM1 > X86_COM1_PORTS - count)
        return false;
    as->com1_io = true;
    return true;
}

bool arch_has_port_io(void)
{
    return true;
}

static void iomap_init(void)
{
    for (uint32_t i = 0; i < sizeof(x86_tss.iomap); i++)
        x86_tss.iomap[i] = 0xff;
    for (uint32_t p = X86_COM1; p < X86_COM1 + X86_COM1_PORTS; p++)
        x86_tss.iomap[p / 8] &= (uint8_t)~(1u << (p % 8));
}

void x86_gdt_init(void)
{
    uint64_t base = (uintptr_t)&x86_tss, limit = sizeof(x86_tss) - 1;
    x86_tss.rsp[0] = (uintptr_t)kernel_stack_top;
    /* #DF gets a stack of its own: a kernel stack overflow arrives as a #DF
     * (the #PF cannot push its frame into the guard page). */
    x86_tss.ist[X86_IST_DOUBLE_FAULT - 1] = (uintptr_t)kernel_fault_stack_top;
    iomap_init();
    x86_tss_allow_io(false);

    gdt[X86_KERNEL_CS / 8] = GDT_KERNEL_CODE64;
    gdt[X86_KERNEL_DS / 8] = GDT_KERNEL_DATA;
    gdt[X86_USER_DS / 8] = GDT_USER_DATA;
    gdt[X86_USER_CS / 8] = GDT_USER_CODE64;
    gdt[X86_TSS_SEL / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
                           TSS_TYPE_AVAILABLE << TSS_TYPE_SHIFT |
                           ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[X86_TSS_SEL / 8 + 1] = base >> 32;

    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };
    /* The kernel selectors mean what they meant in the boot GDT, so the
     * loaded segment registers stay valid without reloading them. */
    __asm__ volatile("lgdt %0; ltr %w1" : : "m"(gdtr), "r"(X86_TSS_SEL) : "memory");
}
