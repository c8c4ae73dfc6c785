/* A key-value store: a server written with keel/server.h, found through
 * the name server.  Slots: the name server's gate in KEEL_SLOT_GIVEN. */
#include <keel/names.h>
#include <keel/system.h>
#include "kv.h"

#define NAMES KEEL_SLOT_GIVEN
#define ENTRIES 32

static struct {
    char key[KV_MAX + 1], value[KV_MAX + 1];
    bool used;
} store[ENTRIES];

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static void copy(char *to, const char *from)
{
    for (uint32_t i = 0; i <= KV_MAX; i++)
        to[i] = from[i];
}

/* The entry of the request's key (or a free one if make); NULL if none. */
static int find(struct keel_request *rq, char *key, bool make)
{
    if (!keel_msg_get_string(rq->u, 0, KV_WORDS, key, KV_MAX + 1))
        return -2;
    int free = -1;
    for (int i = 0; i < ENTRIES; i++) {
        if (store[i].used && same(store[i].key, key))
            return i;
        if (!store[i].used && free < 0)
            free = i;
    }
    return make ? free : -1;
}

static uint32_t put(struct keel_request *rq, void *ctx)
{
    char key[KV_MAX + 1], value[KV_MAX + 1];
    int i = find(rq, key, true);
    if (i == -2 || !keel_msg_get_string(rq->u, KV_WORDS, KV_WORDS, value, sizeof(value)))
        return KEEL_E_INVALID;
    if (i < 0)
        return KEEL_S_FULL;
    copy(store[i].key, key);
    copy(store[i].value, value);
    store[i].used = true;
    return KEEL_OK;
}

/* The entry of the request's key, which must be there: KEEL_OK and *i,
 * or the status to answer. */
static uint32_t existing(struct keel_request *rq, int *i)
{
    char key[KV_MAX + 1];
    *i = find(rq, key, false);
    return *i == -2 ? KEEL_E_INVALID : *i < 0 ? KEEL_S_NOT_FOUND : KEEL_OK;
}

static uint32_t get(struct keel_request *rq, void *ctx)
{
    int i;
    uint32_t status = existing(rq, &i);
    if (status)
        return status;
    rq->reply_words = keel_msg_put_string(rq->u, 0, store[i].value, KV_WORDS);
    return KEEL_OK;
}

static uint32_t del(struct keel_request *rq, void *ctx)
{
    int i;
    uint32_t status = existing(rq, &i);
    if (status)
        return status;
    store[i].used = false;
    return KEEL_OK;
}

static const struct keel_op ops[] = {
    { KV_PUT, 2 * KV_WORDS, put },
    { KV_GET, KV_WORDS, get },
    { KV_DELETE, KV_WORDS, del },
};

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t gate = KEEL_CAP_OPEN;
    uint32_t e = keel_gate_create(u, KEEL_PROGRAM_FACTORY, KEEL_PROGRAM_THREAD, 0x6b76, &gate);
    if (!e)
        e = keel_names_register(u, NAMES, KV_NAME, gate);
    if (e) {
        keel_printf("kvstore: cannot register as \"" KV_NAME "\": error %u\n", e);
        return 1;
    }
    keel_printf("kvstore: serving as \"" KV_NAME "\"\n");
    keel_serve(u, KEEL_CAP_OPEN, ops, sizeof(ops) / sizeof(ops[0]), NULL);
}
