/* A server found by name: it makes a gate of its own, registers it as
 * "greeter" with the name server, and answers each GREET
 * with the number plus one. */
#include <keel/names.h>
#include <keel/system.h>

#define NAMES KEEL_SLOT_GIVEN
#define GREET 1

static uint32_t greet(struct keel_request *rq, void *ctx)
{
    rq->u->mr[0] += 1;
    rq->reply_words = 1;
    return KEEL_OK;
}

static const struct keel_op ops[] = { { GREET, 1, greet } };

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t gate = KEEL_CAP_OPEN;
    uint32_t e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, 0x6721, &gate);
    if (e || (e = keel_names_register(u, NAMES, "greeter", gate))) {
        keel_printf("greeter: cannot register: error %u\n", e);
        return 1;
    }
    keel_serve(u, KEEL_CAP_OPEN, ops, 1, NULL);
}
