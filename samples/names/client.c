/* A client of the name server: waits for "greeter" to be registered, calls
 * it through the gate the lookup returned, and checks the name server's
 * rules: an unknown name is not found, and a name registered by another
 * program cannot be taken over. */
#include <keel/names.h>
#include <keel/system.h>

#define NAMES KEEL_SLOT_GIVEN
#define GREET 1

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t greeter = KEEL_CAP_OPEN, none = KEEL_CAP_OPEN, mine = KEEL_CAP_OPEN;
    uint32_t e = keel_names_wait(u, NAMES, "greeter", 5000000, &greeter);
    if (e) {
        keel_printf("names-client: \"greeter\" never registered: error %u\n", e);
        return 1;
    }
    u->mr[0] = 41;
    e = keel_client_call(u, greeter, GREET, 1, 0, KEEL_TIMEOUT_NEVER);
    keel_printf("names-client: found \"greeter\" by name; it answered %lu\n",
                (unsigned long)u->mr[0]);
    int bad = e != KEEL_OK || u->mr[0] != 42;
    bad += keel_names_lookup(u, NAMES, "nobody", &none) != KEEL_S_NOT_FOUND;
    keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, 1, &mine);
    bad += keel_names_register(u, NAMES, "greeter", mine) != KEEL_S_EXISTS;
    bad += keel_names_register(u, NAMES, "names-client", mine) != KEEL_OK;
    bad += keel_names_register(u, NAMES, "a-name-longer-than-thirty-one-bytes", mine) !=
           KEEL_E_INVALID;
    keel_printf("names-client: unknown names, taken names and long names: %s\n",
                bad ? "FAILED" : "refused as expected");
    return bad;
}
