/* The shared-memory sample's protocol (server.c, client.c). */
#pragma once

#include <keel/keel.h>
#include <keel/system.h>

#define SHM_ORDER 14u                   /* 16 KiB, 4 pages */
#define SHM_SHARE 1                     /* call, 1 item: a notification; reply: a map item */
#define SHM_FILL 2                      /* send, mr0 = n: fill squares, then signal */
#define SHM_MAGIC_AT 1000u              /* the client's word (a uint64_t index: 8000 bytes in) */
#define SHM_SEEN_AT 1001u               /* the server's copy of it */
#define SHM_BIT 0x4u                    /* the bit the server signals */
