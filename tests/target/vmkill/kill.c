/* Links the guest (samples/guest) for the containment test: VM 2's kernel
 * turns hostile at VM 1's first message and its VMM kills it; VM 1 must see
 * it go (a virtual interrupt) and end well. */
#include "../../../samples/guest/guest.h"

uint32_t guest_scenario(void)
{
    return SCENARIO_KILL_VM;
}
