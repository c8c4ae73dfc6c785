/* Links the guest (samples/guest) for the hostile-process test: VM 1's
 * processes misbehave (unbacked memory, a flood, a factory used up). */
#include "../../../samples/guest/guest.h"

uint32_t guest_scenario(void)
{
    return SCENARIO_HOSTILE;
}
