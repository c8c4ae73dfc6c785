/* The fault-containment test's bystander: it uses the key-value store and
 * the console server all the while the others crash and restart, and
 * every request must be answered, but for the console's while contain
 * crashes it: those must fail (KEEL_E_PARTNER, or KEEL_E_CAP while root
 * swaps in the new gate), not hang.  It stops when contain is done (its
 * mark "contain.done" in the store), or after ROUNDS_MAX rounds. */
#include "common.h"

#define ROUNDS_MAX 20000
#define ROUND_US 2000

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t kv = KEEL_CAP_OPEN, bad = 0, rounds = 0, lost = 0;
    char value[KV_MAX + 1], mine[16];
    if (keel_names_wait(u, NAMES, KV_NAME, WAIT_US, &kv))
        return 1;
    for (; rounds < ROUNDS_MAX; rounds++) {
        if (kv_get(u, kv, "contain.done", value) == KEEL_OK)
            break;
        keel_snprintf(mine, sizeof(mine), "%u", rounds);
        bad += kv_put(u, kv, "peer.round", mine) != KEEL_OK;
        bad += kv_get(u, kv, "peer.round", value) != KEEL_OK || value[0] != mine[0];
        if (rounds % 100 == 0) {
            uint32_t e = keel_console_printf(u, CONSOLE, "contain-peer: round %u\n", rounds);
            lost += e == KEEL_E_PARTNER || e == KEEL_E_CAP;
            bad += e && e != KEEL_E_PARTNER && e != KEEL_E_CAP;
        }
        sleep_us(u, ROUND_US);
    }
    keel_console_printf(u, CONSOLE, "contain-peer: %u rounds with the store and the console "
                        "while the others crashed: %s (%u line(s) lost while the console "
                        "restarted)\n", rounds,
                        bad || rounds == ROUNDS_MAX ? "FAILED" : "all answered", lost);
    return bad || rounds == ROUNDS_MAX;
}
