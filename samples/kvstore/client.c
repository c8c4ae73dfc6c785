/* A client of the key-value store: finds it by name, stores, reads,
 * overwrites and deletes through the typed stub (kv.h), and prints through
 * the console server.  Slots: the name server's gate, then the console's. */
#include <keel/console.h>
#include <keel/names.h>
#include <keel/system.h>
#include "kv.h"

#define NAMES KEEL_SLOT_GIVEN
#define CONSOLE (KEEL_SLOT_GIVEN + 1)
#define WAIT_US 5000000

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

int main(void)
{
    struct keel_utcb *u = keel_utcb();
    uint32_t kv = KEEL_CAP_OPEN;
    char value[KV_MAX + 1];
    uint32_t e = keel_names_wait(u, NAMES, KV_NAME, WAIT_US, &kv);
    if (e) {
        keel_printf("kv-client: no \"" KV_NAME "\" in the name server: error %u\n", e);
        return 1;
    }
    keel_console_printf(u, CONSOLE, "kv-client: found \"" KV_NAME "\" by name (slot %u)\n", kv);
    int bad = 0;
    bad += kv_put(u, kv, "colour", "blue") != KEEL_OK;
    bad += kv_put(u, kv, "shape", "round") != KEEL_OK;
    bad += kv_get(u, kv, "colour", value) != KEEL_OK || !same(value, "blue");
    bad += kv_put(u, kv, "colour", "green") != KEEL_OK;
    bad += kv_get(u, kv, "colour", value) != KEEL_OK || !same(value, "green");
    keel_console_printf(u, CONSOLE, "kv-client: colour = %s\n", value);
    bad += kv_delete(u, kv, "shape") != KEEL_OK;
    bad += kv_get(u, kv, "shape", value) != KEEL_S_NOT_FOUND;
    bad += kv_delete(u, kv, "shape") != KEEL_S_NOT_FOUND;
    bad += kv_put(u, kv, "a-key-longer-than-thirty-one-bytes", "x") != KEEL_E_INVALID;
    keel_console_printf(u, CONSOLE, "kv-client: put, get, overwrite, delete: %s\n",
                        bad ? "FAILED" : "all as expected");
    return bad;
}
