/* The error codes of Keel's generic code: the kernel's and the shared
 * library's readers (cpio, fdt) return 0 (KERR_OK) or one of these.  Only
 * compiler-provided headers, like every header of lib/. */
#pragma once

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
    KERR_REVOKED,   /* the slot's capability was revoked (kernel/cap.c) */
};
