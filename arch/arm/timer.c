/* ARM generic timer, EL1 virtual view: counter CNTVCT_EL0, one-shot compare
 * CNTV_CVAL_EL0.  The virtual timer is always accessible at EL1 (under a
 * hypervisor too); when we entered at EL2, entry.S zeroed CNTVOFF_EL2, so it
 * counts like the physical counter. */
#include <arm.h>

#define CNTV_CTL_ENABLE 1u      /* IMASK (bit 1) stays 0 */

static uint64_t counter_hz;

uint64_t arch_counter_read(void)
{
    uint64_t v;
    /* isb: do not let the read be hoisted above earlier instructions. */
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

uint64_t arch_counter_hz(void)
{
    return counter_hz;
}

void arch_timer_set_deadline(uint64_t deadline)
{
    __asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb"
                     : : "r"(deadline), "r"((uint64_t)CNTV_CTL_ENABLE) : "memory");
}

void arch_timer_cancel(void)
{
    __asm__ volatile("msr cntv_ctl_el0, xzr; isb" : : : "memory");
}

#define CNTKCTL_EL0VCTEN (1u << 1)

void arch_timer_init(void)
{
    uint64_t hz;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(hz));
    counter_hz = hz;
    arch_timer_cancel();
    arch_irq_enable(TIMER_VIRT_INTID);
    /* User code may read the virtual counter (CNTVCT_EL0), not program timers. */
    __asm__ volatile("msr cntkctl_el1, %0" : : "r"((uint64_t)CNTKCTL_EL0VCTEN));
}
