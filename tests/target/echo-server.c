/* Echo server, for the tests of the root task's service table: answers each
 * ECHO call with the number plus one and the label of the gate it came
 * through, which root chose for the echo service. */
#include <keel/keel.h>

#define ECHO 1

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;) {
        if (KEEL_TAG_LABEL(r.tag) == ECHO) {
            u->mr[0] += 1;
            u->mr[1] = r.label;
        } else {
            u->mr[0] = KEEL_E_INVALID;
            u->mr[1] = 0;
        }
        r = keel_reply_wait(u, KEEL_TAG(0, 2, 0), KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    }
}
