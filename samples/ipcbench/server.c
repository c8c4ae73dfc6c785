/* ipcbench's partner in another task: answers every call at once with the
 * same number of words (reply_wait loop, nothing else). */
#include <keel/keel.h>

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    struct keel_ipc_result r = keel_recv(u, KEEL_CAP_OPEN, KEEL_TIMEOUT_NEVER);
    for (;;)
        r = keel_reply_wait(u, KEEL_TAG(0, KEEL_TAG_WORDS(r.tag), 0), KEEL_CAP_OPEN,
                            KEEL_TIMEOUT_NEVER);
}
