/* Basic types for freestanding kernel code.  Only compiler-provided headers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdnoreturn.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a) - 1, (a))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Kernel-internal error codes.  Functions return 0 (KERR_OK) or one of these. */
enum kerr {
    KERR_OK = 0,
    KERR_INVAL,     /* malformed argument or input */
    KERR_RANGE,     /* value or offset outside its bounds */
    KERR_NOENT,     /* looked-up item does not exist */
    KERR_NOMEM,     /* out of memory or table space */
    KERR_BADFMT,    /* input data is not in the expected format */
    KERR_TYPE,      /* object is of the wrong type */
    KERR_PERM,      /* rights or permission missing */
    KERR_EXIST,     /* target already in use */
};

const char *kerr_name(enum kerr e);
