/*
 * Counter and timer.  The counter is the TSC; the timer is the LAPIC timer in
 * one-shot mode.  Neither states its frequency, so both are measured against
 * the HPET, whose capability register gives its period in femtoseconds.
 */
#include <countdown.h>
#include <acpi.h>
#include <kernel.h>
#include <lapic.h>
#include <x86.h>

/* Only without an ACPI HPET table: the address PC chipsets (q35's ICH9
 * among them) give the HPET by default. */
#define HPET_DEFAULT_BASE 0xfed00000u
#define HPET_CAP_PERIOD 0x04        /* high half of GCAP_ID: tick period in fs */
#define HPET_CONFIG 0x10
#define HPET_CONFIG_ENABLE (1u << 0)
#define HPET_COUNTER 0xf0           /* low 32 bits of the main counter */
#define FS_PER_SECOND 1000000000000000ull

#define CALIBRATION_DIVISOR 50      /* measure for 1/50 s = 20 ms */
#define SAMPLE_TRIES 8              /* keep the tightest of these TSC brackets */
#define LAPIC_DIVIDE_BY_16 0x3      /* keeps the LAPIC rate far below 2^32 Hz */
#define LAPIC_COUNT_MAX 0xffffffffu
#define RATIO_SHIFT 32              /* lapic_per_tsc is 32.32 fixed point */

static struct {
    uintptr_t hpet;                 /* the HPET's registers */
    uint64_t counter_hz;
    uint64_t lapic_per_tsc;         /* LAPIC timer ticks per TSC tick, 32.32 */
} timer;

/* One simultaneous reading of HPET, TSC and LAPIC count: the TSC is read on
 * both sides and the tightest bracket of a few tries is kept, so a host
 * preemption between the reads does not skew the calibration. */
struct sample {
    uint32_t hpet, lapic;
    uint64_t tsc;
};

static struct sample take_sample(void)
{
    struct sample best = { 0 };
    uint64_t best_width = UINT64_MAX;
    for (int i = 0; i < SAMPLE_TRIES; i++) {
        uint64_t before = rdtsc();
        uint32_t h = mmio_read32(timer.hpet + HPET_COUNTER);
        uint32_t l = lapic_read(LAPIC_TIMER_CURRENT);
        uint64_t after = rdtsc();
        if (after - before < best_width) {
            best_width = after - before;
            best = (struct sample){ h, l, before + (after - before) / 2 };
        }
    }
    return best;
}

uint64_t x86_hpet_base(void)
{
    return timer.hpet;
}

void arch_timer_init(void)
{
    uint64_t base = acpi_hpet_base(x86_acpi_rsdp(), 0);
    timer.hpet = (uintptr_t)(base ? base : HPET_DEFAULT_BASE);
    uint32_t period_fs = mmio_read32(timer.hpet + HPET_CAP_PERIOD);
    if (period_fs == 0 || period_fs == UINT32_MAX)
        panic("no HPET at %p", (void *)timer.hpet);
    uint64_t hpet_hz = FS_PER_SECOND / period_fs;
    mmio_write32(timer.hpet + HPET_CONFIG,
                 mmio_read32(timer.hpet + HPET_CONFIG) | HPET_CONFIG_ENABLE);

    /* Let the LAPIC timer count down (masked) while the HPET measures time. */
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | X86_VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, LAPIC_COUNT_MAX);
    struct sample a = take_sample(), b;
    do
        b = take_sample();
    while (b.hpet - a.hpet < hpet_hz / CALIBRATION_DIVISOR); /* 32-bit wrap is fine */
    lapic_write(LAPIC_TIMER_INIT, 0);

    uint64_t hpet_ticks = b.hpet - a.hpet, tsc_ticks = b.tsc - a.tsc;
    uint64_t lapic_ticks = a.lapic - b.lapic;
    timer.counter_hz = tsc_ticks * hpet_hz / hpet_ticks;
    timer.lapic_per_tsc = (lapic_ticks << RATIO_SHIFT) / tsc_ticks;
    if (timer.counter_hz == 0 || timer.lapic_per_tsc == 0)
        panic("timer calibration failed");
}

uint64_t arch_counter_read(void)
{
    return rdtsc();
}

uint64_t arch_counter_hz(void)
{
    return timer.counter_hz;
}

/* The deadline itself is kernel/drivers/countdown.c's: the LAPIC one-shot
 * counts at most one second at a time (so ticks * ratio fits 64 bits and
 * the count 32). */
uint64_t arch_countdown_max(void)
{
    return timer.counter_hz;
}

void arch_countdown_start(uint64_t ticks)
{
    uint64_t count = ((ticks * timer.lapic_per_tsc) >> RATIO_SHIFT) + 1; /* round up */
    lapic_write(LAPIC_LVT_TIMER, X86_VEC_TIMER);            /* unmasked, one-shot */
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)MIN(count, LAPIC_COUNT_MAX));
}

void arch_countdown_stop(void)
{
    lapic_write(LAPIC_TIMER_INIT, 0);   /* a count of 0 stops the timer */
}

void x86_timer_irq(struct arch_regs *regs)
{
    lapic_eoi();
    countdown_expired(regs);
}
