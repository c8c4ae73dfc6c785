/* Ping-pong server: answers each call on its gate with the number plus one.
 * A message carrying a capability (a notification) gets it signalled. */
#include <keel/keel.h>

#define PING 1
#define SIGNAL_ME 2

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    u->accept_items = 1;
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        uint64_t reply = KEEL_TAG(0, 1, 0);
        if (KEEL_TAG_LABEL(r.tag) == PING) {
            keel_printf("ping-server: ping %lu through gate 0x%lx\n", (unsigned long)u->mr[0],
                        (unsigned long)r.label);
            u->mr[0] += 1;
        } else if (KEEL_TAG_LABEL(r.tag) == SIGNAL_ME && KEEL_TAG_ITEMS(r.tag) == 1) {
            uint32_t cap = u->item[0].slot;
            keel_printf("ping-server: got a capability (slot %u), signalling it\n", cap);
            u->mr[0] = keel_signal(u, cap, 0x5);
        } else {
            u->mr[0] = KEEL_E_INVALID;
        }
        r = keel_reply_wait(u, reply, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    }
}
