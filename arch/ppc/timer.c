/* Counter = the timebase; one-shot timer = the decrementer (vector 0x900).
 *
 * With LPCR[LD] = 0 the decrementer is 32 bits and interrupts while its
 * sign bit is set, so "no deadline" means DEC at its largest positive value
 * (about 4 s at 512 MHz); deadlines further out are reached in steps. */
#include <keelbase/fdt.h>
#include <keelbase/string.h>
#include <kernel.h>
#include <ppc.h>

#define TB_HZ_DEFAULT 512000000ull  /* POWER9 timebase, if the FDT says nothing */
#define DEC_MAX       0x7fffffffull /* largest positive 32-bit decrementer */
#define LPCR_LD       (1ull << 17)  /* large (56-bit) decrementer */
#define LPCR_HDICE    (1ull << 0)   /* hypervisor decrementer interrupts */

static struct {
    uint64_t hz;
    uint64_t deadline;
    bool armed;
} timer;

/* timebase-frequency of the first CPU node in /cpus, or 0. */
static uint64_t fdt_timebase_hz(void)
{
    struct fdt f;
    uint64_t hz;
    if (fdt_open(&f, ppc_fdt, fdt_claimed_size(ppc_fdt)) != KERR_OK)
        return 0;
    int cpus = fdt_path(&f, "/cpus"), depth = 0;
    if (cpus < 0)
        return 0;
    for (int n = fdt_next_node(&f, cpus, &depth); n >= 0 && depth > 0;
         n = fdt_next_node(&f, n, &depth)) {
        const char *type = fdt_prop_string(&f, n, "device_type");
        if (depth == 1 && type && strcmp(type, "cpu") == 0 &&
            fdt_prop_uint(&f, n, "timebase-frequency", &hz) == KERR_OK)
            return hz;
    }
    return 0;
}

static void set_dec(uint64_t ticks)
{
    mtspr(SPRN_DEC, ticks);
}

/* Program the decrementer for the pending deadline (at most DEC_MAX away). */
static void program(void)
{
    uint64_t now = arch_counter_read();
    uint64_t delta = timer.deadline > now ? timer.deadline - now : 1;
    set_dec(MIN(delta, DEC_MAX));
}

void arch_timer_init(void)
{
    /* The hypervisor decrementer stays quiet: not enabled, and far away. */
    mtspr(SPRN_HDEC, DEC_MAX);
    mtspr(SPRN_LPCR, mfspr(SPRN_LPCR) & ~(LPCR_LD | LPCR_HDICE));
    set_dec(DEC_MAX);
    timer.hz = fdt_timebase_hz();
    if (!timer.hz)
        timer.hz = TB_HZ_DEFAULT;
}

uint64_t arch_counter_read(void)
{
    uint64_t tb;
    __asm__ volatile("mftb %0" : "=r"(tb));
    return tb;
}

uint64_t arch_counter_hz(void)
{
    return timer.hz;
}

void arch_timer_set_deadline(uint64_t deadline)
{
    timer.deadline = deadline;
    timer.armed = true;
    program();
}

void arch_timer_cancel(void)
{
    timer.armed = false;
    set_dec(DEC_MAX);
}

void ppc_timer_interrupt(struct arch_regs *regs)
{
    set_dec(DEC_MAX);           /* silence it: the interrupt is level-triggered */
    if (!timer.armed)
        return;
    if (arch_counter_read() < timer.deadline) {
        program();              /* an intermediate step of a far deadline */
        return;
    }
    timer.armed = false;
    kernel_timer_interrupt(regs);
}
