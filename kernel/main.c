/* Generic kernel entry: describe the machine, bring up traps and the timer,
 * then start the system from the boot image, or run the self-tests or the
 * kernel demo if the command line asks. */
#include <bootinfo.h>
#include <cmdline.h>
#include <irq.h>
#include <kernel.h>
#include <print.h>
#include <selftest.h>
#include <ticker.h>
#include <kmem.h>
#include <kstack.h>
#include <loader.h>
#include <thread.h>

#define DEMO_TICKS 5
#define SCHED_HZ 100    /* round-robin tick */

const char *kerr_name(enum kerr e)
{
    static const char *const names[] = {
        [KERR_OK] = "ok", [KERR_INVAL] = "invalid argument",
        [KERR_RANGE] = "out of range", [KERR_NOENT] = "not found",
        [KERR_NOMEM] = "out of memory", [KERR_BADFMT] = "bad format",
        [KERR_TYPE] = "wrong type", [KERR_PERM] = "permission denied",
        [KERR_EXIST] = "already exists", [KERR_REVOKED] = "revoked",
    };
    return (uint32_t)e < ARRAY_SIZE(names) && names[e] ? names[e] : "unknown error";
}

noreturn void kernel_finish(enum exit_status status)
{
    kprintf("KEEL VERDICT: %s (status %d)\n", status == EXIT_PASS ? "PASS" : "FAIL",
            (int)status);
    arch_poweroff((int)status);
}

static void print_banner(void)
{
    kprintf("\nKeel %s microkernel for %s, built with %s %s (%s-%s, %s %s)\n",
            KEEL_VERSION, ARCH_NAME, KEEL_CC, __VERSION__, KEEL_CC, ARCH_NAME,
            __DATE__, __TIME__);
}

/* The demo: a few timer ticks, then a deliberate kernel exception. */
static void run_demo(void)
{
    kprintf("demo: waiting for %d timer ticks at 10 Hz\n", DEMO_TICKS);
    ticker_start(10);
    for (uint64_t seen = 0; seen < DEMO_TICKS;) {
        arch_wait_for_interrupt();
        struct ticker_stats s = ticker_stats();
        for (; seen < s.ticks; seen++)
            kprintf("demo: tick %llu at counter %llu\n", (unsigned long long)seen + 1,
                    (unsigned long long)s.last_tick);
    }
    ticker_stop();
    kprintf("demo: reading %p on purpose to show a kernel exception\n",
            (void *)arch_bad_address());
    uintptr_t val;
    if (arch_probe_read(arch_bad_address(), &val) == 0)
        panic("reading a bad address did not fault");
    kprintf("demo: the kernel survived the fault; done\n");
}

/* A boot image was handed over: it must have contents the kernel can read.
 * Says what is wrong with it, or returns true. */
static bool boot_image_readable(const struct boot_desc *d)
{
    if (d->initrd_size == 0) {
        kprintf("[kernel] the boot image is empty (0 bytes): no root task to start\n");
        return false;
    }
    if (!memmap_contains(&d->ram, d->initrd_base, d->initrd_size)) {
        kprintf("[kernel] the boot image [0x%llx-0x%llx] is not in RAM: cannot read it\n",
                (unsigned long long)d->initrd_base,
                (unsigned long long)(d->initrd_base + d->initrd_size - 1));
        return false;
    }
    return true;
}

/* Hand RAM to the kernel allocator and start the root task from the boot
 * image; from here on the kernel only runs on behalf of user threads.  A
 * boot image that cannot start a system fails the boot (root_start() and
 * boot_image_readable() have said why). */
static noreturn void start_system(const struct boot_desc *d)
{
    if (!boot_image_readable(d))
        kernel_finish(EXIT_FAIL);
    enum kerr e = kmem_init(d);
    device_init(d);
    if (e)
        panic("cannot take over RAM: %s", kerr_name(e));
    if (root_start(d->initrd_base, (size_t)d->initrd_size))
        kernel_finish(EXIT_FAIL);
    ticker_start(SCHED_HZ);
    arch_return_to_user(kernel_user_resume());
}

noreturn void kernel_stuck(void)
{
    kprintf("[kernel] no thread can run and none waits for a timeout: nothing can wake "
            "one, so the system would hang\n");
    kernel_finish(EXIT_FAIL);
}

noreturn void kernel_main(struct boot_info *bi)
{
    static struct boot_desc desc;

    print_banner();
    enum kerr e = boot_describe(bi, &desc);
    if (e)
        panic("cannot decode the boot hand-over: %s", kerr_name(e));
    boot_print(&desc);

    arch_trap_init();
    arch_fpu_init();
    arch_timer_init();
    kprintf("timer: counter at %llu Hz\n", (unsigned long long)arch_counter_hz());
    const struct mem_range *top = &desc.ram.r[desc.ram.count - 1];
    arch_mmu_init(top->base + top->size);
    uint64_t tag_bits = 16; /* tag_bits=N: use fewer tags than the hardware has */
    cmdline_uint(desc.cmdline, "tag_bits", &tag_bits);
    kprintf("mmu: %u-bit address-space tags (the hardware has %u)\n",
            vm_tags_init((uint32_t)MIN(tag_bits, 16)), arch_tag_bits());

    if (cmdline_has(desc.cmdline, "unhandled_fault")) {
        /* For the harness: a kernel fault with no fix-up must panic, not hang. */
        kprintf("executing a trap instruction with no fix-up\n");
        __builtin_trap();
    }
    if (cmdline_has(desc.cmdline, "stack_overflow"))
        kstack_overflow_test();     /* for the harness: the guard must catch it */
    /* The self-tests ignore the boot image (the harness hands them one that
     * is not a cpio, to check it is kept out of the memory map). */
    if (cmdline_has(desc.cmdline, "selftest"))
        kernel_finish(selftest_run(&desc) ? EXIT_FAIL : EXIT_PASS);
    if (desc.initrd_present)
        start_system(&desc);
    if (!cmdline_has(desc.cmdline, "demo")) {
        /* PASS only for what was asked: with no boot image nothing was.  (An
         * empty -initrd looks the same on QEMU's arm virt and powernv, which
         * do not report it at all.) */
        kprintf("[kernel] no boot image was handed over, and the command line asks for "
                "neither \"selftest\" nor \"demo\": nothing to run\n");
        kernel_finish(EXIT_FAIL);
    }
    run_demo();
    kernel_finish(EXIT_PASS);
}
