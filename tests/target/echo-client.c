/* Echo client, for the tests of the root task's services: the capability
 * root put in its first slot (uses=echo in tests/target/ktest/system.desc)
 * must be the echo server's gate (the label of the description's first
 * service) and nothing else of root's. */
#include <keel/keel.h>
#include <keel/system.h>

#define SERVICE KEEL_SLOT_GIVEN     /* root puts the echo server's gate here */
#define ECHO 1
#define ECHO_GATE_LABEL KEEL_SERVICE_LABEL(1)

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    u->mr[0] = 41;
    struct keel_ipc_result r = keel_call(u, SERVICE, KEEL_TAG(ECHO, 1, 0), KEEL_TIMEOUT_NEVER);
    if (KEEL_TAG_ERROR(r.tag) || u->mr[0] != 42 || u->mr[1] != ECHO_GATE_LABEL) {
        keel_printf("echo-client: slot %u is not the echo service: error %u, words %lu 0x%lx\n",
                    SERVICE, (unsigned)KEEL_TAG_ERROR(r.tag), (unsigned long)u->mr[0],
                    (unsigned long)u->mr[1]);
        return 1;
    }
    keel_printf("echo-client: the echo service answered through gate 0x%lx\n",
                (unsigned long)u->mr[1]);
    return 0;
}
