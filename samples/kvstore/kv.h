/* The key-value store's protocol and its typed client stub: keys and values
 * are strings of at most KV_MAX bytes.  The server registers its gate as
 * "kv" with the name server; clients find it there. */
#pragma once

#include <keel/server.h>

#define KV_NAME "kv"
#define KV_MAX 31                                   /* bytes of a key or a value */
#define KV_WORDS ((KV_MAX + 1) / sizeof(uintptr_t)) /* message words of one */

enum kv_op { KV_PUT = 1, KV_GET = 2, KV_DELETE = 3 };

/* The key (and value) into the words of a request; false if too long. */
static inline bool kv_put_strings(struct keel_utcb *u, const char *key, const char *value)
{
    for (uint32_t i = 0; i < 2 * KV_WORDS; i++)
        u->mr[i] = 0;
    return keel_msg_put_string(u, 0, key, KV_WORDS) &&
           (!value || keel_msg_put_string(u, KV_WORDS, value, KV_WORDS));
}

/* Store value under key; 0, KEEL_S_FULL, or a kernel error. */
static inline uint32_t kv_put(struct keel_utcb *u, uint32_t kv, const char *key,
                              const char *value)
{
    if (!kv_put_strings(u, key, value))
        return KEEL_E_INVALID;
    return keel_client_call(u, kv, KV_PUT, 2 * KV_WORDS, 0, KEEL_TIMEOUT_NEVER);
}

/* The value of key into value (KV_MAX + 1 bytes); 0 or KEEL_S_NOT_FOUND. */
static inline uint32_t kv_get(struct keel_utcb *u, uint32_t kv, const char *key, char *value)
{
    if (!kv_put_strings(u, key, NULL))
        return KEEL_E_INVALID;
    uint32_t e = keel_client_call(u, kv, KV_GET, KV_WORDS, 0, KEEL_TIMEOUT_NEVER);
    if (!e && !keel_msg_get_string(u, 0, KV_WORDS, value, KV_MAX + 1))
        e = KEEL_E_INVALID;
    return e;
}

/* Forget key; 0 or KEEL_S_NOT_FOUND. */
static inline uint32_t kv_delete(struct keel_utcb *u, uint32_t kv, const char *key)
{
    if (!kv_put_strings(u, key, NULL))
        return KEEL_E_INVALID;
    return keel_client_call(u, kv, KV_DELETE, KV_WORDS, 0, KEEL_TIMEOUT_NEVER);
}
