/* Timer: the `time` CSR is the counter; one-shot interrupts come from the
 * SBI TIME extension (OpenSBI programs the machine timer for us). */
#include <arch.h>
#include <keelbase/fdt.h>
#include <riscv.h>

#define SBI_EXT_TIME 0x54494D45         /* "TIME" */
#define SBI_TIME_SET_TIMER 0
#define DEFAULT_TIMEBASE_HZ 10000000u    /* the virt machine's value */
#define SCOUNTEREN_TM (1u << 1)

static uint64_t timebase_hz = DEFAULT_TIMEBASE_HZ;

long sbi_call(long eid, long fid, uint64_t arg0, uint64_t arg1, uint64_t arg2)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a2 __asm__("a2") = arg2;
    register long a6 __asm__("a6") = fid;
    register long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return (long)a0;
}

/* The device tree's timebase frequency, or the virt default. */
static uint64_t read_timebase(void)
{
    struct fdt f;
    uint64_t hz;
    if (fdt_open(&f, riscv_fdt, fdt_claimed_size(riscv_fdt)) == KERR_OK &&
        fdt_timebase_hz(&f, &hz) == KERR_OK)
        return hz;
    return DEFAULT_TIMEBASE_HZ;
}

void arch_timer_init(void)
{
    timebase_hz = read_timebase();
    arch_timer_cancel();
    csr_set(sie, SIE_STIE);
    csr_write(scounteren, SCOUNTEREN_TM); /* user code may read `time` */
}

uint64_t arch_counter_read(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

uint64_t arch_counter_hz(void)
{
    return timebase_hz;
}

void arch_timer_set_deadline(uint64_t deadline)
{
    sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, deadline, 0, 0); /* also clears STIP */
}

void arch_timer_cancel(void)
{
    sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, UINT64_MAX, 0, 0);
}
