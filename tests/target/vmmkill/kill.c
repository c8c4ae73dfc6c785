/* Links the guest (samples/guest) for the test of a VMM that dies: VM 2's
 * kernel waits at VM 1's first message until its VMM is killed. */
#include "../../../samples/guest/guest.h"

uint32_t guest_scenario(void)
{
    return SCENARIO_KILL_VMM;
}
