/**
 * @file keel/names.h
 * @brief The name server's protocol and client stubs: servers register a
 *        gate under a name, clients look it up.
 *
 * The name server (`sdk/servers/names`, program `names`) is reached through
 * the gate its system-description line serves (`names daemon serves=names
 * badges`; a client says `uses=names`).  With `badges`, the name server
 * knows each client by its line: a name belongs to the program that
 * registered it, which may register it again (after a restart, with its new
 * gate) while every other program gets KEEL_S_EXISTS.  A lookup answers with
 * a copy of the registered gate capability; a wait answers once the name is
 * registered.  Names are at most KEEL_NAMES_MAX bytes.
 */
#pragma once

#include <keel/server.h>

/** Longest name, in bytes without the NUL. */
#define KEEL_NAMES_MAX 31
/** The service name of the name server in a system description
 * (`serves=names`): root registers the gates of lines that say `register`
 * there, and again after the name server restarts (docs/system.md). */
#define KEEL_NAMES_SERVICE "names"
/** Message words a name takes (with its NUL, zero-padded). */
#define KEEL_NAMES_WORDS ((KEEL_NAMES_MAX + 1) / sizeof(uintptr_t))

/** Operations of the name server (request labels). */
enum keel_names_op {
    KEEL_NAMES_REGISTER = 1,    /**< words: the name; item 0: a gate capability (send
                                     right).  KEEL_S_EXISTS another program's name;
                                     KEEL_S_FULL no room; KEEL_E_INVALID no gate or a bad name */
    KEEL_NAMES_LOOKUP = 2,      /**< words: the name; answer item 0: a copy of its gate.
                                     KEEL_S_NOT_FOUND if none is registered */
    KEEL_NAMES_WAIT = 3,        /**< as LOOKUP, but answers once the name is registered
                                     (bounded by the caller's timeout) */
    KEEL_NAMES_REMOVE = 4,      /**< words: the name: forget one's own registration */
};

/** Put name into the message words of a request; false if it is too long. */
static inline bool keel_names_put(struct keel_utcb *u, const char *name)
{
    for (uint32_t i = 0; i < KEEL_NAMES_WORDS; i++)
        u->mr[i] = 0;
    return keel_msg_put_string(u, 0, name, KEEL_NAMES_WORDS) != 0;
}

/** Register gate (a slot of the caller's) under name at the name server
 * reached through names; 0 or the status. */
static inline uint32_t keel_names_register(struct keel_utcb *u, uint32_t names,
                                           const char *name, uint32_t gate)
{
    if (!keel_names_put(u, name))
        return KEEL_E_INVALID;
    keel_cap_item(u, 0, gate, KEEL_RIGHT_SEND | KEEL_RIGHT_GRANT);
    return keel_client_call(u, names, KEEL_NAMES_REGISTER, KEEL_NAMES_WORDS, 1,
                            KEEL_TIMEOUT_NEVER);
}

/** Look name up (op KEEL_NAMES_LOOKUP, or KEEL_NAMES_WAIT to wait up to
 * timeout_us for it); 0 and a copy of its gate in a new slot *slot, or the
 * status (KEEL_E_TIMEOUT if the wait ran out). */
static inline uint32_t keel_names_find(struct keel_utcb *u, uint32_t names, uint32_t op,
                                       const char *name, uint32_t timeout_us, uint32_t *slot)
{
    if (!keel_names_put(u, name))
        return KEEL_E_INVALID;
    uint32_t accept = u->accept_items;
    u->accept_items = 1;
    uint32_t e = keel_client_call(u, names, op, KEEL_NAMES_WORDS, 0, timeout_us);
    u->accept_items = accept;
    if (!e)
        *slot = u->item[0].slot;
    return e;
}

/** Look name up now; 0 and its gate in *slot, or KEEL_S_NOT_FOUND. */
static inline uint32_t keel_names_lookup(struct keel_utcb *u, uint32_t names, const char *name,
                                         uint32_t *slot)
{
    return keel_names_find(u, names, KEEL_NAMES_LOOKUP, name, KEEL_TIMEOUT_NEVER, slot);
}

/** Wait up to timeout_us for name to be registered; 0 and its gate in
 * *slot, or KEEL_E_TIMEOUT. */
static inline uint32_t keel_names_wait(struct keel_utcb *u, uint32_t names, const char *name,
                                       uint32_t timeout_us, uint32_t *slot)
{
    return keel_names_find(u, names, KEEL_NAMES_WAIT, name, timeout_us, slot);
}
