/* Counter = the timebase; one-shot timer = the decrementer (vector 0x900).
 *
 * With LPCR[LD] = 0 the decrementer is 32 bits and interrupts while its
 * sign bit is set, so "no deadline" means DEC at its largest positive value
 * (about 4 s at 512 MHz); deadlines further out are reached in steps. */
#include <countdown.h>
#include <keelbase/fdt.h>
#include <kernel.h>
#include <ppc.h>

#define TB_HZ_DEFAULT 512000000ull  /* POWER9 timebase, if the FDT says nothing */
#define DEC_MAX       0x7fffffffull /* largest positive 32-bit decrementer */
#define LPCR_LD       (1ull << 17)  /* large (56-bit) decrementer */
#define LPCR_HDICE    (1ull << 0)   /* hypervisor decrementer interrupts */

static uint64_t timebase_hz;

/* The device tree's timebase frequency, or 0. */
static uint64_t fdt_timebase(void)
{
    struct fdt f;
    uint64_t hz;
    if (fdt_open(&f, ppc_fdt, fdt_claimed_size(ppc_fdt)) == KERR_OK &&
        fdt_timebase_hz(&f, &hz) == KERR_OK)
        return hz;
    return 0;
}

static void set_dec(uint64_t ticks)
{
    mtspr(SPRN_DEC, ticks);
}

void arch_timer_init(void)
{
    /* The hypervisor decrementer stays quiet: not enabled, and far away. */
    mtspr(SPRN_HDEC, DEC_MAX);
    mtspr(SPRN_LPCR, mfspr(SPRN_LPCR) & ~(LPCR_LD | LPCR_HDICE));
    set_dec(DEC_MAX);
    timebase_hz = fdt_timebase();
    if (!timebase_hz)
        timebase_hz = TB_HZ_DEFAULT;
}

uint64_t arch_counter_read(void)
{
    uint64_t tb;
    __asm__ volatile("mftb %0" : "=r"(tb));
    return tb;
}

uint64_t arch_counter_hz(void)
{
    return timebase_hz;
}

/* The deadline itself is kernel/drivers/countdown.c's: the decrementer
 * counts timebase ticks, at most DEC_MAX at a time. */
uint64_t arch_countdown_max(void)
{
    return DEC_MAX;
}

void arch_countdown_start(uint64_t ticks)
{
    set_dec(ticks);
}

void arch_countdown_stop(void)
{
    set_dec(DEC_MAX);
}

void ppc_timer_interrupt(struct arch_regs *regs)
{
    set_dec(DEC_MAX);           /* silence it: the interrupt is level-triggered */
    countdown_expired(regs);
}
