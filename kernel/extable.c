/* Fault fix-up table: (faulting instruction, resume address) pairs that
 * assembly records in section .extable with EXTABLE_ENTRY (<extable_asm.h>). */
#include <kernel.h>

extern const struct extable_entry __extable_start[], __extable_end[];

uintptr_t extable_fixup(uintptr_t ip)
{
    for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
        if (e->fault_ip == ip)
            return e->fixup_ip;
    return 0;
}
