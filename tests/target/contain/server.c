/* The fault-containment test's server: registers its own gate under
 * SERVER_NAME, answers OP_ECHO with the number plus one, and crashes (a
 * bad memory access) while handling OP_CRASH, with its caller waiting.
 * Its line says restart=1: root starts it again, and the new one registers
 * its new gate under the same name. */
#include "common.h"

static uint32_t echo(struct keel_request *rq, void *ctx)
{
    rq->u->mr[0] += 1;
    rq->reply_words = 1;
    return KEEL_OK;
}

static uint32_t crash(struct keel_request *rq, void *ctx)
{
    keel_console_printf(rq->u, CONSOLE, "contain-server: crashing on purpose, a client "
                        "waiting for the answer\n");
    *BAD_ADDR = 1;
    return KEEL_OK;
}

static uint32_t share(struct keel_request *rq, void *ctx)
{
    *(volatile uintptr_t *)SHARE_PAGE = SHARE_MARK;
    keel_mem_item(rq->u, 0, KEEL_ITEM_MAP, SHARE_PAGE, 12, KEEL_MAP_R);
    rq->reply_items = 1;
    return KEEL_OK;
}

static uint32_t peek(struct keel_request *rq, void *ctx)
{
    rq->u->mr[0] = *(volatile uintptr_t *)SHARE_PAGE;
    rq->reply_words = 1;
    return KEEL_OK;
}

static const struct keel_op ops[] = { { OP_ECHO, 1, echo }, { OP_CRASH, 0, crash },
                                      { OP_SHARE, 0, share }, { OP_PEEK, 0, peek } };

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t gate = KEEL_CAP_OPEN;
    uint32_t e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, 0xc0, &gate);
    if (e || (e = keel_names_register(u, NAMES, SERVER_NAME, gate))) {
        keel_printf("contain-server: cannot register: error %u\n", e);
        return 1;
    }
    keel_console_printf(u, CONSOLE, "contain-server: serving as \"" SERVER_NAME "\"\n");
    keel_serve(u, KEEL_CAP_OPEN, ops, sizeof(ops) / sizeof(ops[0]), NULL);
}
